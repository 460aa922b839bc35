/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* The loading time T of the formula in detect.h: how long the posture at
 * @a takes to fill the gauge from empty; INFINITY for a neutral posture.
 * The comparisons mostly without the angles (angle-view.h). */
static double loading_time_s(const Detectors *d, AngleView *a)
{
        const RuleParams *p = &d->params;
        const DetectLimits *l = &d->limits;
        double f = p->holding_time_factor;
        double t = INFINITY;

        if (angle_flexion_ge(a, &l->flexion_min)) {
                t = maht_s(p, angle_view_flexion(a)) * f;
                if (angle_flexion_gt(a, &l->extreme))
                        t /= p->strain_extreme_factor;
        }
        if (angle_lateral_abs_gt(a, &l->lateral))
                t = MIN(t, p->lateral_hold_s * f /
                                   (angle_lateral_abs_gt(a, &l->lateral_high)
                                            ? p->strain_extreme_factor
                                            : 1.0));
        if (angle_flexion_lt(a, &l->strain_extension))
                t = MIN(t, p->extension_hold_s * f);
        return t;
}

/**
 * strain_feed() - advance the load index by one sample.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 *
 * See "StrainLevel" in detect.h. A loading time of zero fills the gauge at
 * once.
 */
void strain_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt)
{
        double t;

        if (dt <= 0)
                return;
        t = loading_time_s(d, a);

        if (isfinite(t)) {
                if (s->activity == ACTIVITY_STILL)
                        d->strain = t > 0 ? MIN(1.0, d->strain + dt / t) : 1.0;
                return;
        }

        strain_decay(d, s, dt);
}

/**
 * detectors_strain_level() - the cumulative load index.
 * @d: the detectors.
 *
 * Return: 0..1; see "StrainLevel" in detect.h.
 */
double detectors_strain_level(const Detectors *d)
{
        return CLAMP(d->strain, 0.0, 1.0);
}
