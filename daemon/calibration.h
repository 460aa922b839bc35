/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/mount-matrix.h"

typedef struct Manager Manager;

/*
 * The wearer's neutral across restarts: kept in the file "neutral" of the
 * state directory ($STATE_DIRECTORY) with the sensor and mount matrix it
 * belongs to (core/neutral-state.h), written atomically whenever it
 * changes, removed by ResetCalibration(). Without a state directory it
 * lives in memory only.
 */

/** calibration_setup() - where the neutral is kept. Return: 0 or -ENOMEM. */
int calibration_setup(Manager *m);

/** calibration_restore() - a new pipeline for @sensor with @mount takes the saved neutral, if it is
 * theirs. */
void calibration_restore(Manager *m, const char *sensor, const MountMatrix *mount);

/** calibration_update() - note a new, revised or forgotten neutral: CalibratedAt, the file. */
void calibration_update(Manager *m);

/** calibration_reset() - forget the neutral (ResetCalibration()). */
void calibration_reset(Manager *m);
