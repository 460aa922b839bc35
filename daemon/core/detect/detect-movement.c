/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* Movement: sudden jerks while bent, and bending again and again. */

/* repetitive-bending counts bends per minute. */
#define MINUTE_NS (60 * NSEC_PER_SEC)

/**
 * sudden_feed() - a fast movement while bent.
 * @d: the detectors.
 * @s: the sample: rate_dps, motion_flexion_deg, motion_lateral_deg,
 *     motion_lying and motion_t_ns, the estimator's motion path (see
 *     estimator.h).
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * The episode (one movement) runs while the rate exceeds half of
 * sudden_rate_dps. It becomes due once the rate has exceeded
 * sudden_rate_dps without a break for sudden_min_s (the first sample above
 * adds no time) while the motion path's flexion or |lateral| exceeds
 * sudden_angle_deg, unless the rate took longer than sudden_rise_s to
 * climb from half of sudden_rate_dps past it (both instants interpolated
 * linearly between samples, on the motion path's time): such a movement is
 * paced. A due episode fires when the movement is over, at the first
 * sample whose rate is back below half the limit, unless the trunk then
 * lies (motion_lying: the movement was lying down) or the rate is not
 * known (NaN: the movement ended in an impact, such as dropping onto a bed
 * or into a chair), or the kind is in its cool-down. The event starts at
 * the motion_t_ns of the first sample above the limit, the instant the
 * motion path describes. The peak is the largest of flexion and |lateral|
 * from then on.
 *
 * Return: true when sudden-movement fired.
 */
/* When the rate passed @level between the previous sample and @s
 * (linearly interpolated; @s's own time without a usable previous one). */
static double crossing_ns(const SuddenState *st, const PostureSample *s, double level)
{
        double r0 = st->prev_rate, r1 = s->rate_dps, f;

        if (!st->have_prev || !(r0 < level) || !(r1 > r0) || s->motion_t_ns <= st->prev_t_ns)
                return (double) s->motion_t_ns;
        f = (level - r0) / (r1 - r0);
        return (double) st->prev_t_ns + f * (double) (s->motion_t_ns - st->prev_t_ns);
}

bool sudden_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        SuddenState *st = &d->sudden;
        double rate = s->rate_dps, theta = s->motion_flexion_deg, a = fabs(s->motion_lateral_deg);
        double angle = fmax(theta, a); /* fmax() ignores one NaN */
        double half = p->sudden_rate_dps / 2;
        bool above = rate > p->sudden_rate_dps;
        bool fire;

        if (s->motion_lying || !(rate > half)) { /* and NaN */
                /* The movement is over: where did it end? Not lying, nor
                 * in an impact that hides the rate (dropping onto a bed). */
                fire = st->due && isfinite(rate) && !s->motion_lying &&
                       detectors_may_fire(d, EVENT_SUDDEN_MOVEMENT, s->t_ns);
                if (fire)
                        detectors_fire(d, EVENT_SUDDEN_MOVEMENT, s->t_ns, st->start_ns, st->peak,
                                       ev);
                *st = (SuddenState){ .have_prev = isfinite(rate) && !s->motion_lying,
                                     .prev_rate = rate,
                                     .prev_t_ns = s->motion_t_ns };
                return fire;
        }
        if (!st->active) {
                st->active = true;
                st->half_ns = crossing_ns(st, s, half);
        }

        if (!above)
                st->above_s = 0;
        else if (!st->opened) {
                double rise_s = (crossing_ns(st, s, p->sudden_rate_dps) - st->half_ns) /
                                (double) NSEC_PER_SEC;

                st->opened = true;
                st->paced = rise_s > p->sudden_rise_s;
                st->start_ns = s->motion_t_ns;
                st->peak = angle;
                st->above_s = 0;
        } else
                st->above_s += dt;
        if (st->opened)
                st->peak = fmax(st->peak, angle);
        st->have_prev = true;
        st->prev_rate = rate;
        st->prev_t_ns = s->motion_t_ns;

        if (above && !st->paced && st->above_s >= p->sudden_min_s &&
            (theta > p->sudden_angle_deg || a > p->sudden_angle_deg))
                st->due = true;
        return false;
}

/* Start time of the @n-th most recent bend (1 = the newest), counting the
 * bend in progress that has not lasted long enough yet when @pending. */
static bool nth_onset(const RepetitiveState *st, unsigned n, bool pending, int64_t *ret)
{
        if (pending && st->in_bend && !st->bend_counted) {
                if (n == 1) {
                        *ret = st->bend_start_ns;
                        return true;
                }
                n--;
        }
        if (st->n_onsets < n)
                return false;
        *ret = st->onset_ns[(st->head + REPETITIVE_MAX_PER_MIN - n) % REPETITIVE_MAX_PER_MIN];
        return true;
}

/* The last repetitive_per_min bends all started within the last minute. */
static bool rate_holds(const RepetitiveState *st, unsigned n, bool pending, int64_t t_ns)
{
        int64_t onset;

        return nth_onset(st, n, pending, &onset) && t_ns - onset < MINUTE_NS;
}

/* The deepest flexion of the last @n bends (the one in progress included). */
static double recent_peak(const RepetitiveState *st, unsigned n)
{
        double peak = NAN;

        if (st->in_bend) {
                peak = st->bend_peak;
                if (!st->bend_counted)
                        n--;
        }
        for (unsigned i = 1; i <= MIN(n, st->n_onsets); i++)
                peak = fmax(peak, st->peaks[(st->head + REPETITIVE_MAX_PER_MIN - i) %
                                            REPETITIVE_MAX_PER_MIN]);
        return peak;
}

/* Bends: one starts when flexion rises above the limit while none is in
 * progress and counts once it has stayed above long enough. */
static void bend_track(const RuleParams *p, RepetitiveState *st, const PostureSample *s, double dt)
{
        double theta = s->flexion_deg;

        if (theta > p->repetitive_deg) {
                if (!st->in_bend) {
                        st->in_bend = true;
                        st->bend_counted = false;
                        st->bend_start_ns = s->t_ns;
                        st->above_s = 0;
                        st->bend_peak = theta;
                } else
                        st->above_s += dt;
                st->bend_peak = MAX(st->bend_peak, theta);
        } else if (!(theta >= p->repetitive_deg - p->hysteresis_deg))
                st->in_bend = false; /* and NaN */

        if (!st->in_bend)
                return;
        if (!st->bend_counted && st->above_s >= p->repetitive_min_bend_s) {
                st->onset_ns[st->head] = st->bend_start_ns;
                st->head = (st->head + 1) % REPETITIVE_MAX_PER_MIN;
                st->n_onsets = MIN(st->n_onsets + 1, REPETITIVE_MAX_PER_MIN);
                st->bend_counted = true;
        }
        if (st->bend_counted)
                st->peaks[(st->head + REPETITIVE_MAX_PER_MIN - 1) % REPETITIVE_MAX_PER_MIN] =
                        st->bend_peak;
}

/**
 * repetitive_feed() - bending again and again.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * A bend starts when flexion rises above repetitive_deg while no bend is in
 * progress, counts once flexion has been above repetitive_deg for
 * repetitive_min_bend_s, and is over when flexion falls below
 * repetitive_deg − hysteresis_deg. The episode runs while the last
 * repetitive_per_min bends (the one in progress included) started within
 * the last minute; it starts at the earliest of them and fires once it has
 * run for repetitive_duration_s, counted bends alone meeting the rate.
 *
 * Return: true when repetitive-bending fired.
 */
bool repetitive_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        RepetitiveState *st = &d->repetitive;
        double theta = s->flexion_deg;
        unsigned n = p->repetitive_per_min;
        int64_t start = s->t_ns;

        bend_track(p, st, s, dt);

        if (!rate_holds(st, n, true, s->t_ns)) {
                st->active = st->fired = false;
                return false;
        }
        if (!st->active) {
                (void) nth_onset(st, n, true, &start);
                st->active = true;
                st->fired = false;
                st->start_ns = start;
                st->peak = recent_peak(st, n);
        }
        st->peak = fmax(st->peak, theta);

        if (st->fired ||
            (double) (s->t_ns - st->start_ns) / (double) NSEC_PER_SEC < p->repetitive_duration_s ||
            !rate_holds(st, n, false, s->t_ns) ||
            !detectors_may_fire(d, EVENT_REPETITIVE_BENDING, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_REPETITIVE_BENDING, s->t_ns, st->start_ns, st->peak, ev);
        return true;
}
