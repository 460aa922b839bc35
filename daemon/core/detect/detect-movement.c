/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* Movement: sudden jerks while bent, and bending again and again. */

/**
 * sudden_feed() - a fast movement while bent.
 * @d: the detectors.
 * @s: the sample: rate_dps, motion_trunk (its angles only while the rate
 *     exceeds half the limit), motion_lying and motion_t_ns, the
 *     estimator's motion path (see estimator.h).
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * A movement lasts while the rate exceeds half of sudden_rate_dps. It is
 * due once the rate has exceeded sudden_rate_dps without a break for
 * sudden_min_s (the first sample above adds no time) while the motion
 * path's flexion or |lateral| exceeds sudden_angle_deg, unless the rate
 * took longer than sudden_rise_s to climb from half of sudden_rate_dps past
 * it (both instants interpolated linearly between samples, on the motion
 * path's time): such a movement is paced. When a due movement is over, it
 * fires sudden_settle_s later (motion time), unless the trunk lay at any
 * time in it or lies by then, by the motion path or the gravity estimate
 * (getting into or out of bed, turning over),
 * or the rate is unknown (NaN) at its end or by then (an impact, such as
 * dropping onto a bed or into a chair), or the kind is in its cool-down
 * then. The event starts at the motion_t_ns of the first sample above the
 * limit, the instant the motion path describes. The peak is the largest
 * of flexion and |lateral| from then on to the end of the movement.
 *
 * Return: true when sudden-movement fired.
 */
/* When the rate passed @level between the previous sample and @s
 * (linearly interpolated; @s's own time without a usable previous one). */
static double crossing_ns(const SuddenState *st, const PostureSample *s, double level)
{
        double r0 = rate_view_value(st->prev_rate, &st->prev_pending);
        double r1 = rate_view_value(s->rate_dps, &s->rate_pending), f;

        if (!st->have_prev || !(r0 < level) || !(r1 > r0) || s->motion_t_ns <= st->prev_t_ns)
                return (double) s->motion_t_ns;
        f = (level - r0) / (r1 - r0);
        return (double) st->prev_t_ns + f * (double) (s->motion_t_ns - st->prev_t_ns);
}

/* The movement in @st->move as of sample @s (its rate above half the limit). */
static void move_step(const RuleParams *p, SuddenState *st, const PostureSample *s, double dt)
{
        SuddenMove *m = &st->move;
        double theta, lateral, a, angle;
        bool above = rate_view_gt(s->rate_dps, &s->rate_pending, p->sudden_rate_dps);

        posture_sample_motion_angles(s, &theta, &lateral);
        a = fabs(lateral);
        angle = fmax(theta, a); /* fmax() ignores one NaN */

        if (!m->active) {
                m->active = true;
                m->half_ns = crossing_ns(st, s, p->sudden_rate_dps / 2);
        }
        if (s->motion_lying)
                m->lay = true;

        if (!above)
                m->above_s = 0;
        else if (!m->opened) {
                double rise_s = (crossing_ns(st, s, p->sudden_rate_dps) - m->half_ns) /
                                (double) NSEC_PER_SEC;

                m->opened = true;
                m->paced = rise_s > p->sudden_rise_s;
                m->start_ns = s->motion_t_ns;
                m->peak = angle;
                m->above_s = 0;
        } else
                m->above_s += dt;
        if (m->opened)
                m->peak = fmax(m->peak, angle);

        if (above && !m->paced && m->above_s >= p->sudden_min_s &&
            (theta > p->sudden_angle_deg || a > p->sudden_angle_deg))
                m->due = true;
}

bool sudden_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        SuddenState *st = &d->sudden;
        /* The rate is finite, and above half the limit (rate-view.h). */
        bool known = rate_view_finite(s->rate_dps, &s->rate_pending);

        if (rate_view_gt(s->rate_dps, &s->rate_pending, p->sudden_rate_dps / 2))
                move_step(p, st, s, dt);
        else {
                /* The movement is over (or the rate is unknown). A due one
                 * waits to see where the trunk comes to rest, unless it lay
                 * on the way (into or out of bed) or ended in an impact. */
                const SuddenMove *m = &st->move;

                if (m->due && !m->lay && !s->motion_lying && known && !st->pending) {
                        st->pending = true;
                        st->pending_until_ns =
                                s->motion_t_ns + (int64_t) (p->sudden_settle_s * NSEC_PER_SEC);
                        st->pending_start_ns = m->start_ns;
                        st->pending_peak = m->peak;
                }
                st->move = (SuddenMove){ 0 };
        }
        st->have_prev = known;
        st->prev_rate = s->rate_dps;
        st->prev_pending = s->rate_pending;
        st->prev_t_ns = s->motion_t_ns;

        if (!st->pending)
                return false;
        /* The gravity estimate (lying) is about the sample itself, the
         * motion path some 0.9 s earlier: either may show the trunk lie. */
        if (s->lying || s->motion_lying || !known) {
                st->pending = false;
                return false;
        }
        if (s->motion_t_ns < st->pending_until_ns)
                return false;
        st->pending = false;
        if (!detectors_may_fire(d, EVENT_SUDDEN_MOVEMENT, s->t_ns))
                return false;
        detectors_fire(d, EVENT_SUDDEN_MOVEMENT, s->t_ns, st->pending_start_ns, st->pending_peak,
                       ev);
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
static void bend_track(const Detectors *d, RepetitiveState *st, const PostureSample *s,
                       AngleView *a, double dt)
{
        const RuleParams *p = &d->params;

        if (angle_flexion_gt(a, &d->limits.repetitive)) {
                double theta = angle_view_flexion(a);

                if (!st->in_bend) {
                        st->in_bend = true;
                        st->bend_counted = false;
                        st->bend_start_ns = s->t_ns;
                        st->above_s = 0;
                        st->bend_peak = theta;
                } else
                        st->above_s += dt;
                st->bend_peak = MAX(st->bend_peak, theta);
        } else if (!angle_flexion_ge(a, &d->limits.repetitive_keep))
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
bool repetitive_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        RepetitiveState *st = &d->repetitive;
        unsigned n = p->repetitive_per_min;
        int64_t start = s->t_ns;

        bend_track(d, st, s, a, dt);

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
        st->peak = fmax(st->peak, angle_view_flexion(a));

        if (st->fired ||
            (double) (s->t_ns - st->start_ns) / (double) NSEC_PER_SEC < p->repetitive_duration_s ||
            !rate_holds(st, n, false, s->t_ns) ||
            !detectors_may_fire(d, EVENT_REPETITIVE_BENDING, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_REPETITIVE_BENDING, s->t_ns, st->start_ns, st->peak, ev);
        return true;
}
