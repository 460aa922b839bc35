/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "util/macro.h"

/** now_us() - @clock in microseconds. */
static inline uint64_t now_us(clockid_t clock)
{
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/** now_ns() - @clock in nanoseconds. */
static inline int64_t now_ns(clockid_t clock)
{
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (int64_t) ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/**
 * ns_after_by_more() - @t_ns comes more than @max_ns (>= 0) after @prev_ns.
 * The difference in unsigned arithmetic, where it is exact once @t_ns is
 * the later: `t - prev > max` in int64_t overflows (undefined) for times
 * more than INT64_MAX apart, which a recording's times may be (a jump
 * from -9e9 s to +9e9 s).
 */
static inline bool ns_after_by_more(int64_t t_ns, int64_t prev_ns, int64_t max_ns)
{
        return t_ns > prev_ns && (uint64_t) t_ns - (uint64_t) prev_ns > (uint64_t) max_ns;
}

/**
 * ns_since_within() - @t_ns - @prev_ns if @t_ns is not before @prev_ns and
 * at most @max_ns (>= 0) after it, else -1: the interval, without the
 * overflow (undefined) of an int64_t difference of times more than
 * INT64_MAX apart. Where that difference does not overflow, the same
 * value whenever it lies in [0, @max_ns].
 */
static inline int64_t ns_since_within(int64_t t_ns, int64_t prev_ns, int64_t max_ns)
{
        uint64_t d = (uint64_t) t_ns - (uint64_t) prev_ns;

        return t_ns >= prev_ns && d <= (uint64_t) max_ns ? (int64_t) d : -1;
}
