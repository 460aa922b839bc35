/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <math.h>
#include <stdbool.h>

#include "core/estimator/estimator.h"

/*
 * The angles of a sample, worked out only where their value is needed.
 *
 * A sample of estimator_feed_many() carries the gravity rotated by the
 * neutral (PostureSample.rotated) and its flexion and lateral bend pending:
 * two atan2() and a hypot() that most samples need only to be compared with
 * a limit. An AngleView answers such a comparison from the sine or cosine of
 * the angle, a square root and a division away from the vector, and works
 * out the exact angle (vector_angles()' arithmetic, the value a comparison
 * of the exact angle would use) only when the answer is too close to call.
 *
 * Why the shortcut gives the exact comparison's answer. For r = (x, y, z),
 * the exact flexion θ = atan2(−z, hypot(x, y)) lies in [−90°, 90°] and
 * sin θ = −z / |r|; the exact lateral bend φ = atan2(−x, y) has cos |φ| =
 * y / hypot(x, y) and, when y > 0 (|φ| < 90°), sin φ = −x / hypot(x, y).
 * The view computes these three with a relative error of a few ulps (|r|² and
 * x² + y² within [ANGLE_VIEW_MIN_SQ, ANGLE_VIEW_MAX_SQ]: no square overflows,
 * and any that underflows errs by at most 5e-324, nothing next to the sum):
 * within 1e-15 of the true values. An AngleLimit holds the sine (flexion,
 * signed lateral bend, for a limit within [−90°, 90°]) or cosine (|lateral
 * bend|, for a limit within [0°, 180°]) of its limit within 1e-15 (sin() and
 * cos() within an ulp of an argument within 2 ulps of the limit in radians),
 * and that value minus and plus ANGLE_VIEW_MARGIN (1e-9). sin is increasing
 * on [−90°, 90°], cos decreasing on [0°, 180°], and both move by at most the
 * angle's change (in radians); so a view's value beyond the limit's by more
 * than the margin puts the true angle more than 1e-9 − 3e-15 rad (5.7e-8°)
 * beyond the limit, on that side. The exact angle as computed (atan2() and
 * hypot() within a few ulps, the conversion to degrees within two more) is
 * within 1e-12° of the true one: it lies on the same side of the limit, by
 * more than any rounding of the comparison could hide (an ulp of 180 is
 * 2.8e-14), so it compares with the limit as the view says, with > and >=
 * alike. A value within the margin (about 6e-8° either side of the limit),
 * a NaN, or a limit outside its range (NaN bounds) takes the exact angle.
 */

/* The shortcut's margin, in sine or cosine units (see above). */
#define ANGLE_VIEW_MARGIN 1e-9
/* Squared lengths the shortcut takes: far from overflow and from subnormals. */
#define ANGLE_VIEW_MIN_SQ 1e-280
#define ANGLE_VIEW_MAX_SQ 1e280

/**
 * struct AngleLimit - a limit on an angle, in degrees, and its sine or
 * cosine minus (@lo) and plus (@hi) the margin; NaN bounds: no shortcut.
 */
typedef struct AngleLimit {
        double deg;
        double lo, hi;
} AngleLimit;

/* A limit on the flexion or the signed lateral bend (sine; within [−90°, 90°]). */
void angle_limit_sine(AngleLimit *l, double deg);
/* A limit on |lateral bend| (cosine; within [0°, 180°]). */
void angle_limit_cosine(AngleLimit *l, double deg);

/**
 * struct AngleView - a sample's angles as far as they are known.
 * @r: the rotated vector the pending angles are of; NULL when given.
 * @sin_flexion: sin θ, NaN where the shortcut does not apply (and for
 *               given angles).
 * @cos_lateral: cos |φ|, likewise.
 * @sin_lateral: sin φ, NaN also for |φ| >= 90°.
 * @have_flexion: @flexion is the exact flexion.
 * @have_lateral: @lateral is the exact lateral bend.
 */
typedef struct AngleView {
        const double *r;
        double sin_flexion, cos_lateral, sin_lateral;
        bool have_flexion, have_lateral;
        double flexion, lateral;
} AngleView;

/* The exact angles of a vector rotated by the neutral (vector_angles()). */
double vector_flexion(const double r[3]);
double vector_lateral(const double r[3]);

/*
 * The shortcut's values of @r, a vector rotated by the neutral: @probe gets
 * sin θ, cos |φ| and sin φ (for |φ| < 90°), NaN where the shortcut does not
 * apply (NaN and infinities fail the range tests). Inline: once a sample.
 */
static inline void angle_probe(const double r[3], double probe[3])
{
        double h2 = r[0] * r[0] + r[1] * r[1], rr = h2 + r[2] * r[2], h;

        if (!(rr >= ANGLE_VIEW_MIN_SQ && rr <= ANGLE_VIEW_MAX_SQ)) {
                probe[0] = probe[1] = probe[2] = NAN;
                return;
        }
        probe[0] = -r[2] / sqrt(rr);
        /* h2 <= rr: within range too when not too small. */
        if (!(h2 >= ANGLE_VIEW_MIN_SQ)) {
                probe[1] = probe[2] = NAN;
                return;
        }
        h = sqrt(h2);
        probe[1] = r[1] / h;
        probe[2] = r[1] > 0 ? -r[0] / h : NAN;
}
void angle_view_nan(AngleView *v);
double angle_view_flexion_exact(AngleView *v);
double angle_view_lateral_exact(AngleView *v);

/* The view of @s's angles: pending (of @s->rotated, @s->probe) or given.
 * @s must outlive @v. */
static inline void angle_view_init(AngleView *v, const PostureSample *s)
{
        bool given = !s->angles_pending;

        v->r = given ? NULL : s->rotated;
        v->sin_flexion = given ? NAN : s->probe[0];
        v->cos_lateral = given ? NAN : s->probe[1];
        v->sin_lateral = given ? NAN : s->probe[2];
        v->have_flexion = v->have_lateral = given;
        v->flexion = s->flexion_deg;
        v->lateral = s->lateral_deg;
}

/* The exact flexion, worked out on first use. */
static inline double angle_view_flexion(AngleView *v)
{
        return v->have_flexion ? v->flexion : angle_view_flexion_exact(v);
}

/* The exact lateral bend, worked out on first use. */
static inline double angle_view_lateral(AngleView *v)
{
        return v->have_lateral ? v->lateral : angle_view_lateral_exact(v);
}

/* Whether the angles are finite (as both are, or neither). */
static inline bool angle_view_finite(AngleView *v)
{
        /* Within the shortcut's range, @r is finite and not zero. */
        if (!isnan(v->sin_flexion))
                return true;
        return isfinite(angle_view_flexion(v)) && isfinite(angle_view_lateral(v));
}

/*
 * Which side of @l the exact angle lies on, by the shortcut alone: 1 beyond
 * (greater), -1 short of it (smaller), 0 too close to call or unknown.
 */
static inline int angle_flexion_side(const AngleView *v, const AngleLimit *l)
{
        return (v->sin_flexion > l->hi) - (v->sin_flexion < l->lo);
}

/* The same for |lateral| against a cosine limit. */
static inline int angle_lateral_abs_side(const AngleView *v, const AngleLimit *l)
{
        return (v->cos_lateral < l->lo) - (v->cos_lateral > l->hi);
}

/* The same for the signed lateral bend against a sine limit. */
static inline int angle_lateral_side(const AngleView *v, const AngleLimit *l)
{
        return (v->sin_lateral > l->hi) - (v->sin_lateral < l->lo);
}

/* flexion > @l->deg, and so on: the shortcut's answer, or the exact angle's. */
static inline bool angle_flexion_gt(AngleView *v, const AngleLimit *l)
{
        int side = angle_flexion_side(v, l);

        return side ? side > 0 : angle_view_flexion(v) > l->deg;
}

static inline bool angle_flexion_ge(AngleView *v, const AngleLimit *l)
{
        int side = angle_flexion_side(v, l);

        return side ? side > 0 : angle_view_flexion(v) >= l->deg;
}

static inline bool angle_flexion_lt(AngleView *v, const AngleLimit *l)
{
        int side = angle_flexion_side(v, l);

        return side ? side < 0 : angle_view_flexion(v) < l->deg;
}

static inline bool angle_flexion_le(AngleView *v, const AngleLimit *l)
{
        int side = angle_flexion_side(v, l);

        return side ? side < 0 : angle_view_flexion(v) <= l->deg;
}

/* fabs(lateral) > @l->deg, >= @l->deg (@l a cosine limit) */
static inline bool angle_lateral_abs_gt(AngleView *v, const AngleLimit *l)
{
        int side = angle_lateral_abs_side(v, l);

        return side ? side > 0 : fabs(angle_view_lateral(v)) > l->deg;
}

static inline bool angle_lateral_abs_ge(AngleView *v, const AngleLimit *l)
{
        int side = angle_lateral_abs_side(v, l);

        return side ? side > 0 : fabs(angle_view_lateral(v)) >= l->deg;
}
