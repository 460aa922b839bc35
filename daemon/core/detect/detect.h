/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/estimator/estimator.h"

/*
 * Strain detectors: the ergonomic rules of DESIGN.md. They see only
 * PostureSamples and their sample times, never the wall clock, so a
 * recording replayed at any speed gives the same events. Angles are the
 * estimator's, i.e. from the low-passed gravity estimate relative to the
 * wearer's neutral; only sudden-movement uses the motion path instead.
 *
 * Time. Each sample's step (the time since the previous sample, at most one
 * second: a pause in the stream is not held time) is booked to the state the
 * sample is in. The sample that opens an episode adds no time.
 *
 * Episodes. An event fires once per episode, when its condition has held
 * long enough; the episode ends (and a new one may fire again) only after
 * the condition has been released with hysteresis: the angle must come back
 * hysteresis_deg past the limit; samples in between keep the episode open
 * but add no time. Events carry the sample time at which they fire, the
 * start of the episode, the duration so far and the peak angle.
 *
 * Cool-down. After an event of a kind has fired, no event of the same kind
 * fires for cooldown_s[kind] (5 min; 30 min for static-posture), so the
 * wearer is not nagged. An episode that reaches its limit during the
 * cool-down fires when the cool-down is over if it is still running; one
 * that ends before stays silent. A time earlier than the last event (a new
 * time base) ends the cool-down.
 *
 * Movement. Holding time is time spent holding a posture: it accumulates
 * only while the activity is still. Time in a held posture while moving or
 * walking is kept aside and added when the wearer is still again in the
 * posture, provided the movement lasted no longer than moving_grace_s
 * (10 s): a bend into a posture is itself a movement, and the activity
 * window needs a few seconds to settle afterwards. Longer movement (walking,
 * rapid repeated bending) adds nothing, so the swinging gravity estimate of
 * walking or fast movement is not mistaken for holding a bend.
 *
 * The rules (defaults; every number is a RuleParams field). "For more than
 * T" means the accumulated holding time exceeds T. The kinds are spelt in
 * kebab-case on D-Bus, in JSON and in the journal (sustained-flexion, ...);
 * their old snake_case names (sustained_flexion, ...) are accepted where a
 * user types a kind.
 *
 * | kind                  | severity | condition                                        |
 * |-----------------------|----------|--------------------------------------------------|
 * | sustained-flexion     | warning  | ISO 11226: flexion in 20°..60° (above 60° counts |
 * |                       |          | as 60°) while the dose Σ dt / (MAHT(θ) · factor) |
 * |                       |          | reaches 1, MAHT(θ) = 240 − 4.5 (θ − 20) s;       |
 * |                       |          | stays below 20° shorter than 4 s keep the dose   |
 * | extreme-flexion       | critical | flexion > 60° for more than 4 s                  |
 * | unsupported-extension | warning  | flexion < −20° for more than 60 s · factor       |
 * | lateral-bend          | warning  | |lateral| > 10° for more than 60 s · factor, or  |
 * |                       |          | |lateral| > 20° for more than 4 s · factor       |
 * | sudden-movement       | warning  | rate > 120°/s (for 0.1 s) while flexion or       |
 * |                       |          | |lateral| > 20°                                  |
 * | repetitive-bending    | warning  | at least 2 bends beyond 20° within every minute, |
 * |                       |          | for 5 minutes                                    |
 * | static-posture        | info     | 30 min without a posture change > 10° or a walk  |
 * | slouch                | info     | 15° <= flexion < 20° for more than 30 s          |
 * | prolonged-rest         | info     | lying still for 2 h in the day (acute and        |
 * |                       |          | recovering phases only)                          |
 *
 * - sustained-flexion: its release hysteresis is in time, not degrees: only
 *   a continuous stay below flexion_min_deg of at least dip_tolerance_s
 *   ends the episode and clears the dose.
 * - lateral-bend: the episode opens beyond lateral_deg and ends within
 *   lateral_deg − hysteresis_deg; time beyond lateral_high_deg is counted
 *   separately and continuously (a return within lateral_high_deg −
 *   hysteresis_deg restarts it). Peak: the signed lateral bend of largest
 *   magnitude.
 * - unsupported-extension: peak is the most negative flexion. With
 *   backrest_support (the default) the limit is −backrest_deg (−35°) when
 *   that lies further back than extension_deg: a wearer still at −20..−35°
 *   is taken to lean on a chair's backrest, which supports the trunk.
 *   Without it, the strict rule at extension_deg.
 * - sudden-movement: uses the estimator's motion path (rate_dps,
 *   the angles of motion_trunk, motion_t_ns; estimator.h),
 *   which is corrected for the kinematic acceleration of the sensor and
 *   ignores single-sample glitches, but lies some 0.9 s behind the sample.
 *   An episode (one movement) runs while the rate exceeds half of
 *   sudden_rate_dps (a NaN rate, which the estimator reports while the
 *   sensor's own acceleration dominates, as when running, ends it). It is
 *   due once the rate has stayed above sudden_rate_dps for sudden_min_s
 *   (0.1 s) while the motion path's flexion or |lateral| exceeds
 *   sudden_angle_deg, provided the rate climbed from half the limit past
 *   the limit within sudden_rise_s (0.2 s): a sudden movement starts
 *   abruptly, while sitting down, standing up or lying down at a normal
 *   pace speeds the trunk up gradually (the motion path's smoothing alone
 *   makes an abrupt start take 0.15 s). A due episode fires
 *   sudden_settle_s (1 s) after the movement is over, i.e. after the rate
 *   is back below half the limit, unless the motion path's trunk lay in it
 *   or lies by then (getting into or out of bed, turning over: no jerk) or
 *   the rate is NaN at its end or by then (it ended in an impact: dropping
 *   onto a bed or a chair), or the kind is in its cool-down. Start: the
 *   motion_t_ns at which the rate first exceeded the limit. Peak: the
 *   largest of flexion and |lateral| in the movement. Not affected by
 *   activity.
 * - repetitive-bending: a bend starts when flexion rises above
 *   repetitive_deg after having been below repetitive_deg − hysteresis_deg
 *   and counts once flexion has stayed above repetitive_deg for
 *   repetitive_min_bend_s (0.2 s; a glitch passing the low-pass is shorter).
 *   The rate condition holds while the last repetitive_per_min bends all
 *   started within the last 60 s; the episode starts at the earliest of
 *   those bends when the condition first holds and fires once the
 *   condition has held without a break up to repetitive_duration_s after
 *   that start. Bends at exactly 2 a minute (every 30 s) fire after 5 min;
 *   bends every 31 s never do. Not affected by activity: rapid repeated
 *   bending is bending. Peak: the deepest flexion in the episode.
 * - static-posture (a break reminder): the episode starts with the current
 *   flexion and lateral bend as reference; when either differs from the
 *   reference by more than static_change_deg continuously for
 *   static_change_min_s (2 s, so that a glitch is no change), a new episode
 *   starts from the new posture; a walking sample ends the episode (the
 *   next non-walking sample starts one). Fires after static_s of held time.
 *   Peak: the deepest flexion in the episode.
 * - slouch (posture training): only in the slouch band, slouch_deg <=
 *   flexion < flexion_min_deg, so it never fires during a bend that the
 *   flexion rules cover (and not during the 40° hold of a typical
 *   recording); time at or above flexion_min_deg keeps the episode open but
 *   adds nothing; it ends below slouch_deg − hysteresis_deg. Only while
 *   slouch_enabled: off in the acute phase (rule_params_acute()), and the
 *   daemon also turns it off in the recovering phase.
 *
 * - prolonged-rest (bed rest is not recommended for a back injury; short,
 *   gentle, pain-free movement is): time lying still (s->lying and still)
 *   within the day window accumulates; any other sample (up, or moving)
 *   ends the episode; fires once the episode reaches prolonged_rest_s.
 *   The day window is judged on local time (detectors_set_local_clock());
 *   night-time lying adds nothing and does not end the episode. Only while
 *   prolonged_rest_enabled. Peak: NaN (no angle matters).
 *
 * Lying. While the trunk lies (PostureSample.lying, see estimator.h),
 * whatever the activity, the trunk rules see no angle: sustained-flexion,
 * extreme-flexion, unsupported-extension, lateral-bend, slouch,
 * repetitive-bending and static-posture treat the sample as released (a
 * non-finite angle), so an episode opened on the way down ends and the time
 * of the movement into lying is not counted; the load index decays.
 *
 * Phases: rule_params_acute() halves holding_time_factor (the MAHT and the
 * time limits of lateral-bend and unsupported-extension), lowers the
 * extreme limit to 45°, turns slouch feedback off and prolonged-rest on.
 *
 * StrainLevel (detectors_strain_level()): a cumulative load index L in
 * 0..1 that a widget shows as a gauge. At each sample, with step dt:
 *
 *   L ← min(1, L + dt / T)   still, in a loading posture
 *   L ← L                    moving or walking, in a loading posture
 *   L ← L · 2^(−dt / H)      otherwise (a neutral posture)
 *
 * where the loading time T is the smallest that applies of
 *   MAHT(θ) · factor                    20° <= θ (flexion band and beyond)
 *   MAHT(θ) · factor / strain_extreme_factor   θ > extreme_deg (2: faster)
 *   lateral_hold_s · factor             |lateral| > lateral_deg
 *   lateral_hold_s · factor / strain_extreme_factor   |lateral| > lateral_high_deg
 *   extension_hold_s · factor           θ < extension_deg
 * and H is strain_half_life_s (5 min) while still or moving, and
 * strain_walking_half_life_s (100 s) while walking. So a bend held for its
 * whole ISO 11226 holding time fills the gauge just as sustained-flexion
 * fires, deeper bends fill it faster, and five minutes of neutral posture
 * take it back to half (walking: 100 s). Non-finite angles count as
 * neutral.
 */

typedef enum EventKind {
        EVENT_SUSTAINED_FLEXION,
        EVENT_EXTREME_FLEXION,
        EVENT_UNSUPPORTED_EXTENSION,
        EVENT_LATERAL_BEND,
        EVENT_SUDDEN_MOVEMENT,
        EVENT_REPETITIVE_BENDING,
        EVENT_STATIC_POSTURE,
        EVENT_SLOUCH,
        EVENT_PROLONGED_REST,
        _EVENT_KIND_MAX,
} EventKind;

typedef enum Severity {
        SEVERITY_INFO,
        SEVERITY_WARNING,
        SEVERITY_CRITICAL,
        _SEVERITY_MAX,
} Severity;

/** event_kind_to_string() - the D-Bus and JSON spelling of @k ("lateral-bend"), or NULL. */
const char *event_kind_to_string(EventKind k);
/** event_kind_from_string() - @s in kebab-case or old snake_case; -EINVAL if unknown. */
int event_kind_from_string(const char *s);
/** event_kind_severity() - the severity of events of kind @k (table above). */
Severity event_kind_severity(EventKind k);
/** severity_to_string() - "info", "warning", "critical". */
const char *severity_to_string(Severity s);

/**
 * struct StrainEvent - one fired event.
 * @t_ns: sample time at which it fired.
 * @start_ns: sample time at which the episode began.
 * @duration_s: (t_ns - start_ns) in seconds.
 * @peak_deg: the peak angle of the episode so far (see each rule).
 */
typedef struct StrainEvent {
        EventKind kind;
        Severity severity;
        int64_t t_ns;
        int64_t start_ns;
        double duration_s;
        double peak_deg;
} StrainEvent;

/* Most bends per minute repetitive-bending can be asked to count. */
#define REPETITIVE_MAX_PER_MIN 60u

/** struct RuleParams - every limit of the ergonomic rules; see rule_params_default(). */
typedef struct RuleParams {
        /* sustained-flexion: band [flexion_min_deg, flexion_max_deg]; MAHT(θ) =
         * maht_at_min_s - maht_slope_s_per_deg * (θ - flexion_min_deg),
         * i.e. 240 - 4.5 (θ - 20) s; multiplied by holding_time_factor
         * (0.5 in the acute phase). Time below the band shorter than
         * dip_tolerance_s does not end the episode. */
        double flexion_min_deg;      /* 20 */
        double flexion_max_deg;      /* 60 */
        double maht_at_min_s;        /* 240 */
        double maht_slope_s_per_deg; /* 4.5 */
        double dip_tolerance_s;      /* 4 */
        double holding_time_factor;  /* 1 (0.5 in the acute phase) */
        /* extreme-flexion: flexion > extreme_deg for more than extreme_hold_s. */
        double extreme_deg;    /* 60 (45 in the acute phase) */
        double extreme_hold_s; /* 4 */
        /* Degrees past a limit the angle must return to end an episode. */
        double hysteresis_deg; /* 2 */
        /* unsupported-extension: flexion < extension_deg (negative) for more
         * than extension_hold_s · holding_time_factor. */
        double extension_deg;    /* -20 */
        double extension_hold_s; /* 60 */
        /* lateral-bend: |lateral| > lateral_deg for more than lateral_hold_s,
         * or > lateral_high_deg for more than lateral_high_hold_s, both
         * times · holding_time_factor. */
        double lateral_deg;         /* 10 */
        double lateral_hold_s;      /* 60 */
        double lateral_high_deg;    /* 20 */
        double lateral_high_hold_s; /* 4 */
        /* sudden-movement: rate > sudden_rate_dps for sudden_min_s while
         * flexion or |lateral| > sudden_angle_deg. */
        double sudden_rate_dps;  /* 120 */
        double sudden_angle_deg; /* 20 */
        double sudden_min_s;     /* 0.1 */
        /* repetitive-bending: repetitive_per_min bends beyond repetitive_deg
         * within every minute for repetitive_duration_s; a bend counts after
         * repetitive_min_bend_s above the limit. */
        double repetitive_deg;        /* 20 */
        unsigned repetitive_per_min;  /* 2; 1..REPETITIVE_MAX_PER_MIN */
        double repetitive_duration_s; /* 300 */
        double repetitive_min_bend_s; /* 0.2 */
        /* static-posture: static_s without a change of more than
         * static_change_deg lasting static_change_min_s, or walking. */
        double static_s;            /* 1800 */
        double static_change_deg;   /* 10 */
        double static_change_min_s; /* 2 */
        /* slouch: slouch_deg <= flexion < flexion_min_deg for more than slouch_hold_s. */
        bool slouch_enabled;  /* true (false in the acute and recovering phases) */
        double slouch_deg;    /* 15 */
        double slouch_hold_s; /* 30 */
        /* unsupported-extension: while backrest_support, a backward lean down to
         * backrest_deg (a positive angle: 35 means −35°) is taken as leaning on
         * a backrest and does not count; off, the strict rule at extension_deg. */
        bool backrest_support; /* true */
        double backrest_deg;   /* 35 */
        /* sudden-movement: the rate must climb from half the limit past the
         * limit within sudden_rise_s (an abrupt start, not a paced movement). */
        double sudden_rise_s; /* 0.2 */
        /* sudden_movement: how long after a movement to wait for the trunk
         * to come to lie (lying down) before firing. */
        double sudden_settle_s; /* 1 */
        /* prolonged-rest: lying still for prolonged_rest_s within the day
         * window [rest_day_start_h, rest_day_end_h) of local time (a window
         * of length zero is the whole day). Only while prolonged_rest_enabled:
         * the acute and recovering phases. */
        bool prolonged_rest_enabled; /* false (true in the acute and recovering phases) */
        double prolonged_rest_s;     /* 7200 */
        double rest_day_start_h;     /* 7 */
        double rest_day_end_h;       /* 22 */
        /* Movement shorter than this inside a held posture still counts as holding it. */
        double moving_grace_s; /* 10 */
        /* Per kind, indexed by EventKind: 300 s, 1800 s for static-posture. */
        double cooldown_s[_EVENT_KIND_MAX];
        /* StrainLevel: see above. */
        double strain_half_life_s;         /* 300 */
        double strain_walking_half_life_s; /* 100 */
        double strain_extreme_factor;      /* 2 */
} RuleParams;

/** rule_params_default() - the defaults of DESIGN.md, as listed above. */
void rule_params_default(RuleParams *p);

/** rule_params_acute() - turn @p into the acute-phase variant. */
void rule_params_acute(RuleParams *p);

/** maht_s() - maximum acceptable holding time at @flexion_deg, in seconds. */
double maht_s(const RuleParams *p, double flexion_deg);

typedef struct Detectors Detectors;

/** detectors_new() - Return: 0, -EINVAL for inconsistent params, -ENOMEM. */
int detectors_new(Detectors **ret, const RuleParams *p);
Detectors *detectors_free(Detectors *d);

static inline void detectors_freep(Detectors **d)
{
        detectors_free(*d);
}

/** rule_params_are_valid() - whether detectors_new() would take @p. */
bool rule_params_are_valid(const RuleParams *p);

/** detectors_set_params() - change the limits; running episodes are kept. */
int detectors_set_params(Detectors *d, const RuleParams *p);

/** detectors_feed() - advance by one sample; the events it fires. */
size_t detectors_feed(Detectors *d, const PostureSample *s, StrainEvent *out, size_t max);

/** detectors_feed_run() - detectors_feed() of samples in turn, up to the first that fires. */
size_t detectors_feed_run(Detectors *d, const PostureSample *s, size_t n, StrainEvent *out,
                          size_t max, size_t *ret_k);

/**
 * detectors_strain_level() - the cumulative load index, 0..1 (see above).
 */
double detectors_strain_level(const Detectors *d);

/**
 * detectors_set_local_clock() - how sample time maps to local time, for the
 * day window of prolonged-rest: local time of day = (t_ns + offset_ns)
 * modulo 24 h. Until it is called, every instant counts as day.
 */
void detectors_set_local_clock(Detectors *d, int64_t offset_ns);

/** detectors_reset() - forget all episodes and the last sample time. */
void detectors_reset(Detectors *d);
