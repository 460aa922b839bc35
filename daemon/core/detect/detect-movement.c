/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* Movement: sudden jerks while bent, and bending again and again. */

/* repetitive_bending counts bends per minute. */
#define MINUTE_NS (60 * NSEC_PER_SEC)

/**
 * sudden_feed() - a fast movement while bent.
 * @d: the detectors.
 * @s: the sample: rate_dps, motion_flexion_deg, motion_lateral_deg and
 *     motion_t_ns, the estimator's motion path (see estimator.h).
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * The episode opens when the rate exceeds sudden_rate_dps and ends when it
 * falls below half of it (or is not finite). It fires at the first sample
 * of the episode at which the rate has exceeded sudden_rate_dps without a
 * break for sudden_min_s (the opening sample adds no time) while the
 * motion path's flexion or |lateral| exceeds sudden_angle_deg. The episode
 * starts at the motion_t_ns of its opening sample, the instant the motion
 * path describes; the event fires some 0.9 s later, when the motion path
 * has seen enough of the movement. The peak is the largest of flexion and
 * |lateral| in the episode so far.
 *
 * Return: true when sudden_movement fired.
 */
bool sudden_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        SuddenState *st = &d->sudden;
        double rate = s->rate_dps, theta = s->motion_flexion_deg, a = fabs(s->motion_lateral_deg);
        double angle = fmax(theta, a); /* fmax() ignores one NaN */
        bool above = rate > p->sudden_rate_dps;

        if (!st->active) {
                if (!above)
                        return false;
                *st = (SuddenState){ .active = true, .start_ns = s->motion_t_ns, .peak = angle };
        } else if (!(rate >= p->sudden_rate_dps / 2)) {
                *st = (SuddenState){ 0 };
                return false;
        } else if (above)
                st->above_s += dt;
        else
                st->above_s = 0;

        st->peak = fmax(st->peak, angle);

        if (st->fired || !above || st->above_s < p->sudden_min_s ||
            !(theta > p->sudden_angle_deg || a > p->sudden_angle_deg) ||
            !detectors_may_fire(d, EVENT_SUDDEN_MOVEMENT, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_SUDDEN_MOVEMENT, s->t_ns, st->start_ns, st->peak, ev);
        return true;
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
 * Return: true when repetitive_bending fired.
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
