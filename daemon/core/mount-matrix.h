/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The mount matrix of a sensor: its IIO syntax and its use. */

#include <stdbool.h>

/**
 * struct MountMatrix - rows map sensor axes to body axes:
 * body[i] = sum_j m[i][j] * sensor[j], as the IIO mount_matrix attribute.
 */
typedef struct MountMatrix {
        double m[3][3];
} MountMatrix;

extern const MountMatrix mount_matrix_identity;

/** mount_matrix_parse() - parse the IIO syntax "x1,y1,z1;x2,y2,z2;x3,y3,z3". */
int mount_matrix_parse(MountMatrix *ret, const char *s);

/** mount_matrix_apply() - body = M · sensor. */
void mount_matrix_apply(const MountMatrix *mm, const float in[3], double out[3]);

/** mount_matrix_is_valid() - finite and not (numerically) singular. */
bool mount_matrix_is_valid(const MountMatrix *mm);
