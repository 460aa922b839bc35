/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

#define DAY_NS (24 * 3600 * NSEC_PER_SEC)

/* Whether @t_ns lies in the day window of @p (always, before the caller
 * has said how sample time maps to local time). */
static bool in_day(const Detectors *d, int64_t t_ns)
{
        const RuleParams *p = &d->params;
        int64_t tod_ns;
        double h;

        if (!d->have_local_clock || p->rest_day_start_h == p->rest_day_end_h)
                return true;

        tod_ns = (t_ns + d->local_offset_ns) % DAY_NS;
        if (tod_ns < 0)
                tod_ns += DAY_NS;
        h = (double) tod_ns / (3600.0 * (double) NSEC_PER_SEC);
        if (p->rest_day_start_h < p->rest_day_end_h)
                return h >= p->rest_day_start_h && h < p->rest_day_end_h;
        return h >= p->rest_day_start_h || h < p->rest_day_end_h; /* across midnight */
}

/**
 * rest_feed() - lying still for a long stretch in the day.
 * @d: the detectors.
 * @s: the sample (lying, activity, time).
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * While prolonged_rest_enabled: a still, lying sample in the day window
 * opens the episode or adds @dt to it; a still, lying sample outside the
 * window adds nothing and keeps it; any other sample ends it. Fires once
 * when the time reaches prolonged_rest_s. The peak is NaN.
 *
 * Return: true when prolonged-rest fired.
 */
bool rest_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        RestState *st = &d->rest;

        if (!p->prolonged_rest_enabled || !s->lying || s->activity != ACTIVITY_STILL) {
                *st = (RestState){ 0 };
                return false;
        }
        if (!in_day(d, s->t_ns))
                return false;
        if (!st->active) {
                *st = (RestState){ .active = true, .start_ns = s->t_ns };
                return false;
        }

        st->held_s += dt;
        if (st->fired || st->held_s < p->prolonged_rest_s ||
            !detectors_may_fire(d, EVENT_PROLONGED_REST, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_PROLONGED_REST, s->t_ns, st->start_ns, NAN, ev);
        return true;
}
