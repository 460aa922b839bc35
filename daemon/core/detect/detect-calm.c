/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/*
 * The calm path: samples for which feed_pending() (detect.c) would call no
 * rule but static-posture's static_stay() (or static_feed() of a walking
 * sample with static-posture closed) and the load index's decay, taken
 * without it, a run at a time.
 */

/*
 * calm_run()'s box of the state as it is (CalmBox). feed_pending()'s calm
 * path, with static_stay() and the skip of slouch, asks of a sample:
 *   calm_sin_lo < p0 < calm_sin_hi, p1 > lateral.hi,
 *   slouch_enabled implies p0 < slouch.lo,
 *   flexion_below.hi < p0 < flexion_above.lo, p0 < peak_limit.lo,
 *   lateral_below.hi < p2 < lateral_above.lo
 * (p the probe), of the state: no episode going on of sustained-flexion,
 * extreme-flexion, unsupported-extension, lateral-bend, sudden-movement
 * (nor one pending), prolonged-rest and slouch, and static-posture's going
 * on; and repetitive_idle(), the rate, the activity and static-posture's
 * time, which calm_run() tests itself. For bounds that are not NaN, p > a
 * and p > b hold exactly when p > MAX(a, b), and p < a and p < b when
 * p < MIN(a, b); a NaN bound fails its test for every p, and so does the
 * NaN bound the box then takes. So the box's tests on the probe are the
 * calm path's, bit for bit. Some tests are implied by others and kept as
 * the calm path has them (no test can tell them missing): prolonged-rest
 * opens only lying, which also ends static-posture, so the box is empty
 * until a sample after it went the long way; and calm_run() refuses a
 * sample awaiting its neutral, which the rules would take as it does (its
 * angles are NaN for them but for static-posture's).
 *
 * With static-posture closed, the calm path takes a walking sample too, and
 * the box says so (walking) without static-posture's bounds: static_stay()
 * declines it, and static_feed() of a walking sample zeroes the episode
 * (the walking branch, as the episode is not active), which a closed one
 * is already: static_feed() leaves it inactive only by zeroing it (its
 * "st->active = false" is followed by the reopening at once), and so do
 * detectors_new() and detectors_reset(); detectors_set_params() changes
 * only an active one. So feed_pending() changes nothing of static-posture
 * and fires nothing for it; the view it builds for static_feed() is its
 * scratch, built afresh before each use.
 */
void calm_box_update(Detectors *d)
{
        const DetectLimits *l = &d->limits;
        const StaticState *st = &d->statics;
        const RepetitiveState *rep = &d->repetitive;
        CalmBox *b = &d->calm;
        bool open = calm_open(d);
        unsigned n = d->params.repetitive_per_min;
        double flexion_lo = -INFINITY, flexion_hi = INFINITY;

        b->valid = true;
        b->walking = !st->active;
        b->sin_flexion_lo = b->sin_flexion_hi = b->cos_lateral_lo = NAN;
        b->sin_lateral_lo = b->sin_lateral_hi = NAN;
        if (!open)
                return;
        {
                /* static-posture's bounds count only while it is active. */
                double lo[] = { l->calm_sin_lo, st->flexion_below.hi };
                double hi[] = { l->calm_sin_hi, d->params.slouch_enabled ? l->slouch.lo : INFINITY,
                                st->flexion_above.lo, st->peak_limit.lo };
                size_t n_lo = b->walking ? 1 : ELEMENTSOF(lo);
                size_t n_hi = b->walking ? 2 : ELEMENTSOF(hi);

                for (size_t i = 0; i < n_lo; i++) {
                        if (isnan(lo[i]))
                                return;
                        flexion_lo = MAX(flexion_lo, lo[i]);
                }
                for (size_t i = 0; i < n_hi; i++) {
                        if (isnan(hi[i]))
                                return;
                        flexion_hi = MIN(flexion_hi, hi[i]);
                }
        }
        b->sin_flexion_lo = flexion_lo;
        b->sin_flexion_hi = flexion_hi;
        b->cos_lateral_lo = l->lateral.hi;
        b->sin_lateral_lo = st->lateral_below.hi;
        b->sin_lateral_hi = st->lateral_above.lo;
        /* repetitive_idle() without a bend or an episode. */
        b->rep_free = rep->n_onsets < n;
        b->rep_onset =
                rep->onset_ns[(rep->head + REPETITIVE_MAX_PER_MIN - n) % REPETITIVE_MAX_PER_MIN];
}

/*
 * calm_run()'s samples while the step stays the one cached (@step_ns > 0,
 * its dt @dt > 0) and the load index's decay cache holds that dt and the
 * half-life of the box's samples (@decay: exp2(-dt / h), which
 * strain_decay_by() would look up and not work out again). The box takes
 * only walking samples or only samples that are not (@walking), so h is
 * the same for all of them. A sample whose time is not *@last_t_ns +
 * @step_ns (nor any whose rate's bound is above half the limit: its exact
 * rate may not be, the general path in calm_run() works it out) is left to
 * calm_run()'s general path. For one that is, sample_step() gives dt (the
 * time goes forward by step_ns, the cached step); the tests are calm_run()'s
 * own, and so are the changes, the same operations in the same order on the
 * same values: moving_s zeroed or plus dt, held_s plus dt (held_s + dt is
 * the value tested against static_s and then kept), strain times the cached
 * decay. The sum *@last_t_ns + step_ns cannot overflow: @n is at most
 * (INT64_MAX - *@last_t_ns) / step_ns, and each sample taken moves
 * *@last_t_ns on by step_ns.
 *
 * Return: the number of samples taken, from 0 to @n.
 */
static inline __attribute__((always_inline)) size_t
calm_steady(const CalmBox *b, bool walking, const PostureSample *s, size_t n, int64_t *last_t_ns,
            int64_t step_ns, double dt, double *moving_s, double *held_s, bool fired,
            double static_s, double *strain, double decay, double half_dps)
{
        int64_t last = *last_t_ns;
        double moving = *moving_s, held = *held_s, k = *strain;
        size_t i;

        for (i = 0; i < n; i++) {
                const PostureSample *x = &s[i];
                const double *pr = x->probe;
                int64_t t = x->t_ns;

                if (t != last + step_ns)
                        break;
                /* t - b->rep_onset: see MINUTE_NS (detect-private.h). */
                if (!(x->angles_pending && !x->lying && !x->awaiting_neutral &&
                      pr[0] > b->sin_flexion_lo && pr[0] < b->sin_flexion_hi &&
                      pr[1] > b->cos_lateral_lo && !(x->rate_dps > half_dps) &&
                      (b->rep_free || t - b->rep_onset >= MINUTE_NS)))
                        break;
                if (walking) {
                        if (x->activity != ACTIVITY_WALKING)
                                break;
                        moving += dt;
                } else {
                        double h = held + dt;

                        if (!(pr[2] > b->sin_lateral_lo && pr[2] < b->sin_lateral_hi &&
                              x->activity != ACTIVITY_WALKING && (fired || h < static_s)))
                                break;
                        held = h;
                        moving = x->activity == ACTIVITY_STILL ? 0 : moving + dt;
                }
                k *= decay;
                last = t;
        }
        *last_t_ns = last;
        *moving_s = moving;
        *held_s = held;
        *strain = k;
        return i;
}

/*
 * detectors_feed() of @s[0], @s[1], ... while feed_pending()'s calm path
 * would take them: for the sample it mostly sees, within the calm band,
 * |lateral| below lateral_deg, nothing going that the calm path would call
 * a rule for (static_stay() takes the sample, or static-posture is closed
 * and the sample walking; slouch is closed and would stay closed). The
 * tests are feed_pending()'s own (the probe's and the state's through the
 * box, calm_box_update()); the changes are detectors_feed()'s for such a
 * sample: its step (sample_step()) and moving time, static_stay()'s (none
 * for a walking sample: static_feed() leaves the closed episode as it is,
 * see calm_box_update()), sudden-movement's previous sample, and the load
 * index's decay (strain_decay()). It fires nothing (the calm path calls no
 * rule but static_feed() of a walking sample, which fires none). The state
 * these change stays in locals over the run and is written back at the
 * end, each value made by the same operations in the same order as sample
 * by sample; sudden-movement's previous sample is noted once, for the last
 * sample taken: nothing reads it in between (neither the tests here nor
 * calm_box_update() do). None of the changes touches what the box holds,
 * so it stays valid over the run. The first sample it declines is left
 * untouched (its step is worked out again by the caller, which hands it to
 * feed_any()). Stretches of one step with the decay cached for it go
 * through calm_steady(), the rest sample by sample.
 *
 * Return: the number of samples taken, from 0 to @n.
 */
size_t calm_run(Detectors *d, const PostureSample *s, size_t n)
{
        const RuleParams *p = &d->params;
        StaticState *st = &d->statics;
        CalmBox b;
        bool have_last = d->have_last;
        int64_t last_t_ns = d->last_t_ns, step_ns = d->step_ns;
        double step_s = d->step_s, moving_s = d->moving_s, held_s = st->held_s;
        double strain = d->strain, decay_dt = d->decay_dt, decay_h = d->decay_h, decay = d->decay;
        double half_dps = d->limits.sudden_half_dps, static_s = p->static_s;
        double h_still = strain_half_life(p, ACTIVITY_STILL);
        double h_walking = strain_half_life(p, ACTIVITY_WALKING);
        double h_box;
        bool fired = st->fired;
        size_t i = 0;

        if (!d->calm.valid)
                calm_box_update(d);
        b = d->calm;
        h_box = b.walking ? h_walking : h_still;
        while (i < n) {
                const PostureSample *x;
                const double *pr;
                bool have;
                int64_t last;
                double dt;

                if (have_last && step_ns > 0 && decay_dt == step_s && decay_h == h_box) {
                        /* INT64_MAX - last_t_ns, exact in uint64_t (at most 2^64 - 1). */
                        uint64_t room =
                                ((uint64_t) INT64_MAX - (uint64_t) last_t_ns) / (uint64_t) step_ns;
                        size_t m = (size_t) MIN((uint64_t) (n - i), room);

                        /* Unswitched: the walking box, static-posture fired or not. */
                        if (b.walking)
                                i += calm_steady(&b, true, &s[i], m, &last_t_ns, step_ns, step_s,
                                                 &moving_s, &held_s, false, static_s, &strain,
                                                 decay, half_dps);
                        else if (fired)
                                i += calm_steady(&b, false, &s[i], m, &last_t_ns, step_ns, step_s,
                                                 &moving_s, &held_s, true, static_s, &strain, decay,
                                                 half_dps);
                        else
                                i += calm_steady(&b, false, &s[i], m, &last_t_ns, step_ns, step_s,
                                                 &moving_s, &held_s, false, static_s, &strain,
                                                 decay, half_dps);
                        if (i == n)
                                break;
                }
                x = &s[i];
                pr = x->probe;
                have = have_last;
                last = last_t_ns;
                dt = sample_step(&have, &last, &step_ns, &step_s, x->t_ns);
                /* x->t_ns - b.rep_onset: see MINUTE_NS (detect-private.h). */
                if (!(x->angles_pending && !x->lying && !x->awaiting_neutral &&
                      pr[0] > b.sin_flexion_lo && pr[0] < b.sin_flexion_hi &&
                      pr[1] > b.cos_lateral_lo &&
                      !rate_view_gt(x->rate_dps, &x->rate_pending, half_dps) &&
                      (b.rep_free || x->t_ns - b.rep_onset >= MINUTE_NS)))
                        break;
                if (b.walking ? x->activity != ACTIVITY_WALKING
                              : !(pr[2] > b.sin_lateral_lo && pr[2] < b.sin_lateral_hi &&
                                  x->activity != ACTIVITY_WALKING &&
                                  (fired || held_s + dt < static_s)))
                        break;
                have_last = have;
                last_t_ns = last;
                if (x->activity == ACTIVITY_STILL)
                        moving_s = 0;
                else
                        moving_s += dt;
                /* static_stay() */
                if (!b.walking)
                        held_s += dt;
                if (dt > 0)
                        strain_decay_by(x->activity == ACTIVITY_WALKING ? h_walking : h_still, dt,
                                        &strain, &decay_dt, &decay_h, &decay);
                i++;
        }

        /* The step cache holds a step and its dt however far it got. */
        d->step_ns = step_ns;
        d->step_s = step_s;
        if (i == 0)
                return 0;
        d->have_last = have_last;
        d->last_t_ns = last_t_ns;
        d->moving_s = moving_s;
        if (!b.walking) {
                st->away_s = 0;
                st->held_s = held_s;
        }
        d->strain = strain;
        d->decay_dt = decay_dt;
        d->decay_h = decay_h;
        d->decay = decay;
        d->sudden.have_prev = rate_view_finite(s[i - 1].rate_dps, &s[i - 1].rate_pending);
        d->sudden.prev_rate = s[i - 1].rate_dps;
        d->sudden.prev_pending = s[i - 1].rate_pending;
        d->sudden.prev_t_ns = s[i - 1].motion_t_ns;
        return i;
}
