/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "estimator.h"

/* Private to the estimator's files, and to the pipeline. */

/**
 * estimator_feed_many() - estimator_feed() for @n samples in order, into
 * @out[0..n-1], with the same results, in less time.
 */
void estimator_feed_many(Estimator *e, const Frame *raw, const Frame *filtered, size_t n,
                         PostureSample *out);

/** mount_matrix_apply() - body = M · sensor. */
void mount_matrix_apply(const MountMatrix *mm, const float in[3], double out[3]);

/** mount_matrix_is_valid() - finite and not (numerically) singular. */
bool mount_matrix_is_valid(const MountMatrix *mm);

/*
 * The estimator's view of motion: the dynamic part without single-sample
 * glitches, the trunk's direction and angular rate compensated for the
 * kinematic acceleration of the sensor, and walking recognised from the
 * periodicity of the vertical acceleration. See estimator.h.
 */

typedef struct Motion Motion;

/* The most samples between two motion_trunk_run() calls. */
#define MOTION_BATCH 64

/**
 * struct MotionResult - what motion_feed() finds at once.
 * @walking: the last window looks like walking.
 * @dynamic: raw minus gravity, the per-axis median of its last three values.
 */
typedef struct MotionResult {
        bool walking;
        double dynamic[3];
} MotionResult;

/**
 * motion_new() - state for @rate_hz samples.
 *
 * Return: 0, -EINVAL for parameters the estimator would refuse too, -ENOMEM.
 */
int motion_new(Motion **ret, const EstimatorParams *p, double rate_hz);

/** motion_free() - accepts NULL; returns NULL. */
Motion *motion_free(Motion *m);

static inline void motion_freep(Motion **m)
{
        motion_free(*m);
}

/*
 * The samples come in batches of at most MOTION_BATCH, in two passes: first
 * motion_feed() for each valid sample (and motion_reset() where the stream
 * has a gap), then motion_trunk_run(), then, in the same order,
 * motion_trunk_next() for each valid sample (and motion_trunk_reset() at
 * each gap). The trunk's smoothing runs for the whole batch at once, and its
 * results are the same as sample by sample.
 */

/** motion_reset() - forget the past, e.g. after a gap in the stream; the
 * trunk direction and rate follow with motion_trunk_reset(). */
void motion_reset(Motion *m);

/**
 * motion_feed() - one valid sample, body frame: @raw and the low-passed
 * @gravity.
 *
 * Return: the sample's trunk job for motion_trunk_next(), or -1.
 */
int motion_feed(Motion *m, const double raw[3], const double gravity[3], MotionResult *ret);

/** motion_trunk_run() - the trunk smoothing for the batch fed so far. */
void motion_trunk_run(Motion *m);

/**
 * motion_trunk_next() - after motion_trunk_run(), the next valid sample's
 * trunk: its angular rate in degrees per second (>= 0) and direction (unit
 * vector, body frame), NaN until the smoother has seen motion_lag_ns() of
 * data. Both lie motion_lag_ns() behind the sample.
 */
void motion_trunk_next(Motion *m, int job, double *rate_dps, double trunk[3]);

/** motion_trunk_reset() - the trunk side of motion_reset(), in the second pass. */
void motion_trunk_reset(Motion *m);

/** motion_lag_ns() - how far the trunk's rate and direction lie behind the sample. */
int64_t motion_lag_ns(const Motion *m);

/**
 * motion_params_are_valid() - the walking and trunk parameters of @p are
 * finite and consistent (walk_min_step_hz < walk_max_step_hz, a window of at
 * least two of the slowest steps, sensor_height_m > 0, ...).
 */
bool motion_params_are_valid(const EstimatorParams *p);

/** motion_trunk_tau_s() - sqrt(sensor_height_m / g): the trunk smoother's time constant. */
double motion_trunk_tau_s(const EstimatorParams *p);
