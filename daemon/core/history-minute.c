/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history's minutes, summed from the pipeline's samples (history-minute.h). */
#include <math.h>
#include <string.h>

#include "core/history-minute.h"

static void finish(MinuteAccumulator *a, HistoryMinute *ret)
{
        HistoryMinute *m = &a->cur;

        if (m->duration_s > 0) {
                m->flexion_mean_deg = a->flexion_sum / m->duration_s;
                m->lateral_mean_deg = a->lateral_sum / m->duration_s;
                m->strain_mean = a->strain_sum / m->duration_s;
        }
        *ret = *m;
}

static void start(MinuteAccumulator *a, int64_t minute)
{
        *a = (MinuteAccumulator){ .open = true };
        a->cur.minute = minute;
        a->cur.flexion_peak_deg = -INFINITY;
}

/**
 * minute_acc_add() - count @dt_s seconds of @s's posture, activity and angles
 * in the minute of @t_us. The interval is not split at a minute's edge: it
 * is as long as a sample period.
 * @a: the accumulator.
 * @t_us: the realtime of @s, µs since the epoch.
 * @s: the sample whose state held for @dt_s.
 * @dt_s: seconds, as the pipeline's summary credits them (0 adds nothing).
 * @strain: the StrainLevel during them.
 * @ret: the finished minute, when @t_us is in another minute than the open one.
 *
 * Return: 1 when *@ret holds a finished minute, else 0.
 */
int minute_acc_add(MinuteAccumulator *a, uint64_t t_us, const PostureSample *s, double dt_s,
                   double strain, HistoryMinute *ret)
{
        int64_t minute = (int64_t) (t_us / USEC_PER_MINUTE);
        double lateral = fabs(s->lateral_deg);
        HistoryMinute *m = &a->cur;
        int done = 0;

        if (!(dt_s > 0))
                return 0;
        if (a->open && m->minute != minute && m->duration_s > 0) {
                finish(a, ret);
                done = 1;
        }
        if (!a->open || m->minute != minute)
                start(a, minute);

        m->duration_s += dt_s;
        m->posture_s[s->posture] += dt_s;
        m->activity_s[s->activity] += dt_s;
        if (s->posture == POSTURE_NOT_WORN) /* as the summary's not_worn_s */
                m->not_worn_s += dt_s;
        a->flexion_sum += s->flexion_deg * dt_s;
        a->lateral_sum += lateral * dt_s;
        a->strain_sum += strain * dt_s;
        if (s->flexion_deg > m->flexion_peak_deg)
                m->flexion_peak_deg = s->flexion_deg;
        if (lateral > m->lateral_peak_deg)
                m->lateral_peak_deg = lateral;
        return done;
}

/**
 * minute_acc_flush() - hand out the open minute as far as it goes and start
 * it afresh, for a store that adds minutes of the same number together
 * (history_minute_merge()).
 * @a: the accumulator.
 * @ret: the minute so far.
 *
 * Return: 1 when *@ret holds seconds, else 0.
 */
int minute_acc_flush(MinuteAccumulator *a, HistoryMinute *ret)
{
        int64_t minute = a->cur.minute;

        if (!a->open || !(a->cur.duration_s > 0))
                return 0;
        finish(a, ret);
        start(a, minute);
        return 1;
}

static double weighted(double x, double wx, double y, double wy)
{
        return wx + wy > 0 ? (x * wx + y * wy) / (wx + wy) : 0;
}

/**
 * history_minute_merge() - add the seconds of @b to @a; means are weighted by
 * the seconds, peaks the higher. @a keeps its minute number.
 * @a: the sum.
 * @b: what to add.
 */
void history_minute_merge(HistoryMinute *a, const HistoryMinute *b)
{
        a->flexion_mean_deg =
                weighted(a->flexion_mean_deg, a->duration_s, b->flexion_mean_deg, b->duration_s);
        a->lateral_mean_deg =
                weighted(a->lateral_mean_deg, a->duration_s, b->lateral_mean_deg, b->duration_s);
        a->strain_mean = weighted(a->strain_mean, a->duration_s, b->strain_mean, b->duration_s);
        if (a->duration_s <= 0 || b->flexion_peak_deg > a->flexion_peak_deg)
                a->flexion_peak_deg = b->flexion_peak_deg;
        if (a->duration_s <= 0 || b->lateral_peak_deg > a->lateral_peak_deg)
                a->lateral_peak_deg = b->lateral_peak_deg;
        a->duration_s += b->duration_s;
        a->not_worn_s += b->not_worn_s;
        for (size_t i = 0; i < _POSTURE_MAX; i++)
                a->posture_s[i] += b->posture_s[i];
        for (size_t i = 0; i < _ACTIVITY_MAX; i++)
                a->activity_s[i] += b->activity_s[i];
}
