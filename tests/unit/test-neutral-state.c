/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The saved neutral's file: written and read back, damaged files named by
 * line, and the identity that keeps another sensor or mount from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "core/neutral-state.h"

static const MountMatrix chest = { .m = { { 0, -1, 0 }, { 1, 0, 0 }, { 0, 0, 1 } } };

static char *written(const NeutralState *s)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(neutral_state_write(f, s), 0);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void test_round_trip(void **state)
{
        NeutralState s = {
                .sensor = (char *) "iio:device0",
                .mount = chest,
                .neutral = { -0.1234567890123, 9.7654321, 0.3 },
                .how = NEUTRAL_REVISED,
                .calibrated_at_usec = UINT64_C(1764890000123456),
        };
        NeutralState r = {};
        char *text = written(&s), *error = NULL;

        assert_int_equal(neutral_state_parse(&r, text, &error), 0);
        assert_null(error);
        assert_string_equal(r.sensor, "iio:device0");
        assert_memory_equal(&r.mount, &chest, sizeof(chest));
        assert_memory_equal(r.neutral, s.neutral, sizeof(s.neutral));
        assert_int_equal(r.how, NEUTRAL_REVISED);
        assert_true(r.calibrated_at_usec == s.calibrated_at_usec);
        assert_true(neutral_state_matches(&r, "iio:device0", &chest));
        assert_false(neutral_state_matches(&r, "iio:device1", &chest));
        assert_false(neutral_state_matches(&r, "iio:device0", &mount_matrix_identity));
        assert_false(neutral_state_matches(&r, NULL, &chest));
        neutral_state_done(&r);
        free(text);
}

static void expect_damaged(const char *text, const char *message)
{
        NeutralState r = {};
        char *error = NULL;

        assert_int_equal(neutral_state_parse(&r, text, &error), -EBADMSG);
        assert_non_null(error);
        assert_string_equal(error, message);
        assert_null(r.sensor);
        free(error);
}

static void test_damaged(void **state)
{
        const char *good = "sensor=x\nmount=1,0,0;0,1,0;0,0,1\nneutral=0,9.8,0\nhow=auto\n"
                           "calibrated_at=5\n";
        NeutralState r = {};

        assert_int_equal(neutral_state_parse(&r, good, NULL), 0);
        assert_int_equal(r.how, NEUTRAL_AUTO);
        neutral_state_done(&r);

        expect_damaged("sensor=x\nneutral=1,2\n", "line 2: bad value for 'neutral'");
        expect_damaged("# c\n\ngarbage\n", "line 3: not key=value");
        expect_damaged("sensor=x\ncolour=red\n", "line 2: unknown key 'colour'");
        expect_damaged("sensor=x\nmount=1,0,0;0,1,0;0,0,1\nneutral=0,0.5,0\n",
                       "line 3: bad value for 'neutral'"); /* shorter than 1 m/s² */
        expect_damaged("sensor=x\nhow=none\n", "line 2: bad value for 'how'");
        expect_damaged("sensor=x\ncalibrated_at=-1\n", "line 2: bad value for 'calibrated_at'");
        expect_damaged("sensor=x\nmount=1,0,0;0,1,0;0,0,1\nneutral=0,9.8,0\nhow=given\n",
                       "no calibrated_at= line");
        expect_damaged("sensor=x\nmount=1,0,0;1,0,0;0,0,1\nneutral=0,9.8,0\nhow=given\n"
                       "calibrated_at=1\n",
                       "line 2: bad value for 'mount'");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_damaged),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
