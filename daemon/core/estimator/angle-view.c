/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The angles of a sample, compared with limits from their sine or cosine
 * and worked out only where needed (see angle-view.h). */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/estimator/angle-view.h"
#include "core/estimator/rate-view.h"
#include "core/estimator/estimator-vector.h"

/* |r| == 0 exactly when |r|² == 0: no square root needed. */
static bool has_angles(const double r[3])
{
        return finite3(r) && r[0] * r[0] + r[1] * r[1] + r[2] * r[2] != 0;
}

/**
 * vector_flexion() - the flexion of a vector @r rotated by the neutral.
 * @r: the vector.
 *
 * Return: atan2(−z, hypot(x, y)) in degrees; NaN for a non-finite or zero @r.
 */
double vector_flexion(const double r[3])
{
        return has_angles(r) ? atan2(-r[2], hypot(r[0], r[1])) * DEG_PER_RAD : NAN;
}

/**
 * vector_lateral() - the lateral bend of a vector @r rotated by the neutral.
 * @r: the vector.
 *
 * Return: atan2(−x, y) in degrees; NaN for a non-finite or zero @r.
 */
double vector_lateral(const double r[3])
{
        return has_angles(r) ? atan2(-r[0], r[1]) * DEG_PER_RAD : NAN;
}

/**
 * angle_limit_sine() - a limit on the flexion or the signed lateral bend.
 * @l: the limit.
 * @deg: its angle; the shortcut covers [−90°, 90°], where sin increases.
 */
void angle_limit_sine(AngleLimit *l, double deg)
{
        double s = sin(deg / DEG_PER_RAD);

        l->deg = deg;
        if (deg >= -90 && deg <= 90) {
                l->lo = s - ANGLE_VIEW_MARGIN;
                l->hi = s + ANGLE_VIEW_MARGIN;
        } else
                l->lo = l->hi = NAN;
}

/**
 * angle_limit_cosine() - a limit on |lateral bend|.
 * @l: the limit.
 * @deg: its angle; the shortcut covers [0°, 180°], where cos decreases.
 */
void angle_limit_cosine(AngleLimit *l, double deg)
{
        double c = cos(deg / DEG_PER_RAD);

        l->deg = deg;
        if (deg >= 0 && deg <= 180) {
                l->lo = c - ANGLE_VIEW_MARGIN;
                l->hi = c + ANGLE_VIEW_MARGIN;
        } else
                l->lo = l->hi = NAN;
}

/**
 * angle_view_nan() - a view whose angles are NaN (as every comparison of
 * them is false).
 * @v: the view.
 */
void angle_view_nan(AngleView *v)
{
        v->r = NULL;
        v->sin_flexion = v->cos_lateral = v->sin_lateral = NAN;
        v->have_flexion = v->have_lateral = true;
        v->flexion = v->lateral = NAN;
}

/** angle_view_flexion_exact() - work out (once) and return the exact flexion. */
double angle_view_flexion_exact(AngleView *v)
{
        if (!v->have_flexion) {
                v->flexion = vector_flexion(v->r);
                v->have_flexion = true;
        }
        return v->flexion;
}

/** angle_view_lateral_exact() - work out (once) and return the exact lateral bend. */
double angle_view_lateral_exact(AngleView *v)
{
        if (!v->have_lateral) {
                v->lateral = vector_lateral(v->r);
                v->have_lateral = true;
        }
        return v->lateral;
}

/* The estimator's operations, in its order (estimator-trunk.c). */
double rate_pending_value(const RatePending *r)
{
        assert(r);
        return atan2(r->y, r->x) * (180.0 / M_PI) * r->per_s;
}

/**
 * posture_sample_resolve_angles() - work out @s's pending angles into its
 * flexion_deg and lateral_deg (nothing when they are given already), and
 * its pending rate into rate_dps (rate-view.h).
 * @s: the sample.
 */
void posture_sample_resolve_angles(PostureSample *s)
{
        assert(s);

        if (rate_is_pending(&s->rate_pending)) {
                s->rate_dps = rate_pending_value(&s->rate_pending);
                s->rate_pending.per_s = 0;
        }
        if (!s->angles_pending)
                return;
        s->flexion_deg = vector_flexion(s->rotated);
        s->lateral_deg = vector_lateral(s->rotated);
        s->angles_pending = false;
}
