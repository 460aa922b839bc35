/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <math.h>
#include <stdbool.h>

/*
 * The vector helpers of estimator.c that estimator-neutral.c and
 * estimator-angles.c use too: included by those three only
 * (estimator-motion.c, estimator-trunk.c and estimator-walk.c keep norm3()
 * of their own, static).
 */

#define DEG_PER_RAD (180.0 / M_PI)

/* Below this magnitude (m/s²) a vector carries no usable direction. */
#define MIN_GRAVITY 1.0

double norm3(const double v[3]);
/* Inline: called for every vector of every sample. */
static inline bool finite3(const double v[3])
{
        return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]);
}
