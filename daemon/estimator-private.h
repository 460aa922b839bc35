/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "estimator.h"

/* Private to the estimator's files. */

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

/**
 * struct MotionResult - what motion_feed() finds.
 * @walking: the last window looks like walking.
 * @dynamic: raw minus gravity, the per-axis median of its last three values.
 * @rate_dps: the trunk's angular rate, degrees per second (>= 0); NaN until
 *            the smoother has seen @lag_s of data.
 * @trunk: the trunk's direction (unit vector, body frame) at the same
 *         instant as @rate_dps; NaN until then.
 * @lag_s: how far @rate_dps and @trunk lie behind the sample.
 */
typedef struct MotionResult {
        bool walking;
        double dynamic[3];
        double rate_dps;
        double trunk[3];
        double lag_s;
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

/** motion_reset() - forget the past, e.g. after a gap in the stream. */
void motion_reset(Motion *m);

/** motion_feed() - one valid sample, body frame: @raw and the low-passed @gravity. */
void motion_feed(Motion *m, const double raw[3], const double gravity[3], MotionResult *ret);

/**
 * motion_params_are_valid() - the walking and trunk parameters of @p are
 * finite and consistent (walk_min_step_hz < walk_max_step_hz, a window of at
 * least two of the slowest steps, sensor_height_m > 0, ...).
 */
bool motion_params_are_valid(const EstimatorParams *p);

/** motion_trunk_tau_s() - sqrt(sensor_height_m / g): the trunk smoother's time constant. */
double motion_trunk_tau_s(const EstimatorParams *p);
