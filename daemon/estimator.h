/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

/*
 * Posture estimator: maps sensor-frame samples to the body frame of
 * DESIGN.md (+x right, +y head, +z forward) with the mount matrix, rotates
 * the filtered gravity vector by the wearer's neutral, and reports flexion
 * (+ forward) and lateral bend (+ right) in degrees, plus an activity class
 * from the dynamic part of the signal (raw minus filtered).
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
        _POSTURE_MAX,
} PostureClass;

typedef enum Activity {
        ACTIVITY_STILL,
        ACTIVITY_MOVING,
        ACTIVITY_WALKING,
        _ACTIVITY_MAX,
} Activity;

/** posture_class_to_string() - the D-Bus spelling: "upright", "extreme-flexion", ... */
const char *posture_class_to_string(PostureClass p);
/** activity_to_string() - "still", "moving", "walking". */
const char *activity_to_string(Activity a);

/**
 * struct MountMatrix - rows map sensor axes to body axes:
 * body[i] = sum_j m[i][j] * sensor[j], as the IIO mount_matrix attribute.
 */
typedef struct MountMatrix {
        double m[3][3];
} MountMatrix;

extern const MountMatrix mount_matrix_identity;

/**
 * mount_matrix_parse() - parse the IIO syntax "x1,y1,z1;x2,y2,z2;x3,y3,z3"
 * (spaces allowed).
 *
 * Return: 0, or -EINVAL when there are not exactly 3 rows of 3 finite
 * numbers or the matrix is singular; -ENOMEM if the "C" locale used for
 * locale-independent number parsing cannot be created.
 */
int mount_matrix_parse(MountMatrix *ret, const char *s);

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
        /* Calibrate automatically on the first still window when none is set. */
        bool auto_calibrate;
} EstimatorParams;

void estimator_params_default(EstimatorParams *p);

/** struct PostureSample - the estimator's output for one sample. */
typedef struct PostureSample {
        int64_t t_ns;
        double flexion_deg;
        double lateral_deg;
        /* Filtered gravity estimate and raw sample, body frame, m/s². */
        double gravity[3];
        double raw[3];
        /* Dynamic acceleration RMS over the still window, m/s². */
        double dynamic_rms;
        Activity activity;
        PostureClass posture;
        bool calibrated;
} PostureSample;

typedef struct Estimator Estimator;

/** estimator_new() - Return: 0, -EINVAL for bad params (window <= 0), -ENOMEM. */
int estimator_new(Estimator **ret, const EstimatorParams *p, double rate_hz);
Estimator *estimator_free(Estimator *e);

static inline void estimator_freep(Estimator **e)
{
        estimator_free(*e);
}

/**
 * estimator_feed() - one sample.
 * @raw: the unfiltered frame (sensor frame), for the dynamic part.
 * @filtered: the low-passed frame (sensor frame), for gravity.
 * @out: the resulting sample (always written).
 */
void estimator_feed(Estimator *e, const Frame *raw, const Frame *filtered, PostureSample *out);

/**
 * estimator_calibrate() - take the mean gravity of the last still window as
 * neutral.
 *
 * Return: 0, -ENODATA if no full window has been seen (since creation or
 * the last FRAME_AFTER_GAP), -EBUSY if the wearer was not still over the
 * window (dynamic RMS too high, or gravity turned by more than 3°).
 */
int estimator_calibrate(Estimator *e);

/**
 * estimator_set_neutral() - set neutral to a body-frame gravity vector.
 *
 * Return: 0, -EINVAL for a vector that is not finite or has a magnitude
 * below 1 m/s².
 */
int estimator_set_neutral(Estimator *e, const double body[3]);

/** estimator_get_neutral() - Return: true and the vector when calibrated. */
bool estimator_get_neutral(const Estimator *e, double body[3]);

/**
 * estimator_angles() - pure helper: flexion and lateral bend, degrees, of a
 * body-frame gravity vector @g relative to the neutral @neutral (NULL =
 * upright, (0, 1, 0)). The rotation taking @neutral to upright is applied
 * to @g first, then flexion = atan2(-z, hypot(x, y)), lateral =
 * atan2(-x, y).
 */
void estimator_angles(const double g[3], const double neutral[3], double *flexion_deg,
                      double *lateral_deg);
