/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* Where |lateral| of @a stands against @limit and @keep, that limit minus
 * the hysteresis (cosine limits, angle-view.h). */
static HoldLevel level_of(AngleView *a, const AngleLimit *limit, const AngleLimit *keep)
{
        if (angle_lateral_abs_gt(a, limit))
                return HOLD_IN;
        if (angle_lateral_abs_ge(a, keep))
                return HOLD_KEEP;
        return HOLD_OUT; /* and NaN */
}

/**
 * lateral_feed() - sideways bend, to either side.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * The episode opens when |lateral| > lateral_deg and closes when |lateral|
 * < lateral_deg − hysteresis_deg. Within it, time beyond lateral_high_deg is
 * counted in a second, inner episode that a return below lateral_high_deg −
 * hysteresis_deg ends. lateral-bend fires once per (outer) episode, when
 * the outer time exceeds lateral_hold_s or the inner time exceeds
 * lateral_high_hold_s, both scaled by holding_time_factor. The peak is the
 * signed lateral bend of largest magnitude (+ right).
 *
 * Return: true when lateral-bend fired.
 */
bool lateral_feed(Detectors *d, const PostureSample *s, AngleView *v, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        const DetectLimits *l = &d->limits;
        LateralState *st = &d->lateral;
        bool opening = !st->low.active;
        double phi, a;

        hold_step(d, &st->low, level_of(v, &l->lateral, &l->lateral_keep), s, dt);
        if (!st->low.active) {
                st->high = (HoldState){ 0 };
                return false;
        }
        hold_step(d, &st->high, level_of(v, &l->lateral_high, &l->lateral_high_keep), s, dt);
        phi = angle_view_lateral(v);
        a = fabs(phi);

        if (opening || a > fabs(st->low.peak))
                st->low.peak = phi;

        if (st->low.fired ||
            !(st->low.held_s > p->lateral_hold_s * p->holding_time_factor ||
              st->high.held_s > p->lateral_high_hold_s * p->holding_time_factor) ||
            !detectors_may_fire(d, EVENT_LATERAL_BEND, s->t_ns))
                return false;

        st->low.fired = true;
        detectors_fire(d, EVENT_LATERAL_BEND, s->t_ns, st->low.start_ns, st->low.peak, ev);
        return true;
}
