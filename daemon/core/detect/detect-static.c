/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/**
 * static_feed() - the break reminder.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * The episode starts with the current flexion and lateral bend as its
 * reference. Either angle differing from the reference by more than
 * static_change_deg continuously for static_change_min_s is a posture
 * change: a new episode starts from the posture reached. A walking sample
 * or non-finite angles end the episode; the next other sample starts one.
 * static-posture fires once the episode has lasted static_s (counted in
 * steps, so a pause in the stream does not count). The peak is the deepest
 * flexion in the episode.
 *
 * Return: true when static-posture fired.
 */
bool static_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        StaticState *st = &d->statics;
        double theta = s->flexion_deg, phi = s->lateral_deg;

        if (!isfinite(theta) || !isfinite(phi) || s->activity == ACTIVITY_WALKING) {
                *st = (StaticState){ 0 };
                return false;
        }

        if (st->active && MAX(fabs(theta - st->ref_flexion), fabs(phi - st->ref_lateral)) >
                                  p->static_change_deg) {
                st->away_s += dt;
                if (st->away_s >= p->static_change_min_s)
                        st->active = false;
        } else
                st->away_s = 0;

        if (!st->active) {
                *st = (StaticState){
                        .active = true,
                        .start_ns = s->t_ns,
                        .ref_flexion = theta,
                        .ref_lateral = phi,
                        .peak = theta,
                };
                return false;
        }

        st->held_s += dt;
        st->peak = MAX(st->peak, theta);

        if (st->fired || st->held_s < p->static_s ||
            !detectors_may_fire(d, EVENT_STATIC_POSTURE, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_STATIC_POSTURE, s->t_ns, st->start_ns, st->peak, ev);
        return true;
}
