/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "util/macro.h"

static int setup(void **state)
{
        Config *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        assert_int_equal(config_init(c, "/plugins", "/advice.conf"), 0);
        *state = c;
        return 0;
}

static int teardown(void **state)
{
        config_done(*state);
        free(*state);
        return 0;
}

static void test_defaults(void **state)
{
        Config *c = *state;

        assert_string_equal(c->source_uri, "auto");
        assert_int_equal(c->pipeline.filter_order, 4);
        assert_float_equal(c->pipeline.cutoff_hz, 2.0, 1e-12);
        assert_float_equal(c->pipeline.rules.flexion_min_deg, 20.0, 1e-12);
        assert_float_equal(c->pipeline.rules.extreme_deg, 60.0, 1e-12);
        assert_float_equal(c->property_rate_hz, 1.0, 1e-12);
        assert_true(c->pipeline.estimator.auto_calibrate);
        assert_false(c->mount_matrix_set);
}

static void test_good(void **state)
{
        Config *c = *state;
        _cleanup_(freep) char *err = NULL;
        const char *text = "# comment\n"
                           "[Source]\n"
                           "URI=replay:/tmp/x.csv?speed=0\n"
                           "MountMatrix=0,1,0; 1,0,0; 0,0,1\n"
                           "[Filter]\n"
                           "Order=2\n"
                           "CutoffHz=1.5\n"
                           "[Posture]\n"
                           "AutoCalibrate=no\n"
                           "[Rules]\n"
                           "ExtremeFlexionDeg=50\n"
                           "[Bus]\n"
                           "PropertyRateHz=4\n";

        assert_int_equal(config_parse_string(c, text, "good.conf", &err), 0);
        assert_null(err);
        assert_string_equal(c->source_uri, "replay:/tmp/x.csv?speed=0");
        assert_true(c->mount_matrix_set);
        assert_float_equal(c->pipeline.estimator.mount.m[0][1], 1.0, 1e-12);
        assert_float_equal(c->pipeline.estimator.mount.m[0][0], 0.0, 1e-12);
        assert_int_equal(c->pipeline.filter_order, 2);
        assert_float_equal(c->pipeline.cutoff_hz, 1.5, 1e-12);
        assert_false(c->pipeline.estimator.auto_calibrate);
        assert_float_equal(c->pipeline.rules.extreme_deg, 50.0, 1e-12);
        assert_float_equal(c->property_rate_hz, 4.0, 1e-12);
}

/* Each bad input must fail with -EINVAL and a message naming file, line and key. */
static void expect_error(Config *c, const char *text, const char *expected)
{
        _cleanup_(freep) char *err = NULL;

        assert_int_equal(config_parse_string(c, text, "bad.conf", &err), -EINVAL);
        assert_non_null(err);
        if (!strstr(err, expected))
                fail_msg("error '%s' does not contain '%s'", err, expected);
}

static void test_bad_values(void **state)
{
        static const struct {
                const char *text, *expected;
        } cases[] = {
                { "[Filter]\nCutoffHz=abc\n", "bad.conf:2: [Filter] CutoffHz=abc: not a number" },
                { "[Filter]\n\nOrder=2.5\n", "bad.conf:3: [Filter] Order=2.5: not a whole number" },
                { "[Filter]\nOrder=9\n", "bad.conf:2: [Filter] Order=9: out of range" },
                { "[Filter]\nOrder=0\n", "bad.conf:2: [Filter] Order=0: out of range" },
                { "[Filter]\nCutoffHz=nan\n", "bad.conf:2: [Filter] CutoffHz=nan: not a number" },
                { "[Filter]\nCutoffHz=-1\n", "bad.conf:2: [Filter] CutoffHz=-1: out of range" },
                { "[Posture]\nAutoCalibrate=maybe\n",
                  "bad.conf:2: [Posture] AutoCalibrate=maybe: expected yes or no" },
                { "[Source]\nMountMatrix=1,0,0;0,1,0\n", "bad.conf:2: [Source] MountMatrix=" },
                { "[Source]\nMountMatrix=0,0,0;0,0,0;0,0,0\n", "invertible" },
                { "[Source]\nURI=\n", "bad.conf:2: [Source] URI= must not be empty" },
                { "[Bus]\nPropertyRateHz=1x\n",
                  "bad.conf:2: [Bus] PropertyRateHz=1x: not a number" },
        };
        Config *c = *state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(c, cases[i].text, cases[i].expected);
}

static void test_unknown(void **state)
{
        Config *c = *state;

        expect_error(c, "[Filter]\nCutof=2\n", "bad.conf:2: [Filter] unknown key Cutof=");
        expect_error(c, "[Nope]\nA=1\n", "bad.conf:2: unknown section [Nope]");
        expect_error(c, "[Filter]\nthis is not ini\n", "bad.conf:2: syntax error");
}

static void test_first_error_wins(void **state)
{
        Config *c = *state;

        expect_error(c, "[Filter]\nOrder=x\nCutoffHz=y\n", "bad.conf:2:");
}

static void test_inconsistent(void **state)
{
        Config *c = *state;
        _cleanup_(freep) char *err = NULL;

        /* Each file alone is fine; the merged result is checked once. */
        assert_int_equal(config_parse_string(c, "[Rules]\nFlexionMinDeg=70\n", "a.conf", &err), 0);
        assert_int_equal(config_parse_string(c, "[Rules]\nFlexionMaxDeg=80\n", "b.conf", &err), 0);
        assert_int_equal(config_check(c, &err), 0);
        assert_null(err);

        assert_int_equal(config_parse_string(c, "[Rules]\nFlexionMaxDeg=40\n", "c.conf", &err), 0);
        assert_int_equal(config_check(c, &err), -EINVAL);
        assert_non_null(err);
        if (!strstr(err, "FlexionMinDeg=70 must be below FlexionMaxDeg=40"))
                fail_msg("error '%s'", err);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void test_files_and_dropins(void **state)
{
        Config *c = *state;
        _cleanup_(freep) char *err = NULL;
        char dir[] = "/tmp/postured-config-XXXXXX", path[256], dropdir[300], f1[400], f2[400];

        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/postured.conf", dir);
        (void) snprintf(dropdir, sizeof(dropdir), "%s.d", path);
        (void) snprintf(f1, sizeof(f1), "%s/10-a.conf", dropdir);
        (void) snprintf(f2, sizeof(f2), "%s/20-b.conf", dropdir);

        /* No file at all: defaults, no error. */
        assert_int_equal(config_load(c, path, &err), 0);
        assert_int_equal(config_load_file(c, path, &err), -ENOENT);

        write_file(path, "[Filter]\nCutoffHz=3\nOrder=6\n");
        assert_int_equal(mkdir(dropdir, 0755), 0);
        write_file(f1, "[Filter]\nCutoffHz=4\n");
        write_file(f2, "[Filter]\nCutoffHz=5\n");

        assert_int_equal(config_load(c, path, &err), 0);
        assert_float_equal(c->pipeline.cutoff_hz, 5.0, 1e-12); /* last drop-in wins */
        assert_int_equal(c->pipeline.filter_order, 6);         /* main file still applies */

        write_file(f2, "[Filter]\nCutoffHz=5\nOrder=zero\n");
        assert_int_equal(config_load(c, path, &err), -EINVAL);
        assert_non_null(err);
        if (!strstr(err, f2) || !strstr(err, ":3: [Filter] Order=zero"))
                fail_msg("error '%s' does not name %s:3", err, f2);

        unlink(f1);
        unlink(f2);
        rmdir(dropdir);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_good, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
                cmocka_unit_test_setup_teardown(test_first_error_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inconsistent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_files_and_dropins, setup, teardown),
        };

        return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
