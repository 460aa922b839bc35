/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <math.h>
#include <stdbool.h>

/*
 * The vector helpers of the estimator's files: one definition of each, the
 * same arithmetic (and so the same bits) wherever it is used.
 */

#define DEG_PER_RAD (180.0 / M_PI)

/* Below this magnitude (m/s²) a vector carries no usable direction. */
#define MIN_GRAVITY 1.0

static inline double dot3(const double a[3], const double b[3])
{
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline double norm3(const double v[3])
{
        return sqrt(dot3(v, v));
}

/* Inline: called for every vector of every sample. */
static inline bool finite3(const double v[3])
{
        return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]);
}
