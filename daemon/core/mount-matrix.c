/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/mount-matrix.h"

/* The mount matrix: its IIO syntax and its use. */

const MountMatrix mount_matrix_identity = { .m = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } };

/**
 * mount_matrix_apply() - body = M · sensor.
 * @mm: the matrix.
 * @in: a sensor-frame vector.
 * @out: the body-frame vector.
 */
void mount_matrix_apply(const MountMatrix *mm, const float in[3], double out[3])
{
        for (size_t i = 0; i < 3; i++)
                out[i] = mm->m[i][0] * in[0] + mm->m[i][1] * in[1] + mm->m[i][2] * in[2];
}

/**
 * mount_matrix_is_valid() - finite and invertible.
 * @mm: the matrix.
 *
 * Singular or numerically close to it means |det| is tiny compared with the
 * product of the row norms, which bounds it (Hadamard), so the test does not
 * depend on the scale of the entries.
 *
 * Return: true for a usable mount matrix.
 */
bool mount_matrix_is_valid(const MountMatrix *mm)
{
        double det, bound = 1;

        for (size_t i = 0; i < 3; i++) {
                const double *r = mm->m[i];

                if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2]))
                        return false;
                bound *= sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
        }

#define M(i, j) (mm->m[i][j])
        det = M(0, 0) * (M(1, 1) * M(2, 2) - M(1, 2) * M(2, 1)) -
              M(0, 1) * (M(1, 0) * M(2, 2) - M(1, 2) * M(2, 0)) +
              M(0, 2) * (M(1, 0) * M(2, 1) - M(1, 1) * M(2, 0));
#undef M

        return isfinite(det) && bound > 0 && fabs(det) > 1e-9 * bound;
}

static const char *skip_space(const char *p)
{
        while (*p != '\0' && strchr(" \t\n\r", *p))
                p++;
        return p;
}

/**
 * mount_matrix_parse() - parse the IIO syntax "x1,y1,z1;x2,y2,z2;x3,y3,z3".
 * @ret: the matrix, written only on success.
 * @s: the text; blanks are allowed around every number and a trailing
 *     newline (as read from sysfs) is accepted.
 *
 * Numbers are read in the "C" locale whatever LC_NUMERIC says, so "0.5"
 * means one half in a German session too.
 *
 * Return: 0, -EINVAL when there are not exactly 3 rows of 3 finite numbers
 * or the matrix is singular, -ENOMEM when the "C" locale object cannot be
 * created.
 */
int mount_matrix_parse(MountMatrix *ret, const char *s)
{
        MountMatrix mm = { 0 };
        locale_t c_locale;
        const char *p = s;
        bool complete = false;

        assert(ret);
        assert(s);

        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t) 0);
        if (c_locale == (locale_t) 0)
                return -ENOMEM;

        for (size_t k = 0; k < 9; k++) {
                double *v = &mm.m[k / 3][k % 3];
                char *end;

                /* strtod skips leading blanks; an empty field converts nothing. */
                errno = 0;
                *v = strtod_l(p, &end, c_locale);
                if (end == p || errno != 0 || !isfinite(*v))
                        break;
                p = skip_space(end);
                if (k == 8) {
                        complete = *p == '\0';
                        break;
                }
                if (*p != (k % 3 == 2 ? ';' : ','))
                        break;
                p++;
        }
        freelocale(c_locale);

        if (!complete || !mount_matrix_is_valid(&mm))
                return -EINVAL;

        *ret = mm;
        return 0;
}
