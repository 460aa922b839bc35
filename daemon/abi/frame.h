/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/**
 * struct Frame - one accelerometer sample as it travels through the ring.
 * @t_ns: sample time in nanoseconds; the source's clock (monotonic for live
 *        sensors, seconds since the start of the recording for replay).
 * @v:    specific force in m/s², x, y, z, in the sensor frame until the
 *        estimator applies the mount matrix.
 * @flags: FRAME_* bits.
 */
typedef struct Frame {
        int64_t t_ns;
        float v[3];
        uint32_t flags;
} Frame;

enum {
        /* The source lost samples right before this one (e.g. SYN_DROPPED). */
        FRAME_AFTER_GAP = 1u << 0,
        /* An axis sat at the limit of the sensor's range: the value is not a
         * measurement. Counted and dropped before the filter. */
        FRAME_SATURATED = 1u << 1,
};
