/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/frame.h"
#include "core/mount-matrix.h"

/*
 * Posture estimator: maps sensor-frame samples to the body frame of
 * DESIGN.md (+x right, +y head, +z forward) with the mount matrix, rotates
 * the filtered gravity vector by the wearer's neutral, and reports flexion
 * (+ forward) and lateral bend (+ right) in degrees, plus an activity class
 * from the dynamic part of the signal, and the angular rate of the trunk.
 *
 * Worn or not (estimator-worn.c): a sensor on a body always shows
 * physiological micro-motion (breathing, heartbeat, postural sway) above its
 * own noise. Over blocks of 0.5 s, motion is a per-axis SD about the block
 * means above 0.06 m/s² (more than the noise of common MEMS accelerometers),
 * or block means that vary more than four times as much as white noise
 * would let them. The first 2 s decide whether a sensor starts worn (a
 * recording may start on a desk); after that it is worn again from the first
 * 2 s with motion on, and not worn after not_worn_s (30 s) without any, and
 * whenever it reads more than 135° from the mount's upright (upside down: no
 * trunk is). While it is not worn the posture is "not-worn", no
 * neutral is taken and the pipeline feeds no rule.
 *
 * Neutral. Upright in the body frame reads (0, +g, 0). Automatically (with
 * auto_calibrate, when none was given), the neutral is the mean gravity of
 * the first still window (still_window_s) of a worn sensor that lies within
 * upright_max_deg (30°) of that upright, so a sensor on a desk, face-down or
 * face-up, is never taken. Walking is done upright: every walk_revise_s
 * (20 s) of walking, the mean gravity of that walking is compared with an
 * automatic neutral, and one more than 10° away (the neutral zone's
 * lateral limit) is revised to it; without a neutral yet it becomes one,
 * however the sensor is mounted. A sensor put on again after a time not worn
 * sits differently: an automatic neutral is forgotten then, and taken
 * afresh. A given neutral (Calibrate, --neutral) is
 * never revised. A sensor on an inclined sternum or chest strap can sit
 * more than upright_max_deg off that upright: a posture held still for a
 * minute of still time, within 10° of itself and within lying_deg of the
 * mount's upright, becomes the neutral too (sitting at a desk). Until there
 * is a neutral the posture is "unknown" (unless not-worn or moving), never
 * lying, and the trunk rules do not fire (but static-posture, which needs
 * no reference): the mount's upright is no reference for a body.
 * estimator_calibrate() refuses a window that is not still or not within
 * upright_max_deg of upright.
 *
 * Activity, judged at every sample:
 * - walking: over the last walk_window_s (4 s), the vertical acceleration
 *   (the median raw vector projected on the gravity estimate, block-averaged
 *   to about 50 Hz on an even grid of sample time, so that samples at
 *   irregular intervals, as Bluetooth sensors deliver them, keep the
 *   rhythm; a sensor under about 75 Hz is drawn as lines between its
 *   readings, over held values: a sample repeating the last reading in all
 *   three axes, for less than half the shortest step, is the transport's
 *   copy, not a reading, see motion_walk_reading(); its readings are
 *   smoothed 1/4, 1/2, 1/4 instead of taking their median, which at 15
 *   readings a second clips each step's peak, a single reading; and a
 *   window whose own readings, at 10 a second or more, are at least as
 *   rough as white noise (impacts shorter than a reading: claps at the chest) is
 *   no walk, see walk_rough()) is periodic: its normalised autocorrelation has
 * its highest peak (after the first fall below zero, up to the longest step period; not the first
 * peak, which at high rates can be a harmonic's ripple) at a step period of
 * 1/walk_max_step_hz..1/walk_min_step_hz (0.4..1 s, i.e. 1..2.5 steps a second: brisk walking down
 * to slow walking and stairs, which real recordings show at 1.1..1.4 a second) with a height of at
 *   least walk_min_corr (0.5; a walk goes on down to 0.7 times that, so
 *   that a turn or a few uneven steps do not end it), or, when the step's
 *   own peak is lower, a peak as high within an eighth of a step of twice
 *   its lag: the stride (when the window is at least twice that long, so
 *   that the estimate rests on a whole stride of products). Left and
 *   right steps differ (on stairs one leg leads; a limp; a chest sensor
 *   rocking from side to side), so the step pattern may repeat only every
 *   stride (step and stride regularity, Moe-Nilssen & Helbostad 2004);
 *   real stair recordings show a step peak of 0.4 with a stride peak of
 *   0.8. When the highest peak is slower than any step (steps at 2 a
 *   second or more with one leg leading put the stride, about 1 s, there),
 *   a peak about half as far is the step, and the stride's height decides.
 *   Its standard deviation is at least
 *   walk_min_rms (0.5 m/s²) over the window and at least half that in each
 *   quarter of it (a light step or two does not break a walk), so that a
 *   walk is recognised only once it has lasted about 3 to 4 s; and the
 *   trunk's direction (the forward half of the motion path's smoother, see
 *   "Trunk rate": it damps the steps' linear accelerations and shows a real
 *   turn of the trunk in full) stayed within walk_max_sway_deg (15°) of its
 *   mean direction, which tells walking from rapid repeated bending (whose
 *   kinematic acceleration is periodic too, at a step rate). A single
 *   glitch has no periodicity, so it cannot look like walking. Running is
 *   not walking, even at a walking step rate (a slow jog, running up
 *   stairs): a window that reads under 0.3 g vertically for more than a
 *   tenth of its time (of its readings, unsmoothed, on a sensor under
 *   75 Hz) has flight phases, which walking never has (see WALK_FLIGHT_G
 *   in estimator-walk.c).
 * - moving: not walking, and the RMS of the dynamic part over
 *   still_window_s is at least still_rms. The dynamic part is the raw
 *   vector minus the filtered one, taken as the per-axis median of its
 *   last three values, so that a single-sample glitch does not make a
 *   still wearer "moving" for a whole window.
 * - still: otherwise.
 *
 * Gravity (PostureSample.gravity, what the angles and the angle rules see).
 * Steps at 1..2.5 Hz pass the 2 Hz low-pass filter: its output sways by
 * more than 15° with every step. The estimator therefore averages the
 * filtered vector over posture_smooth_s (1 s), a boxcar that cancels 1 and
 * 2 Hz exactly and leaves a fifth or less of any frequency from 1.25 Hz up;
 * a posture change is seen in full within that second plus the filter's
 * delay (about 0.3 s). The walking check takes the vertical from it.
 *
 * Posture and activity are separate: the posture is judged from the angles
 * whatever the activity (a bend while walking or moving is "flexed"), and
 * it is "moving" only while the dynamic RMS is at least posture_max_rms
 * (4 m/s², e.g. jogging), when the acceleration swamps gravity's direction.
 *
 * Lying (PostureSample.lying, the posture "lying" while still): the trunk's
 * axis is more than lying_deg (60°) from upright, cos θ · cos φ < cos 60°,
 * and the trunk is not mainly bent forward: its flexion θ is at most its
 * sideways tilt asin(cos θ · sin φ). So lying on the back or on a side, or
 * half-way between, is lying, while a deep forward bend stays a bend even
 * when a little lateral bend makes its lateral angle large (that angle is
 * ill-defined when the trunk is near horizontal). Lying prone cannot be told
 * from a deep bend and counts as a bend. The flag is set while moving too
 * (turning over in bed), for the rules; motion_lying is the same for the
 * motion path's angles.
 *
 * Trunk rate (PostureSample.rate_dps, for sudden-movement). A sensor worn
 * r = sensor_height_m (0.45 m) above the hip turns with the trunk and so
 * also feels the tangential acceleration r·θ'' along its forward (or
 * sideways) axis. For small angles the forward axis reads −g·θ + r·θ'', in
 * frequency terms the true angle times (1 + ω²τ²) with τ² = r / g: fast
 * bending looks far deeper and faster than it is (rapid bends of ±20° at
 * 1.1 Hz read as ±60°, a quick 15° nod as a 35° swing). The zero-phase
 * smoothing kernel e^(−|t|/τ) / 2τ has exactly the inverse transfer
 * 1 / (1 + ω²τ²), so it restores the true angle while it averages away
 * noise, the bounce of walking and what is left of glitches. The motion
 * path takes the per-axis median of three samples (which removes
 * single-sample glitches), block-averages to about 50 Hz, smooths forward
 * with an EMA of time constant τ and backwards over the last 4τ (0.86 s);
 * rate_dps is the angle between successive smoothed directions times the
 * block rate, and posture_sample_motion_angles() gives the angles of that
 * direction (motion_trunk) relative to the neutral, all for the instant
 * motion_t_ns, 4τ before the sample. The filtered gravity estimate, which
 * the angle rules see, lags fast movement too much to measure its speed.
 * The smoothed vector of a turning trunk stays within a few m/s² of g;
 * when it is more than 25 % away from g, the sensor's own acceleration
 * (the impacts and bounce of running, a jump, dropping onto a bed)
 * dominates it, and rate_dps is NaN for that block and the next: the
 * change of its direction is then no turn of the trunk.
 * The correction assumes the trunk turns about the hip: a turn about a
 * pivot close to the sensor is smoothed as well and its rate reads low (a
 * 45° turn in 0.3 s, 150°/s, peaks at 75°/s); sensor_height_m tunes it.
 */

typedef enum PostureClass {
        POSTURE_UNKNOWN,
        POSTURE_UPRIGHT,
        POSTURE_SLOUCHED,
        POSTURE_FLEXED,
        POSTURE_EXTREME_FLEXION,
        POSTURE_LATERAL,
        POSTURE_RECLINED,
        POSTURE_LYING,
        POSTURE_MOVING,
        POSTURE_NOT_WORN,
        _POSTURE_MAX,
} PostureClass;

typedef enum Activity {
        ACTIVITY_STILL,
        ACTIVITY_MOVING,
        ACTIVITY_WALKING,
        _ACTIVITY_MAX,
} Activity;

/*
 * Where the neutral came from: none yet; taken automatically (a worn,
 * still window near the mount's upright, or the mean of walking); given
 * (Calibrate(), --neutral, the saved one of a Calibrate()); revised (an
 * automatic one that walking showed to be wrong).
 */
typedef enum NeutralHow {
        NEUTRAL_NONE,
        NEUTRAL_AUTO,
        NEUTRAL_GIVEN,
        NEUTRAL_REVISED,
        _NEUTRAL_HOW_MAX,
} NeutralHow;

/** neutral_how_to_string() - "none", "auto", "given", "revised". */
const char *neutral_how_to_string(NeutralHow h);
/** neutral_how_from_string() - the NeutralHow, or -EINVAL. */
int neutral_how_from_string(const char *s);

/** posture_class_to_string() - the D-Bus spelling: "upright", "extreme-flexion", ... */
const char *posture_class_to_string(PostureClass p);
/** activity_to_string() - "still", "moving", "walking". */
const char *activity_to_string(Activity a);

/** struct EstimatorParams - tunables; see estimator_params_default(). */
typedef struct EstimatorParams {
        MountMatrix mount;
        /* Window over which stillness is judged and neutral is averaged (3 s). */
        double still_window_s;
        /* RMS of the dynamic acceleration (m/s²) under which the wearer is still (0.35). */
        double still_rms;
        /* Class limits in degrees. */
        double slouch_deg;   /* 15: flexion >= this is "slouched" */
        double flexion_deg;  /* 20: flexion >= this is "flexed" */
        double extreme_deg;  /* 60: flexion > this is "extreme-flexion" */
        double lateral_deg;  /* 10: |lateral| > this is "lateral" */
        double reclined_deg; /* -20: flexion < this is "reclined" */
        double lying_deg; /* 60: trunk this far from vertical while reclined or sideways is "lying"
                           */
        /* Calibrate automatically (see "Neutral") when none is given. */
        bool auto_calibrate;
        /* Seconds without micro-motion before the sensor is not worn (30); 0
         * never judges it not worn. */
        double not_worn_s;
        /* Largest angle from the mount's upright of a neutral (30°). */
        double upright_max_deg;
        /* Height of the sensor above the hip joint, m, for the trunk rate (0.45). */
        double sensor_height_m;
        /* Walking: window (4 s), step frequencies (1.4..2.5 Hz), least
         * standard deviation of the vertical acceleration (0.5 m/s²), least
         * autocorrelation at the step period (0.5), largest trunk sway (15°). */
        double walk_window_s;
        double walk_min_step_hz;
        double walk_max_step_hz;
        double walk_min_rms;
        double walk_min_corr;
        double walk_max_sway_deg;
        /* The angle rules' gravity: the filtered gravity averaged over this
         * long (1 s), which holds a whole step at 1..2.5 Hz (see "Gravity"). */
        double posture_smooth_s;
        /* Dynamic acceleration RMS (m/s²) at and above which the trunk's
         * posture cannot be told from its acceleration: "moving" (4). */
        double posture_max_rms;
} EstimatorParams;

void estimator_params_default(EstimatorParams *p);

/**
 * struct RatePending - a trunk rate whose atan2() is put off (rate-view.h).
 * @y, @x, @per_s: the rate is atan2(@y, @x) · (180 / π) · @per_s (all
 *                 finite); @per_s is 0 when nothing is pending.
 */
typedef struct RatePending {
        double y, x, per_s;
} RatePending;

/** struct PostureSample - the estimator's output for one sample. */
typedef struct PostureSample {
        int64_t t_ns;
        /* Degrees, + forward and + right; while angles_pending, not yet
         * worked out (NaN): posture_sample_resolve_angles() does. */
        double flexion_deg;
        double lateral_deg;
        /* The gravity rotated by the neutral: what the angles are of
         * (angle-view.h), NaN for an invalid sample; set by the estimator. */
        double rotated[3];
        /* Of rotated, for comparisons without the angles (angle-view.h):
         * sin flexion, cos |lateral| and sin lateral, NaN where the
         * shortcut does not apply. */
        double probe[3];
        /* estimator_feed_many() leaves the angles to be worked out where
         * they are needed (the pipeline does before any handler sees the
         * sample); estimator_feed() and a zeroed sample have them. */
        bool angles_pending;
        /* Filtered gravity estimate and raw sample, body frame, m/s². */
        double gravity[3];
        double raw[3];
        /* Dynamic acceleration RMS over the still window, m/s² (see "moving"). */
        double dynamic_rms;
        /* The motion path (see "Trunk rate"), for the instant motion_t_ns:
         * angular rate of the trunk, degrees per second (>= 0), and its
         * direction rotated by the neutral as the gravity is for the angles
         * (posture_sample_motion_angles() gives its flexion and lateral
         * bend); NaN until the path has filled. */
        int64_t motion_t_ns;
        double rate_dps;
        /* estimator_feed_many() leaves the rate's atan2() pending
         * (rate_pending.per_s > 0), rate_dps meanwhile only a bound above
         * the rate (rate-view.h): posture_sample_resolve_angles() works it
         * out, as it does the angles. */
        RatePending rate_pending;
        double motion_trunk[3];
        /* The trunk lies (see "Lying"), by the gravity estimate and by the
         * motion path, whatever the activity. */
        bool lying;
        bool motion_lying;
        Activity activity;
        PostureClass posture;
        bool calibrated;
        /* Automatic calibration is on and no neutral has been taken yet:
         * the angles are against the mount's nominal upright, which a worn
         * sensor may sit far from, so no posture class beyond not-worn and
         * moving is claimed, lying is false, and no trunk rule looks at the
         * angles (see "Neutral"). */
        bool awaiting_neutral;
        /* The sensor is on a body (see "Worn or not"). */
        bool worn;
        /* The neutral was set, revised or reset at this sample. */
        bool neutral_changed;
} PostureSample;

typedef struct Estimator Estimator;

/** estimator_new() - create an estimator. */
int estimator_new(Estimator **ret, const EstimatorParams *p, double rate_hz);
Estimator *estimator_free(Estimator *e);

static inline void estimator_freep(Estimator **e)
{
        estimator_free(*e);
}

/** estimator_feed() - one sample. */
void estimator_feed(Estimator *e, const Frame *raw, const Frame *filtered, PostureSample *out);

/*
 * What a calibration did. Not errors: the caller answers each (the daemon
 * with org.postured.Error.NoData or .NotStill), as dbus-broker separates
 * API results from fatal negative errors.
 */
typedef enum CalibrateResult {
        CALIBRATE_DONE = 0,
        CALIBRATE_NO_DATA = 1,     /* no full window since the start or the last gap */
        CALIBRATE_NOT_STILL = 2,   /* the wearer was not still over the window */
        CALIBRATE_NOT_UPRIGHT = 3, /* more than upright_max_deg from the mount's upright */
} CalibrateResult;

/** estimator_calibrate() - take the mean gravity of the last still window as neutral. */
int estimator_calibrate(Estimator *e);

/** estimator_set_neutral() - set neutral to a body-frame gravity vector (given). */
int estimator_set_neutral(Estimator *e, const double body[3]);

/** estimator_set_neutral_how() - the same, saying where it came from and when. */
int estimator_set_neutral_how(Estimator *e, const double body[3], NeutralHow how, int64_t t_ns);

/** estimator_reset_neutral() - forget the neutral: automatic again. */
void estimator_reset_neutral(Estimator *e);

/** estimator_get_calibration() - where the neutral came from, and when (sample time). */
NeutralHow estimator_get_calibration(const Estimator *e, int64_t *ret_t_ns);

/** estimator_get_neutral() - Return: true and the vector when calibrated. */
bool estimator_get_neutral(const Estimator *e, double body[3]);

/** estimator_angles_are_lying() - whether the trunk at these angles lies (see "Lying"). */
bool estimator_angles_are_lying(const EstimatorParams *p, double flexion_deg, double lateral_deg);

/**
 * posture_sample_resolve_angles() - work out what a sample left pending: its
 * angles into flexion_deg and lateral_deg, its trunk rate into rate_dps.
 */
void posture_sample_resolve_angles(PostureSample *s);

/** posture_sample_motion_angles() - the motion path's flexion and lateral bend, on demand. */
void posture_sample_motion_angles(const PostureSample *s, double *flexion_deg, double *lateral_deg);

/** estimator_angles() - flexion and lateral bend of @g relative to @neutral. */
void estimator_angles(const double g[3], const double neutral[3], double *flexion_deg,
                      double *lateral_deg);
