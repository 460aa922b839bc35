/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/detect/detect.h"
#include "core/estimator/angle-view.h"
#include "core/estimator/rate-view.h"
#include "util/macro.h"

/*
 * Shared by the detector files: detect.c (the dispatcher, parameters and
 * the episode helpers), detect-flexion.c (sustained-flexion,
 * extreme-flexion, unsupported-extension, slouch), detect-lateral.c,
 * detect-movement.c (sudden-movement, repetitive-bending), detect-static.c,
 * detect-rest.c (prolonged-rest)
 * and detect-strain.c (the load index).
 */

/* Where a sample stands against a held-posture limit. */
typedef enum HoldLevel {
        HOLD_OUT,  /* released: the episode ends */
        HOLD_KEEP, /* within the hysteresis: the episode goes on, no time */
        HOLD_IN,   /* beyond the limit: time counts */
} HoldLevel;

/* One held-posture episode. Time beyond the limit while moving waits in
 * pending_s until the wearer is still again (see "Movement" in detect.h).
 * A closed episode (!active) is all zero: hold_step() opens and closes one
 * whole, and the rules change the rest only while it is open. */
typedef struct HoldState {
        bool active;
        bool fired;
        int64_t start_ns;
        double held_s;
        double pending_s;
        double peak;
        AngleLimit peak_limit; /* at peak, for the flexion rules (angle-view.h) */
} HoldState;

typedef struct SustainedState {
        bool active;
        bool fired;
        int64_t start_ns;
        double dose;         /* fraction of the MAHT used up, fires at 1 */
        double pending_dose; /* dose gathered while moving, not yet counted */
        double below_s;      /* current continuous stay below the band */
        double peak;
} SustainedState;

typedef struct LateralState {
        HoldState low;  /* beyond lateral_deg: the episode */
        HoldState high; /* beyond lateral_high_deg, within the episode */
} LateralState;

/* One movement of sudden-movement: the rate above half the limit. */
typedef struct SuddenMove {
        bool active;
        bool paced;     /* it took longer than sudden_rise_s to pass the limit */
        bool opened;    /* it has passed the limit: start_ns and peak are set */
        bool due;       /* it will fire once over, unless the trunk comes to lie */
        bool lay;       /* the trunk lay during it: into or out of bed */
        double half_ns; /* when the rate passed half the limit (interpolated) */
        int64_t start_ns;
        double above_s; /* current continuous time above the limit */
        double peak;
} SuddenMove;

typedef struct SuddenState {
        SuddenMove move;
        bool have_prev; /* the previous sample's rate and motion time */
        double prev_rate;
        RatePending prev_pending; /* its rate's atan2(), put off (rate-view.h) */
        int64_t prev_t_ns;
        /* A due movement that is over, waiting sudden_settle_s (motion
         * time) to see whether the trunk comes to lie. */
        bool pending;
        int64_t pending_until_ns;
        int64_t pending_start_ns;
        double pending_peak;
} SuddenState;

typedef struct RepetitiveState {
        /* The bend in progress, until flexion falls below the limit minus hysteresis. */
        bool in_bend;
        bool bend_counted;
        int64_t bend_start_ns;
        double above_s;
        double bend_peak;
        /* Start times and peaks of the last counted bends, newest at [head - 1]. */
        int64_t onset_ns[REPETITIVE_MAX_PER_MIN];
        double peaks[REPETITIVE_MAX_PER_MIN];
        unsigned n_onsets, head;
        /* The episode. */
        bool active;
        bool fired;
        int64_t start_ns;
        double peak;
} RepetitiveState;

typedef struct RestState {
        bool active;
        bool fired;
        int64_t start_ns;
        double held_s;
} RestState;

typedef struct StaticState {
        bool active;
        bool fired;
        int64_t start_ns;
        double held_s;
        double away_s; /* continuous time away from the reference */
        double ref_flexion, ref_lateral;
        double peak;
        /* The references plus and minus static_change_deg, and the peak,
         * for the angles' shortcut (angle-view.h). */
        AngleLimit flexion_above, flexion_below, lateral_above, lateral_below, peak_limit;
} StaticState;

/* The rules' fixed limits, for the angles' shortcut (angle-view.h): sines of
 * flexion limits, cosines of |lateral| ones; "keep" is the limit minus the
 * hysteresis (plus, for the backward lean). */
typedef struct DetectLimits {
        AngleLimit flexion_min;          /* flexion_min_deg */
        AngleLimit extreme;              /* extreme_deg */
        AngleLimit extreme_keep;         /* extreme_deg − hysteresis_deg */
        AngleLimit extension;            /* extension_deg or −backrest_deg */
        AngleLimit extension_keep;       /* that + hysteresis_deg */
        AngleLimit strain_extension;     /* extension_deg */
        AngleLimit slouch;               /* slouch_deg */
        AngleLimit slouch_keep;          /* slouch_deg − hysteresis_deg */
        AngleLimit repetitive;           /* repetitive_deg */
        AngleLimit repetitive_keep;      /* repetitive_deg − hysteresis_deg */
        AngleLimit lateral;              /* lateral_deg (cosine) */
        AngleLimit lateral_keep;         /* lateral_deg − hysteresis_deg (cosine) */
        AngleLimit lateral_high;         /* lateral_high_deg (cosine) */
        AngleLimit lateral_high_keep;    /* lateral_high_deg − hysteresis_deg (cosine) */
        double calm_sin_lo, calm_sin_hi; /* feed_pending() */
        double sudden_half_dps;          /* sudden_rate_dps / 2 */
} DetectLimits;

/*
 * What calm_run() asks of the state, gathered (calm_box_update()): the
 * bounds of the calm path's tests on the probe, each the tightest of the
 * limits it stands for (an empty box, NaN bounds, when one of them is NaN
 * or an episode is going on that the calm path does not take), whether
 * static-posture is closed (then only walking samples fit), and
 * repetitive-bending's last test. A cache of the state: every change of
 * those parts of the state or the parameters invalidates it (valid false).
 */
typedef struct CalmBox {
        bool valid;
        /* static-posture is closed (all zero): the box takes only walking
         * samples, which leave it so, and has no static-posture bounds. */
        bool walking;
        double sin_flexion_lo, sin_flexion_hi; /* probe[0] strictly within */
        double cos_lateral_lo;                 /* probe[1] above */
        double sin_lateral_lo, sin_lateral_hi; /* probe[2] strictly within */
        bool rep_free;     /* repetitive_idle() whatever the time: fewer onsets */
        int64_t rep_onset; /* else: idle a minute or more after this onset */
} CalmBox;

struct Detectors {
        RuleParams params;
        DetectLimits limits; /* of params */
        CalmBox calm;        /* of the state and params: calm_run() */
        bool have_last;
        int64_t last_t_ns;
        /* The last step in nanoseconds and in seconds (sample_step()). */
        int64_t step_ns;
        double step_s;
        double moving_s; /* length of the current stretch of moving or walking */

        bool fired_before[_EVENT_KIND_MAX];
        int64_t last_fired_ns[_EVENT_KIND_MAX];

        SustainedState sustained;
        HoldState extreme;
        HoldState extension;
        HoldState slouch;
        LateralState lateral;
        SuddenState sudden;
        RepetitiveState repetitive;
        StaticState statics;
        RestState rest;

        bool have_local_clock;
        int64_t local_offset_ns; /* detectors_set_local_clock() */

        /* feed_pending()'s scratch: the sample's angles, an event. */
        AngleView view;
        StrainEvent event;

        double strain;
        /* exp2(-decay_dt / decay_h) is decay (strain_feed(): the same step
         * and half-life sample after sample need it once). */
        double decay_dt, decay_h, decay;
};

/* detect.c */
bool detectors_may_fire(const Detectors *d, EventKind k, int64_t t_ns);
void detectors_fire(Detectors *d, EventKind k, int64_t t_ns, int64_t start_ns, double peak,
                    StrainEvent *ev);
void hold_step(const Detectors *d, HoldState *st, HoldLevel level, const PostureSample *s,
               double dt);

/* One rule each: advance by one sample of step @dt, whose angles @a tells
 * (NaN where the rule sees none); true when *ev was fired. */
bool sustained_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
bool extreme_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
bool extension_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
bool slouch_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
bool lateral_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
bool sudden_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
bool repetitive_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt,
                     StrainEvent *ev);
bool static_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);
void static_limits_prepare(StaticState *st, double change_deg);

/* detect-rest.c */
bool rest_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev);

/* detect-strain.c */
void strain_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt);

/* The load index's half-life for a sample of @activity (detect.h). */
static inline double strain_half_life(const RuleParams *p, Activity activity)
{
        return activity == ACTIVITY_WALKING ? p->strain_walking_half_life_s : p->strain_half_life_s;
}

/* The decay of *@strain by the step @dt with half-life @h: exp2(-dt / h),
 * worked out once for the same step and half-life (cached in *@decay_dt,
 * *@decay_h and *@decay: the same value). */
static inline void strain_decay_by(double h, double dt, double *strain, double *decay_dt,
                                   double *decay_h, double *decay)
{
        if (dt != *decay_dt || h != *decay_h) {
                *decay_dt = dt;
                *decay_h = h;
                *decay = exp2(-dt / h);
        }
        *strain *= *decay;
}

/**
 * strain_decay() - strain_feed() for a sample of a neutral posture (an
 * infinite loading time): the load index decays by the step @dt (> 0).
 * Inline: most samples.
 */
static inline void strain_decay(Detectors *d, const PostureSample *s, double dt)
{
        strain_decay_by(strain_half_life(&d->params, s->activity), dt, &d->strain, &d->decay_dt,
                        &d->decay_h, &d->decay);
}

/* Longest step between two samples that counts as time: a pause in the
 * stream (suspended laptop, lost radio link) must not count as held time. */
#define MAX_STEP_S 1.0

/*
 * The step of a sample at @t_ns (detectors_feed(): none for the first, none
 * when the time does not go forward, at most MAX_STEP_S), with the last
 * sample's time (@have_last, @last_t_ns) advanced past it. @step_ns and
 * @step_s keep the last step worked out: a sample's step is mostly the one
 * before, and the same expression of the same integer is the same double,
 * so the division is done once per change of the step (@step_ns is 0 at
 * first, and a step taken is positive).
 */
static inline double sample_step(bool *have_last, int64_t *last_t_ns, int64_t *step_ns,
                                 double *step_s, int64_t t_ns)
{
        double dt = 0;

        if (*have_last && t_ns > *last_t_ns) {
                int64_t step = t_ns - *last_t_ns;

                if (step != *step_ns) {
                        *step_ns = step;
                        *step_s = MIN((double) step / (double) NSEC_PER_SEC, MAX_STEP_S);
                }
                dt = *step_s;
        }
        if (!*have_last || t_ns > *last_t_ns)
                *last_t_ns = t_ns;
        *have_last = true;
        return dt;
}

/*
 * Whether no episode is going on that the calm path does not take (the
 * calm box is empty otherwise, calm_box_update()).
 */
static inline bool calm_open(const Detectors *d)
{
        const RepetitiveState *rep = &d->repetitive;

        return !rep->in_bend && !rep->active &&
               !(d->sustained.active | d->extreme.active | d->extension.active |
                 d->lateral.low.active | d->sudden.move.active | d->sudden.pending |
                 d->rest.active | d->slouch.active);
}

/* detect-calm.c */
void calm_box_update(Detectors *d);
size_t calm_run(Detectors *d, const PostureSample *s, size_t n);

/*
 * repetitive-bending counts bends per minute.
 *
 * t - onset, here, in rate_holds() (detect-movement.c) and in calm_steady()
 * and calm_run() (detect-calm.c), overflows only for a sample more than
 * INT64_MAX ns (292 years) after, or more than 2^63 ns before, a bend
 * counted since the last detectors_reset(). A caller of the detectors may
 * feed such times (the unit tests wrap them past INT64_MAX); the pipeline
 * does not. It passes on only times later than the last (frame_acceptable(),
 * frames_ok()), so they never wrap, and a recording's lie within +-9.2e9 s
 * (the reader's limit, recording.c). Two of them more than INT64_MAX apart
 * need a step that long, which posturectl analyze and the replay source
 * would flag FRAME_AFTER_GAP (a gap resets the detectors, forgetting the
 * bends), but their test, t - prev > max, itself overflows for it, and the
 * estimator then never finishes its walk blocks for the step: the sample
 * never gets here. The evdev source stamps frames with CLOCK_MONOTONIC (or
 * CLOCK_REALTIME), far below 2^63 ns.
 */
#define MINUTE_NS (60 * NSEC_PER_SEC)

/*
 * Whether repetitive-bending has neither a bend nor an episode going, and a
 * sample at @t_ns without a bend would start none: repetitive_feed() of such
 * a sample changes nothing. Without a bend in progress, rate_holds(st, n,
 * true, @t_ns) is false exactly when fewer than n bends were counted or the
 * n-th newest started a minute or more before @t_ns.
 */
static inline bool repetitive_rate_fails(const Detectors *d, int64_t t_ns)
{
        const RepetitiveState *st = &d->repetitive;
        unsigned n = d->params.repetitive_per_min;

        return st->n_onsets < n || t_ns - st->onset_ns[(st->head + REPETITIVE_MAX_PER_MIN - n) %
                                                       REPETITIVE_MAX_PER_MIN] >=
                                           MINUTE_NS;
}

static inline bool repetitive_idle(const Detectors *d, int64_t t_ns)
{
        const RepetitiveState *st = &d->repetitive;

        if (st->in_bend || st->active)
                return false;
        return repetitive_rate_fails(d, t_ns);
}

/*
 * Whether repetitive_feed() of a sample at @t_ns whose flexion lies surely
 * (angle-view.h) between repetitive_deg − hysteresis_deg and repetitive_deg
 * (@sin_flexion beyond the keep limit's hi, short of the limit's lo) changes
 * nothing: a counted bend in progress and no episode. bend_track() finds
 * the flexion not above the limit and not below the keep limit (the bend
 * goes on), the bend counted already; it stores bend_peak in peaks[head −
 * 1], which holds it already (bend_track() stores it there whenever it
 * changes or the bend is counted, and head moves only then). Then, the bend
 * counted, rate_holds(st, n, true, @t_ns) is false exactly as in
 * repetitive_idle(), and repetitive_feed() clears active and fired, clear
 * already (fired is set only while active).
 */
static inline bool repetitive_held(const Detectors *d, double sin_flexion, int64_t t_ns)
{
        const RepetitiveState *st = &d->repetitive;

        return st->in_bend && st->bend_counted && !st->active &&
               sin_flexion > d->limits.repetitive_keep.hi &&
               sin_flexion < d->limits.repetitive.lo && repetitive_rate_fails(d, t_ns);
}

/*
 * Whether repetitive_feed() of a sample at @t_ns whose flexion lies surely
 * above repetitive_deg (@sin_flexion beyond the limit's hi) does no more
 * than repetitive_grows(): a counted bend in progress and no episode.
 * bend_track() finds the flexion above the limit with a bend in progress:
 * above_s grows by dt, bend_peak becomes MAX(bend_peak, θ), and, the bend
 * counted already, it is stored in peaks[head − 1] (head moves only when a
 * bend is counted). Then rate_holds(st, n, true, @t_ns) is false exactly as
 * in repetitive_held(), and repetitive_feed() clears active and fired,
 * clear already.
 */
static inline bool repetitive_above(const Detectors *d, double sin_flexion, int64_t t_ns)
{
        const RepetitiveState *st = &d->repetitive;

        return st->in_bend && st->bend_counted && !st->active &&
               sin_flexion > d->limits.repetitive.hi && repetitive_rate_fails(d, t_ns);
}

/* repetitive_feed() of a sample for which repetitive_above() holds: its
 * changes, the same operations (bend_track()'s). */
static inline void repetitive_grows(Detectors *d, AngleView *a, double dt)
{
        RepetitiveState *st = &d->repetitive;

        st->above_s += dt;
        st->bend_peak = MAX(st->bend_peak, angle_view_flexion(a));
        st->peaks[(st->head + REPETITIVE_MAX_PER_MIN - 1) % REPETITIVE_MAX_PER_MIN] = st->bend_peak;
}

/*
 * sustained_feed() of a sample whose flexion is below flexion_min_deg (or
 * NaN) while an episode is going on: the stay below the band grows, the
 * pending dose goes when still or after a long movement, and a stay as long
 * as dip_tolerance_s ends the episode.
 */
static inline void sustained_below(Detectors *d, const PostureSample *s, double dt)
{
        const RuleParams *p = &d->params;
        SustainedState *st = &d->sustained;

        st->below_s += dt;
        if (s->activity == ACTIVITY_STILL || d->moving_s > p->moving_grace_s)
                st->pending_dose = 0;
        if (st->below_s >= p->dip_tolerance_s)
                *st = (SustainedState){ 0 };
}

/*
 * static_feed()'s common case, inline: an episode going on, not walking,
 * the posture near its reference and below its peak by the shortcut
 * (static_feed()), and not about to fire. Return: true when it took the
 * sample (the same changes as static_feed(), which returns false for it).
 */
static inline bool static_stay(Detectors *d, const PostureSample *s, double dt)
{
        StaticState *st = &d->statics;
        const double *pr = s->probe;

        if (!(st->active && s->activity != ACTIVITY_WALKING && pr[0] > st->flexion_below.hi &&
              pr[0] < st->flexion_above.lo && pr[2] > st->lateral_below.hi &&
              pr[2] < st->lateral_above.lo && pr[0] < st->peak_limit.lo &&
              (st->fired || st->held_s + dt < d->params.static_s)))
                return false;
        st->away_s = 0;
        st->held_s += dt;
        return true;
}
