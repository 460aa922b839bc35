/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The angles: the neutral's rotation, flexion and lateral bend of a vector,
 * and whether those angles (or a rotated vector) lie. */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/estimator/angle-view.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "core/estimator/estimator.h"
#include "util/macro.h"

static void cross3(const double a[3], const double b[3], double out[3])
{
        out[0] = a[1] * b[2] - a[2] * b[1];
        out[1] = a[2] * b[0] - a[0] * b[2];
        out[2] = a[0] * b[1] - a[1] * b[0];
}

/* The smallest rotation taking unit(@neutral) to (0, 1, 0) (Rodrigues),
 * for rotated_angles(); @neutral NULL for none. */
void rotation_prepare(Rotation *rot, const double neutral[3])
{
        double n, a[3];

        if (!neutral) {
                rot->kind = ROTATION_NONE;
                return;
        }
        n = norm3(neutral);
        if (!(n > 0) || !isfinite(n)) {
                rot->kind = ROTATION_INVALID;
                return;
        }
        for (size_t k = 0; k < 3; k++)
                a[k] = neutral[k] / n;

        /* v = a × (0, 1, 0), c = a · (0, 1, 0) */
        cross3(a, (const double[3]){ 0, 1, 0 }, rot->v);
        rot->one_c = 1 + a[1];
        /* Neutral points straight down: any half turn about an axis
         * perpendicular to it will do; take the x axis. */
        rot->kind = rot->one_c < 1e-9 ? ROTATION_FLIP : ROTATION_RODRIGUES;
}

/* The angles of a vector @r already rotated by the neutral (angle-view.c). */
static void vector_angles(const double r[3], double *flexion_deg, double *lateral_deg)
{
        *flexion_deg = vector_flexion(r);
        *lateral_deg = vector_lateral(r);
}

/* estimator_angles() with the rotation of the neutral worked out. */
static void rotated_angles(const double g[3], const Rotation *rot, double *flexion_deg,
                           double *lateral_deg)
{
        double r[3];

        rotate(g, rot, r);
        vector_angles(r, flexion_deg, lateral_deg);
}

/**
 * posture_sample_motion_angles() - the motion path's flexion and lateral bend.
 * @s: the sample (its motion_trunk).
 * @flexion_deg: + forward, degrees; NaN while the path has none.
 * @lateral_deg: + right, degrees; NaN likewise.
 *
 * The same arithmetic as the gravity angles, on demand: only sudden-movement
 * looks at them, and only while the trunk turns fast.
 */
void posture_sample_motion_angles(const PostureSample *s, double *flexion_deg, double *lateral_deg)
{
        assert(s);
        assert(flexion_deg);
        assert(lateral_deg);

        vector_angles(s->motion_trunk, flexion_deg, lateral_deg);
}

/**
 * estimator_angles() - flexion and lateral bend of @g relative to @neutral.
 * @g: body-frame gravity (specific force), any magnitude.
 * @neutral: body-frame neutral vector, or NULL for upright (0, 1, 0).
 * @flexion_deg: + forward, degrees.
 * @lateral_deg: + right, degrees.
 *
 * A pure function. The smallest rotation taking unit(@neutral) to (0, 1, 0)
 * (Rodrigues) is applied to @g, then flexion = atan2(-z, hypot(x, y)) and
 * lateral = atan2(-x, y). For the DESIGN.md vectors (−g sin φ cos θ,
 * g cos φ cos θ, −g sin θ) this yields exactly θ and φ when @neutral is
 * upright. Non-finite or zero input yields NaN.
 */
void estimator_angles(const double g[3], const double neutral[3], double *flexion_deg,
                      double *lateral_deg)
{
        Rotation rot;

        assert(g);
        assert(flexion_deg);
        assert(lateral_deg);

        rotation_prepare(&rot, neutral);
        rotated_angles(g, &rot, flexion_deg, lateral_deg);
}

/**
 * estimator_angles_are_lying() - whether a trunk at @flexion_deg and
 * @lateral_deg lies (see "Lying" in estimator.h).
 * @p: the parameters (lying_deg).
 * @flexion_deg: flexion, degrees.
 * @lateral_deg: lateral bend, degrees.
 *
 * Return: true when the trunk is more than lying_deg from upright and not
 * mainly bent forward; false for non-finite angles.
 */
bool estimator_angles_are_lying(const EstimatorParams *p, double flexion_deg, double lateral_deg)
{
        double th = flexion_deg / DEG_PER_RAD, ph = lateral_deg / DEG_PER_RAD;
        double side_deg;

        if (!isfinite(th) || !isfinite(ph))
                return false;
        /* Most samples are near upright: decide those without the cosines.
         * cos θ · cos φ = (cos(θ − φ) + cos(θ + φ)) / 2 >= cos(|θ| + |φ|),
         * which exceeds cos(lying_deg) when |θ| + |φ| < lying_deg <= 180°;
         * the degree to spare dwarfs any rounding of the products below
         * (at worst 1 − cos 1° = 1.5e-4 against about 1e-16), so the answer
         * is the one the cosines give. */
        if (p->lying_deg <= 180 && fabs(flexion_deg) + fabs(lateral_deg) <= p->lying_deg - 1)
                return false;
        /* The trunk's axis is cos θ · cos φ from vertical; its sideways tilt,
         * out of the sagittal plane, is asin(cos θ · sin φ). */
        if (!(cos(th) * cos(ph) < cos(p->lying_deg / DEG_PER_RAD)))
                return false;
        side_deg = fabs(asin(CLAMP(cos(th) * sin(ph), -1.0, 1.0))) * DEG_PER_RAD;
        return flexion_deg <= side_deg;
}

/**
 * lying_upright_cos2() - the constant of vector_is_lying() for @p: cos² of
 * one degree less than lying_deg, or INFINITY (no shortcut) for a lying_deg
 * outside 1..180°.
 */
double lying_upright_cos2(const EstimatorParams *p)
{
        double c = cos((p->lying_deg - 1) / DEG_PER_RAD);

        return p->lying_deg >= 1 && p->lying_deg <= 180 ? c * c : INFINITY;
}

/**
 * vector_is_lying() - estimator_angles_are_lying() of vector_angles(@r),
 * without the angles for a vector clearly nearer upright than lying_deg.
 * @p: the parameters (lying_deg).
 * @upright_cos2: lying_upright_cos2(@p).
 * @r: a gravity or trunk vector rotated by the neutral.
 *
 * For the angles θ, φ of @r, cos θ = hypot(x, y) / |r| and cos φ =
 * y / hypot(x, y), so cos θ · cos φ = y / |r|, the cosine of the trunk's
 * angle from upright. With y > 0 and y² > cos²(lying_deg − 1°) · |r|² that
 * exceeds cos(lying_deg − 1°); the computed angles are within 1e-13 of the
 * true ones (a few ulps of atan2, hypot and the conversions), which moves
 * the product cos θ · cos φ of estimator_angles_are_lying() by less than
 * 1e-12, and cos(lying_deg − 1°) − cos(lying_deg) = 2 sin(lying_deg − ½°) ·
 * sin ½° is at least 1.5e-4 (at 1° and 180°), so the product stays above cos(lying_deg): not lying,
 * as the angles would say. The squares lose nothing to the margin: their relative rounding is about
 * 1e-16, and y² at least DBL_MIN keeps them normal (the error of an x² or z² that underflows is at
 * most 5e-324, nothing next to y²); an overflowing |r|² (infinite) and NaN fail the test. Anything
 * else takes the angles.
 */
bool vector_is_lying(const EstimatorParams *p, double upright_cos2, const double r[3])
{
        double flexion, lateral;

        if (rotated_clearly_upright(upright_cos2, r))
                return false;
        vector_angles(r, &flexion, &lateral);
        return estimator_angles_are_lying(p, flexion, lateral);
}

/**
 * view_is_lying() - vector_is_lying() of a view's vector, or
 * estimator_angles_are_lying() of its given angles; the exact angles it
 * works out stay in the view.
 * @p: the parameters (lying_deg).
 * @upright_cos2: lying_upright_cos2(@p).
 * @v: the view.
 */
bool view_is_lying(const EstimatorParams *p, double upright_cos2, AngleView *v)
{
        if (v->r && rotated_clearly_upright(upright_cos2, v->r))
                return false;
        return estimator_angles_are_lying(p, angle_view_flexion(v), angle_view_lateral(v));
}
