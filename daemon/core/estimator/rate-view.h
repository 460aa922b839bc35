/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <float.h>
#include <math.h>
#include <stdbool.h>

#include "core/estimator/estimator.h"

/*
 * The trunk rate of a sample, worked out only where its value is needed.
 *
 * The rate is atan2(y, x) · (180 / π) · per_s (y = |a × b| >= 0, x = a · b
 * of two successive smoothed directions, per_s the block rate; see
 * estimator-trunk.c): a libm atan2() once a block, whose value reaches the
 * output only through sudden-movement, which compares it with its limits
 * (almost always far above a still or slowly moving trunk's rate). So
 * estimator_feed_many() leaves it pending (struct RatePending, per_s > 0)
 * and puts in the sample's rate_dps a bound hi above it: "rate > level" is
 * false wherever hi > level is, and only where hi > level does
 * rate_view_gt() work out the exact rate (rate_pending_value(): the same
 * operations on the same values as the estimator used to do at once).
 *
 * Why hi lies above the rate. For x > 0 and q = y / x (a real number),
 * atan2(y, x) = atan(q) <= q. With D = fl(180 / π) and B = per_s, the rate
 * is R = fl(fl(A · D) · B), A libm's atan2(), within a few ulps of the true
 * value (glibc's is within 1; allow 2^10, a relative 2^-42): so R <= q · D ·
 * B · (1 + 2^-42) (1 + 2^-53)² < q · D · B · (1 + 2^-41) while all are
 * normal. The bound (rate_pending_bound()) is fl(fl(fl(fl(y / x) · D) · B) ·
 * (1 + 2^-40)), four roundings of at most a relative 2^-53 each, so at least
 * q · D · B · (1 + 2^-40) (1 − 2^-51) > q · D · B · (1 + 2^-41); then
 * DBL_MIN is added, more than any subnormal rounding on either side could
 * make up (each at most 2^-1075, times D · B < 2^30 for a block rate under
 * 2^24 Hz), and it keeps hi > R = 0 at y = 0. Overflowing to +∞ it stays
 * above the finite R. So R < hi: a level at or above hi is not exceeded,
 * whatever the rounding of R (a comparison of doubles is exact). For x <= 0
 * the bound is +∞: the exact rate decides any finite level.
 */

/* The bound's margin: a relative 2^-40 (see above). */
#define RATE_VIEW_MARGIN (1 + 0x1p-40)

/* The exact rate of a pending one: atan2(y, x) · (180 / π) · per_s. */
double rate_pending_value(const RatePending *r);

/* The bound hi of the rate atan2(@y, @x) · (180 / π) · @per_s (see above),
 * for y >= 0 and x, finite. */
static inline double rate_pending_bound(double y, double x, double per_s)
{
        if (!(x > 0))
                return INFINITY;
        return y / x * (180.0 / M_PI) * per_s * RATE_VIEW_MARGIN + DBL_MIN;
}

static inline bool rate_is_pending(const RatePending *r)
{
        return r->per_s > 0;
}

/* The exact rate: @rate_dps, or @r's while pending. */
static inline double rate_view_value(double rate_dps, const RatePending *r)
{
        return rate_is_pending(r) ? rate_pending_value(r) : rate_dps;
}

/* Whether the rate is finite: a pending one is (atan2() of finite values),
 * and so is its bound @rate_dps unless x <= 0. */
static inline bool rate_view_finite(double rate_dps, const RatePending *r)
{
        return isfinite(rate_dps) || rate_is_pending(r);
}

/* rate > @level, with @rate_dps the rate, or while @r is pending the bound
 * above it: the bound's answer where it tells (see above), or the exact
 * rate's. */
static inline bool rate_view_gt(double rate_dps, const RatePending *r, double level)
{
        if (!(rate_dps > level))
                return false;
        return !rate_is_pending(r) || rate_pending_value(r) > level;
}
