/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

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
 * - sustained-flexion: the flexion below flexion_min_deg: none going, so it
 *   returns at once, or one going, whose stay below the band
 *   sustained_below() (the rule's own branch for it) extends here;
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
 *   and cleared with it); or repetitive_held(); or repetitive_above(), whose
 *   changes repetitive_grows() makes inline;
 * - static-posture: static_stay() took the sample;
 * - slouch: none going and disabled, or the flexion below slouch_deg: a
 *   closed episode stays closed (disabled, it zeroes it, all zero already);
 *   or enabled, fired, and the flexion above slouch_deg − hysteresis_deg
 *   (HOLD_IN or HOLD_KEEP, which hold_feed() takes from a fired episode
 *   without a change);
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
        /* A flexion surely below the band: sustained_feed()'s own branch
         * for it, inline (a stay below the band in an episode). */
        if (sin_flexion < l->flexion_min.lo) {
                if (d->sustained.active)
                        sustained_below(d, s, dt);
        } else
                RULE_UNLESS(false, sustained_feed);
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
        /* A counted bend growing while the rate fails: its changes inline. */
        if (repetitive_above(d, sin_flexion, s->t_ns)) {
                if (!have_view) {
                        angle_view_init(view, s);
                        have_view = true;
                }
                repetitive_grows(d, view, dt);
        } else
                RULE_UNLESS((repetitive_idle(d, s->t_ns) && sin_flexion < l->repetitive.lo) ||
                                    repetitive_held(d, sin_flexion, s->t_ns),
                            repetitive_feed);
        RULE_UNLESS(static_stay(d, s, dt), static_feed);
        /* A fired slouch episode, the flexion surely above its keep limit:
         * HOLD_IN or HOLD_KEEP, which hold_feed() takes without a change. */
        RULE_UNLESS(
                (!d->slouch.active && (!p->slouch_enabled || sin_flexion < l->slouch.lo)) ||
                        (d->slouch.fired && p->slouch_enabled && sin_flexion > l->slouch_keep.hi),
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

/* detectors_feed() once the step is taken: feed_rules() or feed_pending(). */
static __attribute__((noinline)) size_t feed_any(Detectors *d, const PostureSample *s, double dt,
                                                 StrainEvent *out, size_t max)
{
        if (!s->angles_pending || s->lying || s->awaiting_neutral)
                return feed_rules(d, s, dt, out, max);
        return feed_pending(d, s, dt, out, max);
}

/* detectors_feed() of a sample that calm_run() declines: its step, then
 * feed_any(), the box invalidated (the rules may change what it holds). */
static size_t feed_slow(Detectors *d, const PostureSample *s, StrainEvent *out, size_t max)
{
        double dt = sample_step(&d->have_last, &d->last_t_ns, &d->step_ns, &d->step_s, s->t_ns);

        if (s->activity == ACTIVITY_STILL)
                d->moving_s = 0;
        else
                d->moving_s += dt;

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

        if (calm_run(d, s, 1) == 1)
                return 0;
        return feed_slow(d, s, out, max);
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

        for (size_t i = 0; i < n;) {
                size_t k;

                /* The calm samples at once, then one that is not. calm_run()
                 * takes none whose flexion lies outside the box (its first
                 * test), as it does not after an episode opened (an empty
                 * box): mostly after a sample that went the long way. An
                 * episode it does not take going on (!calm_open()), the box
                 * would be empty: the sample goes the long way without it
                 * (left invalid, it is built when next asked for). */
                if (!d->calm.valid && calm_open(d))
                        calm_box_update(d);
                if (d->calm.valid && s[i].probe[0] > d->calm.sin_flexion_lo &&
                    s[i].probe[0] < d->calm.sin_flexion_hi)
                        i += calm_run(d, &s[i], n - i);
                if (i == n)
                        break;
                k = feed_slow(d, &s[i++], out, max);
                if (k > 0) {
                        *ret_k = k;
                        return i;
                }
        }
        *ret_k = 0;
        return n;
}
