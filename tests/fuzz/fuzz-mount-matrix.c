/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mount matrix (udev ACCEL_MOUNT_MATRIX, IIO mount_matrix): parsed, and
 * a valid one applied to a vector. */
#include "core/mount-matrix.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const float in[3] = { 0.1f, -9.8f, 0.3f };
        MountMatrix mm;
        double out[3];
        char *s = fuzz_string(data, size);

        if (mount_matrix_parse(&mm, s) >= 0 && mount_matrix_is_valid(&mm))
                mount_matrix_apply(&mm, in, out);
        free(s);
        return 0;
}
