/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/estimator/estimator.h"

/*
 * The history's minute: what the samples of one minute of the realtime
 * clock add up to. Pure: the daemon's History stores the minutes, the tests
 * and `posturectl report --from` build them from recordings.
 */

#define USEC_PER_MINUTE UINT64_C(60000000)

/**
 * struct HistoryMinute - one minute of the history.
 * @minute: minutes since the epoch (CLOCK_REALTIME).
 * @duration_s: seconds of samples in it (as the pipeline's summary counts them).
 * @posture_s, @activity_s: of those, per posture and activity.
 * @not_worn_s: seconds the sensor was not worn.
 * @flexion_mean_deg, @flexion_peak_deg: time-weighted mean and highest flexion.
 * @lateral_mean_deg, @lateral_peak_deg: the same of |lateral bend|.
 * @strain_mean: time-weighted mean StrainLevel.
 */
typedef struct HistoryMinute {
        int64_t minute;
        double duration_s;
        double posture_s[_POSTURE_MAX];
        double activity_s[_ACTIVITY_MAX];
        double not_worn_s;
        double flexion_mean_deg, flexion_peak_deg;
        double lateral_mean_deg, lateral_peak_deg;
        double strain_mean;
} HistoryMinute;

/** struct MinuteAccumulator - the open minute; zero-initialise it. */
typedef struct MinuteAccumulator {
        HistoryMinute cur;
        bool open;
        double flexion_sum, lateral_sum, strain_sum;
} MinuteAccumulator;

/** minute_acc_add() - @dt_s seconds of @s's state at @t_us. Return: 1 when *@ret got a finished
 * minute. */
int minute_acc_add(MinuteAccumulator *a, uint64_t t_us, const PostureSample *s, double dt_s,
                   double strain, HistoryMinute *ret);

/** minute_acc_flush() - the open minute so far into *@ret, and start it afresh. Return: 1 if any.
 */
int minute_acc_flush(MinuteAccumulator *a, HistoryMinute *ret);

/** history_minute_merge() - add @b (the same or another minute) into @a, weighting the means. */
void history_minute_merge(HistoryMinute *a, const HistoryMinute *b);
