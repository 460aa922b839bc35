/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

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
