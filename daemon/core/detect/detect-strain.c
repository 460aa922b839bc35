/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* The loading time T of the formula in detect.h: how long the posture of
 * @s takes to fill the gauge from empty; INFINITY for a neutral posture. */
static double loading_time_s(const RuleParams *p, const PostureSample *s)
{
        double theta = s->flexion_deg, a = fabs(s->lateral_deg), f = p->holding_time_factor;
        double t = INFINITY;

        if (theta >= p->flexion_min_deg) {
                t = maht_s(p, theta) * f;
                if (theta > p->extreme_deg)
                        t /= p->strain_extreme_factor;
        }
        if (a > p->lateral_deg)
                t = MIN(t, p->lateral_hold_s * f /
                                   (a > p->lateral_high_deg ? p->strain_extreme_factor : 1.0));
        if (theta < p->extension_deg)
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
void strain_feed(Detectors *d, const PostureSample *s, double dt)
{
        const RuleParams *p = &d->params;
        double t = loading_time_s(p, s), h;

        if (dt <= 0)
                return;

        if (isfinite(t)) {
                if (s->activity == ACTIVITY_STILL)
                        d->strain = t > 0 ? MIN(1.0, d->strain + dt / t) : 1.0;
                return;
        }

        h = s->activity == ACTIVITY_WALKING ? p->strain_walking_half_life_s : p->strain_half_life_s;
        if (dt != d->decay_dt || h != d->decay_h) {
                d->decay_dt = dt;
                d->decay_h = h;
                d->decay = exp2(-dt / h);
        }
        d->strain *= d->decay;
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
