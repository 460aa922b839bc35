/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/mount-matrix.h"
#include "util/macro.h"

/* The attribute as sysfs shows it: blanks after the separators, a trailing newline. */
static void test_parse_sysfs(void **state)
{
        static const struct {
                const char *text;
                double m[3][3];
        } ok[] = {
                { "1, 0, 0; 0, 1, 0; 0, 0, 1", { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } },
                { "0, 1, 0; -1, 0, 0; 0, 0, 1\n", { { 0, 1, 0 }, { -1, 0, 0 }, { 0, 0, 1 } } },
                { "0.5,-0.866,0;0.866,0.5,0;0,0,1",
                  { { 0.5, -0.866, 0 }, { 0.866, 0.5, 0 }, { 0, 0, 1 } } },
                { "  -1 ,0, 0 ; 0, -1, 0; 0, 0, 1  ", { { -1, 0, 0 }, { 0, -1, 0 }, { 0, 0, 1 } } },
        };
        /* clang-format off */
        static const char *const bad[] = { /* 1, 0, 0 / 1, 0, 0 is singular */
                "", "1, 0, 0; 0, 1, 0", "1, 0, 0; 0, 1, 0; 0, 0", "1, 0, 0; 0, 1, 0; 0, 0, 1; 1",
                "1, 0, 0, 0; 1, 0; 0, 0, 1", "1; 0, 0, 0, 1, 0, 0, 0, 1",
                "1, 0, 0; 0, 1, 0; 0, 0, x", "1,5, 0, 0; 0, 1, 0; 0, 0, 1",
                "nan, 0, 0; 0, 1, 0; 0, 0, 1", "1, 0, 0; 1, 0, 0; 0, 0, 1",
                "0, 0, 0; 0, 0, 0; 0, 0, 0", "1, , 0; 0, 1, 0; 0, 0, 1"
        };
        /* clang-format on */
        MountMatrix m;

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                assert_int_equal(mount_matrix_parse(&m, ok[i].text), 0);
                assert_memory_equal(m.m, ok[i].m, sizeof(m.m));
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                m.m[0][0] = 42;
                if (mount_matrix_parse(&m, bad[i]) != -EINVAL)
                        fail_msg("'%s' parsed", bad[i]);
                assert_true(m.m[0][0] == 42);
        }
}

static void test_is_valid(void **state)
{
        MountMatrix m = mount_matrix_identity;

        assert_true(mount_matrix_is_valid(&m));
        /* The test does not depend on the scale of the entries. */
        for (size_t i = 0; i < 3; i++)
                m.m[i][i] = 1e-6;
        assert_true(mount_matrix_is_valid(&m));
        m.m[2][2] = 0;
        assert_false(mount_matrix_is_valid(&m));
        m = mount_matrix_identity;
        m.m[1][0] = INFINITY;
        assert_false(mount_matrix_is_valid(&m));
}

static void test_apply(void **state)
{
        static const float sensor[3] = { 1.5f, -2.0f, 9.75f };
        MountMatrix m;
        double body[3];

        mount_matrix_apply(&mount_matrix_identity, sensor, body);
        for (size_t i = 0; i < 3; i++)
                assert_true(body[i] == sensor[i]);

        /* Rows map sensor axes to body axes: body x is sensor -y, body y sensor x. */
        assert_int_equal(mount_matrix_parse(&m, "0,-1,0;1,0,0;0,0,1"), 0);
        mount_matrix_apply(&m, sensor, body);
        assert_true(body[0] == 2.0 && body[1] == 1.5 && body[2] == 9.75);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_sysfs),
                cmocka_unit_test(test_is_valid),
                cmocka_unit_test(test_apply),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
