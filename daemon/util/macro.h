/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand ownership on: returns the pointer and leaves NULL behind, so the
 * cleanup attribute of the source variable does nothing. */
#define TAKE_PTR(p)                      \
        ({                               \
                __typeof__(p) _p_ = (p); \
                (p) = NULL;              \
                _p_;                     \
        })

/* MIN(), MAX() and CLAMP() evaluate their arguments more than once: no
 * side effects in them (a random draw, a ++). */
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

#define NSEC_PER_SEC  INT64_C(1000000000)
#define NSEC_PER_MSEC INT64_C(1000000)
#define USEC_PER_SEC  UINT64_C(1000000)

#define STANDARD_GRAVITY 9.80665

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline void fclosep(FILE **f)
{
        if (*f)
                (void) fclose(*f);
}

/* An fd variable holds a descriptor (>= 0) or a negative errno such as -EBADF. */
static inline void closep(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
}

/* Hand an fd on, leaving -EBADF behind. */
#define TAKE_FD(fd)              \
        ({                       \
                int _fd_ = (fd); \
                (fd) = -EBADF;   \
                _fd_;            \
        })

/* A NULL-terminated array of malloc'ed strings, as sd_bus_message_read_strv() returns. */
static inline void strv_freep(char ***p)
{
        if (*p)
                for (char **s = *p; *s; s++)
                        free(*s);
        free(*p);
}
