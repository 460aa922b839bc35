/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* Longest step between two samples that counts as time: a pause in the
 * stream (suspended laptop, lost radio link) must not count as held time. */
#define MAX_STEP_S 1.0

/* The limits of @d->params as the angles' shortcut needs them (the same
 * arithmetic as the rules' own comparisons). */
static void limits_prepare(Detectors *d)
{
        const RuleParams *p = &d->params;
        DetectLimits *l = &d->limits;
        double extension = p->extension_deg;

        if (p->backrest_support)
                extension = MIN(extension, -p->backrest_deg);
        angle_limit_sine(&l->flexion_min, p->flexion_min_deg);
        angle_limit_sine(&l->extreme, p->extreme_deg);
        angle_limit_sine(&l->extreme_keep, p->extreme_deg - p->hysteresis_deg);
        angle_limit_sine(&l->extension, extension);
        angle_limit_sine(&l->extension_keep, extension + p->hysteresis_deg);
        angle_limit_sine(&l->strain_extension, p->extension_deg);
        angle_limit_sine(&l->slouch, p->slouch_deg);
        angle_limit_sine(&l->slouch_keep, p->slouch_deg - p->hysteresis_deg);
        angle_limit_sine(&l->repetitive, p->repetitive_deg);
        angle_limit_sine(&l->repetitive_keep, p->repetitive_deg - p->hysteresis_deg);
        angle_limit_cosine(&l->lateral, p->lateral_deg);
        angle_limit_cosine(&l->lateral_keep, p->lateral_deg - p->hysteresis_deg);
        angle_limit_cosine(&l->lateral_high, p->lateral_high_deg);
        angle_limit_cosine(&l->lateral_high_keep, p->lateral_high_deg - p->hysteresis_deg);

        /* feed_pending()'s calm band: every flexion limit of its skips at
         * once (empty when one has no shortcut: NaN bounds compare false). */
        l->calm_sin_lo = MAX(l->extension.hi, l->strain_extension.hi);
        l->calm_sin_hi = MIN(MIN(l->flexion_min.lo, l->extreme.lo), l->repetitive.lo);
        if (isnan(l->extension.hi) || isnan(l->strain_extension.hi) || isnan(l->flexion_min.lo) ||
            isnan(l->extreme.lo) || isnan(l->repetitive.lo))
                l->calm_sin_lo = l->calm_sin_hi = NAN;
        l->sudden_half_dps = p->sudden_rate_dps / 2;
        d->calm.valid = false;
}

/**
 * detectors_new() - create the strain detectors.
 * @ret: the new detectors.
 * @p: the limits, copied.
 *
 * Return: 0, -EINVAL for inconsistent params (non-finite or negative values
 * where a positive one is meant, flexion_min_deg >= flexion_max_deg,
 * holding_time_factor <= 0, a MAHT that is not positive over the whole band,
 * extension_deg >= 0, slouch_deg >= flexion_min_deg, repetitive_per_min out
 * of 1..REPETITIVE_MAX_PER_MIN, half-lives <= 0, strain_extreme_factor < 1,
 * day window hours beyond 24), -ENOMEM.
 */
int detectors_new(Detectors **ret, const RuleParams *p)
{
        Detectors *d;

        assert(ret);
        assert(p);

        if (!rule_params_are_valid(p))
                return -EINVAL;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;

        d->params = *p;
        limits_prepare(d);
        *ret = d;
        return 0;
}

/**
 * detectors_free() - free @d.
 * @d: detectors or NULL.
 *
 * Return: NULL.
 */
Detectors *detectors_free(Detectors *d)
{
        free(d);
        return NULL;
}

/**
 * detectors_set_params() - change the limits; running episodes are kept.
 * @d: the detectors.
 * @p: the new limits, copied.
 *
 * Return: 0, or -EINVAL (as detectors_new()) leaving the old limits in place.
 */
int detectors_set_params(Detectors *d, const RuleParams *p)
{
        assert(d);
        assert(p);

        if (!rule_params_are_valid(p))
                return -EINVAL;

        d->params = *p;
        limits_prepare(d);
        /* A static episode's limits follow static_change_deg too. */
        if (d->statics.active)
                static_limits_prepare(&d->statics, p->static_change_deg);
        return 0;
}

/**
 * detectors_set_local_clock() - how sample time maps to local time.
 * @d: the detectors.
 * @offset_ns: local time (as nanoseconds since a local midnight, modulo
 *             24 h) minus sample time.
 *
 * For the day window of prolonged-rest; the caller (the daemon) updates it
 * as the sensor's clock anchor or the time zone changes. Before the first
 * call every instant counts as day.
 */
void detectors_set_local_clock(Detectors *d, int64_t offset_ns)
{
        assert(d);

        d->have_local_clock = true;
        d->local_offset_ns = offset_ns;
}

/**
 * detectors_reset() - forget all episodes and the last sample time.
 * @d: the detectors.
 *
 * For a gap in the stream or a recalibration. The load index and the
 * cool-downs are kept: they describe the wearer, not the episodes.
 */
void detectors_reset(Detectors *d)
{
        assert(d);

        d->have_last = false;
        d->last_t_ns = 0;
        d->moving_s = 0;
        d->sustained = (SustainedState){ 0 };
        d->extreme = d->extension = d->slouch = (HoldState){ 0 };
        d->lateral = (LateralState){ 0 };
        d->sudden = (SuddenState){ 0 };
        d->repetitive = (RepetitiveState){ 0 };
        d->statics = (StaticState){ 0 };
        d->rest = (RestState){ 0 };
        d->calm.valid = false;
}

/**
 * detectors_may_fire() - whether kind @k is out of its cool-down at @t_ns.
 * @d: the detectors.
 * @k: the kind.
 * @t_ns: the sample time.
 *
 * Return: true when no event of kind @k fired within cooldown_s[k] before
 * @t_ns (or the last one lies after @t_ns: a new time base).
 */
bool detectors_may_fire(const Detectors *d, EventKind k, int64_t t_ns)
{
        double since;

        if (!d->fired_before[k] || t_ns < d->last_fired_ns[k])
                return true;
        since = (double) (t_ns - d->last_fired_ns[k]) / (double) NSEC_PER_SEC;
        return since >= d->params.cooldown_s[k];
}

/**
 * detectors_fire() - fill in an event and start the cool-down of its kind.
 * @d: the detectors.
 * @k: the kind; the severity follows from it.
 * @t_ns: the sample time at which it fires.
 * @start_ns: the start of the episode.
 * @peak: the peak angle.
 * @ev: the event.
 */
void detectors_fire(Detectors *d, EventKind k, int64_t t_ns, int64_t start_ns, double peak,
                    StrainEvent *ev)
{
        d->fired_before[k] = true;
        d->last_fired_ns[k] = t_ns;
        *ev = (StrainEvent){
                .kind = k,
                .severity = event_kind_severity(k),
                .t_ns = t_ns,
                .start_ns = start_ns,
                .duration_s = (double) (t_ns - start_ns) / (double) NSEC_PER_SEC,
                .peak_deg = peak,
        };
}

/**
 * hold_step() - advance a held-posture episode by one sample.
 * @d: the detectors (moving_s, moving_grace_s).
 * @st: the episode.
 * @level: where the sample stands against the limit.
 * @s: the sample (time, activity).
 * @dt: its step.
 *
 * HOLD_OUT ends the episode; HOLD_IN opens one (adding no time) or adds
 * @dt to it, to held_s while still, to pending_s while moving. A still
 * sample in the episode adds what is pending (when HOLD_IN) or drops it
 * (HOLD_KEEP); so does a stretch of movement longer than moving_grace_s.
 * The caller tracks the peak.
 */
void hold_step(const Detectors *d, HoldState *st, HoldLevel level, const PostureSample *s,
               double dt)
{
        bool still = s->activity == ACTIVITY_STILL;

        /* A closed episode is all zero (HoldState): HOLD_OUT leaves it so. */
        if (!st->active) {
                if (level == HOLD_IN)
                        *st = (HoldState){ .active = true, .start_ns = s->t_ns };
                return;
        }
        if (level == HOLD_OUT) {
                *st = (HoldState){ 0 };
                return;
        }

        if (level == HOLD_IN && still) {
                st->held_s += st->pending_s + dt;
                st->pending_s = 0;
        } else if (level == HOLD_IN)
                st->pending_s += dt;
        else if (still)
                st->pending_s = 0;

        if (d->moving_s > d->params.moving_grace_s)
                st->pending_s = 0;
}

/* detectors_feed() of any sample, rule by rule. */
static __attribute__((noinline)) size_t feed_rules(Detectors *d, const PostureSample *s, double dt,
                                                   StrainEvent *out, size_t max)
{
        const PostureSample *r = s;
        PostureSample trunk;
        AngleView view, view_static, *a = &view, *a_static = &view;
        StrainEvent ev;
        size_t n = 0;

        /* Lying suspends the trunk rules: they see no angle (detect.h, "Lying");
         * so does a sample without a neutral to measure them from, but for
         * static-posture, which compares the angles with themselves only. */
        if (s->lying || s->awaiting_neutral) {
                angle_view_nan(&view);
                if (s->lying)
                        angle_view_nan(&view_static);
                else
                        angle_view_init(&view_static, s);
                a_static = &view_static;
                /* The motion path's angles share the missing reference (lying
                 * suspends sudden-movement through motion_lying instead). */
                if (s->awaiting_neutral) {
                        trunk = *s;
                        trunk.motion_trunk[0] = trunk.motion_trunk[1] = trunk.motion_trunk[2] = NAN;
                        r = &trunk;
                }
        } else {
                angle_view_init(&view, s);
        }

        /* In EventKind order, so that events of one sample come in that
         * order; called directly, each once a sample. */
#define RULE(feed, angles)                                  \
        do {                                                \
                if (feed(d, r, angles, dt, &ev) && n < max) \
                        out[n++] = ev;                      \
        } while (0)
        _Static_assert(_EVENT_KIND_MAX == 9, "one RULE() for each kind");
        RULE(sustained_feed, a);
        RULE(extreme_feed, a);
        RULE(extension_feed, a);
        RULE(lateral_feed, a);
        RULE(sudden_feed, a);
        RULE(repetitive_feed, a);
        RULE(static_feed, a_static);
        RULE(slouch_feed, a);
        RULE(rest_feed, a);
#undef RULE

        strain_feed(d, r, a, dt);
        return n;
}

/*
 * feed_rules() for a sample with pending angles, neither lying nor awaiting
 * its neutral, calling only the rules that may change something: mostly
 * none but static-posture (static_stay()) and the load index's decay. The
 * shortcut of angle-view.h answers the limits from @s->probe (a NaN probe
 * answers nothing: the rule is called). A rule is left out when (by the
 * rule's own code) it would change nothing:
 * - sustained-flexion: none going and the flexion below flexion_min_deg, so
 *   it returns at once;
 * - extreme-flexion, unsupported-extension: none going, the flexion below
 *   extreme_deg, above the backward limit: HOLD_KEEP or HOLD_OUT, and a
 *   closed episode stays closed at once;
 * - lateral-bend: none going and |lateral| below lateral_deg: the closed
 *   episode stays closed, and it zeroes the inner one, all zero whenever
 *   the outer one is closed;
 * - sudden-movement: no movement going nor pending, and the rate not above
 *   half the limit (or NaN): it zeroes the movement, all zero when not
 *   active (move_step() makes it active first, only a zeroing ends it), and
 *   notes the rate and time, as done here;
 * - repetitive-bending: repetitive_idle() and the flexion below
 *   repetitive_deg: bend_track() changes nothing, and the failing rate
 *   clears active and fired, clear already (fired is set only while active
 *   and cleared with it);
 * - static-posture: static_stay() took the sample;
 * - slouch: none going and disabled, or the flexion below slouch_deg: a
 *   closed episode stays closed (disabled, it zeroes it, all zero already);
 * - prolonged-rest: none going, and not lying: it zeroes the closed, all
 *   zero episode (it opens whole and closes by zeroing);
 * - the load index: the flexion below flexion_min_deg and above
 *   extension_deg, |lateral| below lateral_deg: the loading time is
 *   infinite and the index decays (strain_decay()).
 * The rules that run, run in EventKind order, as in feed_rules(). The calm
 * band (calm_sin_lo, calm_sin_hi: beyond the backward limits of
 * unsupported-extension and of the load index, below flexion_min_deg,
 * extreme_deg and repetitive_deg) answers the flexion part of the first
 * skips at once.
 */
static size_t feed_pending(Detectors *d, const PostureSample *s, double dt, StrainEvent *out,
                           size_t max)
{
        const DetectLimits *l = &d->limits;
        const RuleParams *p = &d->params;
        double sin_flexion = s->probe[0], cos_lateral = s->probe[1];
        /* In @d, not on the stack: the common path takes no local's address. */
        AngleView *view = &d->view;
        StrainEvent *ev = &d->event;
        bool have_view = false;
        size_t n = 0;

#define RULE_UNLESS(idle, feed)                                  \
        do {                                                     \
                if (!(idle)) {                                   \
                        if (!have_view) {                        \
                                angle_view_init(view, s);        \
                                have_view = true;                \
                        }                                        \
                        if (feed(d, s, view, dt, ev) && n < max) \
                                out[n++] = *ev;                  \
                }                                                \
        } while (0)
        _Static_assert(_EVENT_KIND_MAX == 9, "one RULE_UNLESS() for each kind");
        /* Mostly: within the calm band (all the flexion limits below at
         * once), |lateral| below lateral_deg, nothing going but static-posture
         * and slouch. */
        if (sin_flexion > l->calm_sin_lo && sin_flexion < l->calm_sin_hi &&
            cos_lateral > l->lateral.hi &&
            !(d->sustained.active | d->extreme.active | d->extension.active |
              d->lateral.low.active | d->sudden.move.active | d->sudden.pending | d->rest.active) &&
            !rate_view_gt(s->rate_dps, &s->rate_pending, l->sudden_half_dps) &&
            repetitive_idle(d, s->t_ns)) {
                d->sudden.have_prev = rate_view_finite(s->rate_dps, &s->rate_pending);
                d->sudden.prev_rate = s->rate_dps;
                d->sudden.prev_pending = s->rate_pending;
                d->sudden.prev_t_ns = s->motion_t_ns;
                RULE_UNLESS(static_stay(d, s, dt), static_feed);
                RULE_UNLESS(!d->slouch.active && (!p->slouch_enabled || sin_flexion < l->slouch.lo),
                            slouch_feed);
                if (dt > 0)
                        strain_decay(d, s, dt);
                return n;
        }
        RULE_UNLESS(!d->sustained.active && sin_flexion < l->flexion_min.lo, sustained_feed);
        RULE_UNLESS(!d->extreme.active && sin_flexion < l->extreme.lo, extreme_feed);
        RULE_UNLESS(!d->extension.active && sin_flexion > l->extension.hi, extension_feed);
        RULE_UNLESS(!d->lateral.low.active && cos_lateral > l->lateral.hi, lateral_feed);
        if (!d->sudden.move.active && !d->sudden.pending &&
            !rate_view_gt(s->rate_dps, &s->rate_pending, l->sudden_half_dps)) {
                d->sudden.have_prev = rate_view_finite(s->rate_dps, &s->rate_pending);
                d->sudden.prev_rate = s->rate_dps;
                d->sudden.prev_pending = s->rate_pending;
                d->sudden.prev_t_ns = s->motion_t_ns;
        } else
                RULE_UNLESS(false, sudden_feed);
        RULE_UNLESS(repetitive_idle(d, s->t_ns) && sin_flexion < l->repetitive.lo, repetitive_feed);
        RULE_UNLESS(static_stay(d, s, dt), static_feed);
        RULE_UNLESS(!d->slouch.active && (!p->slouch_enabled || sin_flexion < l->slouch.lo),
                    slouch_feed);
        RULE_UNLESS(!d->rest.active, rest_feed);
#undef RULE_UNLESS

        if (dt > 0 && sin_flexion < l->flexion_min.lo && sin_flexion > l->strain_extension.hi &&
            cos_lateral > l->lateral.hi)
                strain_decay(d, s, dt);
        else {
                if (!have_view)
                        angle_view_init(view, s);
                strain_feed(d, s, view, dt);
        }
        return n;
}

/*
 * feed_calm()'s box of the state as it is (CalmBox). feed_pending()'s calm
 * path, with static_stay() and the skip of slouch, asks of a sample:
 *   calm_sin_lo < p0 < calm_sin_hi, p1 > lateral.hi,
 *   slouch_enabled implies p0 < slouch.lo,
 *   flexion_below.hi < p0 < flexion_above.lo, p0 < peak_limit.lo,
 *   lateral_below.hi < p2 < lateral_above.lo
 * (p the probe), of the state: no episode going on of sustained-flexion,
 * extreme-flexion, unsupported-extension, lateral-bend, sudden-movement
 * (nor one pending), prolonged-rest and slouch, and static-posture's going
 * on; and repetitive_idle(), the rate, the activity and static-posture's
 * time, which feed_calm() tests itself. For bounds that are not NaN, p > a
 * and p > b hold exactly when p > MAX(a, b), and p < a and p < b when
 * p < MIN(a, b); a NaN bound fails its test for every p, and so does the
 * NaN bound the box then takes. So the box's tests on the probe are the
 * calm path's, bit for bit. Some tests are implied by others and kept as
 * the calm path has them (no test can tell them missing): prolonged-rest
 * opens only lying, which also ends static-posture, so the box is empty
 * until a sample after it went the long way; and feed_calm() refuses a
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
static __attribute__((noinline)) void calm_box_update(Detectors *d)
{
        const DetectLimits *l = &d->limits;
        const StaticState *st = &d->statics;
        const RepetitiveState *rep = &d->repetitive;
        CalmBox *b = &d->calm;
        bool open = !rep->in_bend && !rep->active &&
                    !(d->sustained.active | d->extreme.active | d->extension.active |
                      d->lateral.low.active | d->sudden.move.active | d->sudden.pending |
                      d->rest.active | d->slouch.active);
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
 * feed_pending()'s calm path, inline, for the sample it mostly sees: within
 * the calm band, |lateral| below lateral_deg, nothing going that the calm
 * path would call a rule for (static_stay() takes the sample, or
 * static-posture is closed and the sample walking; slouch is closed and
 * would stay closed). Return: true when it took the sample, with the same
 * changes as feed_pending() (which fires no event for it: the calm path
 * calls no rule then, or static_feed() of a walking sample, which fires
 * none); false, having changed nothing, otherwise. The tests are
 * feed_pending()'s own (the probe's and the state's through the box,
 * calm_box_update()), and the caller hands a sample it declines to
 * feed_pending() and invalidates the box.
 */
static inline bool feed_calm(Detectors *d, const PostureSample *s, double dt)
{
        const CalmBox *b = &d->calm;
        StaticState *st = &d->statics;
        const double *pr = s->probe;

        if (!b->valid)
                calm_box_update(d);
        if (!(s->angles_pending && !s->lying && !s->awaiting_neutral && pr[0] > b->sin_flexion_lo &&
              pr[0] < b->sin_flexion_hi && pr[1] > b->cos_lateral_lo &&
              !rate_view_gt(s->rate_dps, &s->rate_pending, d->limits.sudden_half_dps) &&
              (b->rep_free || s->t_ns - b->rep_onset >= MINUTE_NS)))
                return false;
        if (b->walking) {
                if (s->activity != ACTIVITY_WALKING)
                        return false;
        } else {
                if (!(pr[2] > b->sin_lateral_lo && pr[2] < b->sin_lateral_hi &&
                      s->activity != ACTIVITY_WALKING &&
                      (st->fired || st->held_s + dt < d->params.static_s)))
                        return false;
                /* static_stay() */
                st->away_s = 0;
                st->held_s += dt;
        }
        d->sudden.have_prev = rate_view_finite(s->rate_dps, &s->rate_pending);
        d->sudden.prev_rate = s->rate_dps;
        d->sudden.prev_pending = s->rate_pending;
        d->sudden.prev_t_ns = s->motion_t_ns;
        if (dt > 0)
                strain_decay(d, s, dt);
        return true;
}

/* detectors_feed() once the step is taken: feed_rules() or feed_pending(). */
static __attribute__((noinline)) size_t feed_any(Detectors *d, const PostureSample *s, double dt,
                                                 StrainEvent *out, size_t max)
{
        if (!s->angles_pending || s->lying || s->awaiting_neutral)
                return feed_rules(d, s, dt, out, max);
        return feed_pending(d, s, dt, out, max);
}

/* detectors_feed() without the checks of its arguments. */
static inline size_t feed_one(Detectors *d, const PostureSample *s, StrainEvent *out, size_t max)
{
        double dt = 0;

        if (d->have_last && s->t_ns > d->last_t_ns) {
                int64_t step = s->t_ns - d->last_t_ns;

                /* A function of the step alone: computed again only when
                 * the step changes (step_ns is 0 at first, and step > 0). */
                if (step != d->step_ns) {
                        d->step_ns = step;
                        d->step_s = MIN((double) step / (double) NSEC_PER_SEC, MAX_STEP_S);
                }
                dt = d->step_s;
        }
        if (!d->have_last || s->t_ns > d->last_t_ns)
                d->last_t_ns = s->t_ns;
        d->have_last = true;

        if (s->activity == ACTIVITY_STILL)
                d->moving_s = 0;
        else
                d->moving_s += dt;

        if (feed_calm(d, s, dt))
                return 0;
        d->calm.valid = false;
        return feed_any(d, s, dt, out, max);
}

/**
 * detectors_feed() - advance by one sample.
 * @d: the detectors.
 * @s: the sample: its time, angles (given, or pending as
 *     estimator_feed_many() leaves them: worked out only where needed,
 *     angle-view.h), rate (likewise given or pending, rate-view.h) and
 *     activity. A non-finite angle counts as
 *     released (and as neutral for the load index); so do the angles of a
 *     lying sample, and those of a sample awaiting its neutral for every
 *     rule but static-posture.
 * @out: room for @max events (max >= _EVENT_KIND_MAX suffices).
 * @max: capacity of @out; events beyond it are lost.
 *
 * Time comes from @s->t_ns only: the first sample adds none, a step that goes
 * backwards adds none, and a step longer than one second counts as one second.
 *
 * Return: the number of events written to @out, in EventKind order.
 */
size_t detectors_feed(Detectors *d, const PostureSample *s, StrainEvent *out, size_t max)
{
        assert(d);
        assert(s);
        assert(out || max == 0);

        return feed_one(d, s, out, max);
}

/**
 * detectors_feed_run() - detectors_feed() of @s[0], @s[1], ... in turn,
 * up to and including the first sample for which it returns events.
 * @d: the detectors.
 * @s: the samples, in order.
 * @n: their number.
 * @out: room for @max events.
 * @max: capacity of @out.
 * @ret_k: the number of events of the last sample taken (0 when none
 *         returned any).
 *
 * Return: the number of samples taken: @n, or fewer when the last one
 * taken returned events.
 */
size_t detectors_feed_run(Detectors *d, const PostureSample *s, size_t n, StrainEvent *out,
                          size_t max, size_t *ret_k)
{
        assert(d);
        assert(s || n == 0);
        assert(out || max == 0);
        assert(ret_k);

        for (size_t i = 0; i < n; i++) {
                size_t k = feed_one(d, &s[i], out, max);

                if (k > 0) {
                        *ret_k = k;
                        return i + 1;
                }
        }
        *ret_k = 0;
        return n;
}
