/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/macro.h"
#include "util/uri-util.h"

static void test_query(void **state)
{
        Uri u;
        char *error = NULL;

        assert_int_equal(uri_parse(&u, "replay", "/tmp/rec.csv", 0, &error), 0);
        assert_string_equal(u.path, "/tmp/rec.csv");
        assert_int_equal(u.n_params, 0);
        assert_null(error);
        uri_done(&u);
        assert_null(u.path);

        /* Order kept, repeated keys kept (the plugin takes the last), empty
         * parameters skipped, a value may be empty, a key may have none. */
        assert_int_equal(
                uri_parse(&u, "replay", "rec.csv?speed=0&&loop=1&speed=2&x=&flag&", 0, &error), 0);
        assert_string_equal(u.path, "rec.csv");
        assert_int_equal(u.n_params, 5);
        assert_string_equal(u.params[0].key, "speed");
        assert_string_equal(u.params[0].value, "0");
        assert_string_equal(u.params[1].key, "loop");
        assert_string_equal(u.params[1].value, "1");
        assert_string_equal(u.params[2].key, "speed");
        assert_string_equal(u.params[2].value, "2");
        assert_string_equal(u.params[3].key, "x");
        assert_string_equal(u.params[3].value, "");
        assert_string_equal(u.params[4].key, "flag");
        assert_null(u.params[4].value);
        uri_done(&u);

        /* Only the first '=' ends the name; an empty path is the plugin's business. */
        assert_int_equal(uri_parse(&u, "iio", "?trigger=a=b", 0, NULL), 0);
        assert_string_equal(u.path, "");
        assert_int_equal(u.n_params, 1);
        assert_string_equal(u.params[0].key, "trigger");
        assert_string_equal(u.params[0].value, "a=b");
        uri_done(&u);

        assert_int_equal(uri_parse(&u, "replay", "", 0, NULL), 0);
        assert_string_equal(u.path, "");
        assert_int_equal(u.n_params, 0);
        uri_done(&u);
        uri_done(&u);
        uri_done(NULL);
}

static void test_decoding(void **state)
{
        Uri u;

        /* A path that holds '?', '&', '%' and a blank; '+' is itself. */
        assert_int_equal(uri_parse(&u, "replay", "/tmp/a%3Fb%26c%25d%20e+f.csv?speed=1", 0, NULL),
                         0);
        assert_string_equal(u.path, "/tmp/a?b&c%d e+f.csv");
        assert_int_equal(u.n_params, 1);
        uri_done(&u);

        /* Escapes in names and values, in either case of hex digit. */
        assert_int_equal(uri_parse(&u, "iio", "x?trig%67er=a%26b%3d%3D&rate=1%2e5", 0, NULL), 0);
        assert_int_equal(u.n_params, 2);
        assert_string_equal(u.params[0].key, "trigger");
        assert_string_equal(u.params[0].value, "a&b==");
        assert_string_equal(u.params[1].value, "1.5");
        uri_done(&u);

        /* URI_PATH_RAW: the path as written (libiio's zone index), the query decoded. */
        assert_int_equal(
                uri_parse(&u, "iio", "ip:[fe80::1%eth0]:accel?trigger=t%31", URI_PATH_RAW, NULL),
                0);
        assert_string_equal(u.path, "ip:[fe80::1%eth0]:accel");
        assert_string_equal(u.params[0].value, "t1");
        uri_done(&u);
}

static void test_bad_escapes(void **state)
{
        static const struct {
                const char *arg, *message;
        } cases[] = {
                { "/tmp/a%.csv", "replay:/tmp/a%.csv: bad escape '%.c' in the path" },
                { "/tmp/a%", "bad escape '%' in the path" },
                { "/tmp/a%4", "bad escape '%4' in the path" },
                { "/tmp/a%zz.csv", "bad escape '%zz' in the path" },
                { "/tmp/a%00.csv", "bad escape '%00' in the path" },
                { "/tmp/%41%G1", "bad escape '%G1' in the path" },
                { "a.csv?sp%xeed=1", "bad escape '%xe' in the parameter name" },
                { "a.csv?speed=1%", "bad escape '%' in the parameter value" },
                { "a.csv?=1", "a parameter without a name ('=1')" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Uri u;
                char *error = NULL;
                int r = uri_parse(&u, "replay", cases[i].arg, 0, &error);

                if (r != -EINVAL || !error || !strstr(error, cases[i].message))
                        fail_msg("'%s': %d '%s', expected a message with '%s'", cases[i].arg, r,
                                 error ?: "(null)", cases[i].message);
                uri_done(&u);
                free(error);
        }

        /* No message wanted: the same result. */
        {
                Uri u;

                assert_int_equal(uri_parse(&u, "replay", "%zz", 0, NULL), -EINVAL);
                uri_done(&u);
        }
}

static void test_unescape(void **state)
{
        char *s = NULL;

        /* Only @n bytes are read: the '%' after them does not count. */
        assert_int_equal(uri_unescape("a%2Fb%", 5, &s), 0);
        assert_string_equal(s, "a/b");
        free(s);
        assert_int_equal(uri_unescape("", 0, &s), 0);
        assert_string_equal(s, "");
        free(s);
        s = NULL;
        assert_int_equal(uri_unescape("%2", 2, &s), -EINVAL);
        assert_null(s);
        /* The escape must be complete within @n bytes. */
        assert_int_equal(uri_unescape("%2F", 2, &s), -EINVAL);
        assert_int_equal(uri_unescape("%C3%A9", 6, &s), 0);
        assert_string_equal(s, "\xc3\xa9");
        free(s);
}

static void test_param_double(void **state)
{
        static const struct {
                const char *value;
                double v;
        } ok[] = {
                { "0", 0 },      { "1", 1 },       { "0.5", 0.5 }, { "-2.25", -2.25 },
                { "1e3", 1000 }, { "12.5", 12.5 }, { "+7", 7 },
        };
        static const char *const bad[] = { "",    "abc", "1,5",   " 5", "5 ",
                                           "inf", "nan", "1e999", "0x", "1.5x" };
        UriParam p = { .key = (char *) "k" };
        double v;

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                p.value = (char *) ok[i].value;
                assert_int_equal(uri_param_double(&p, &v), 0);
                assert_true(v == ok[i].v);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                p.value = (char *) bad[i];
                v = 42;
                if (uri_param_double(&p, &v) != -EINVAL)
                        fail_msg("'%s' accepted", bad[i]);
                assert_true(v == 42);
        }
        p.value = NULL;
        assert_int_equal(uri_param_double(&p, &v), -EINVAL);
}

/* A locale with a decimal comma must not change the syntax. Reported as
 * skipped (not passed) where no such locale is installed. */
static void test_param_double_locale(void **state)
{
        UriParam p = { .key = (char *) "speed", .value = (char *) "0.5" };
        double v = 0;
        int r;

        if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
                skip();
        r = uri_param_double(&p, &v);
        (void) setlocale(LC_NUMERIC, "C");
        assert_int_equal(r, 0);
        assert_true(v == 0.5);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_query),        cmocka_unit_test(test_decoding),
                cmocka_unit_test(test_bad_escapes),  cmocka_unit_test(test_unescape),
                cmocka_unit_test(test_param_double), cmocka_unit_test(test_param_double_locale),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
