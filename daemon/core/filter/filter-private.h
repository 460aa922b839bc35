/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a FilterKernel may use beyond filter.h. filter_state() holds the one
 * state every kernel understands (transposed direct form II, in double). A
 * kernel that computes in another form (float state-variable sections) keeps
 * its coefficients and its live state in the filter's kernel data instead,
 * and converts only when the owner of the state changes:
 *
 *   todo = 0;
 *   d = filter_kdata_acquire(f, &my_kernel, &todo);
 *   if (todo & FILTER_KDATA_SETUP)   derive the coefficients from filter_sections();
 *   if (todo & FILTER_KDATA_IMPORT)  convert filter_state_direct() into d;
 *   ... process, keeping the state in d ...
 *
 * and sets FilterKernel.sync to write d back into filter_state_direct(). filter.c
 * calls it before another kernel runs and before filter_state() is read, so
 * a stream carries on seamlessly across kernels, while one kernel's output
 * stays bit-identical however the stream is cut into calls.
 */

#include <assert.h>
#include <stddef.h>

#include "core/filter/filter.h"

/* The vector kernels read and write a frame's v[0..2] and flags as one 16 bytes. */
static_assert(offsetof(Frame, flags) == offsetof(Frame, v) + 3 * sizeof(float),
              "flags follows v[2]");

/* Room for the largest kernel data (SvfData), 64-byte aligned. */
#define FILTER_KDATA_SIZE 512

enum {
        FILTER_KDATA_SETUP = 1u << 0,  /* the data belonged to another kernel: set it up */
        FILTER_KDATA_IMPORT = 1u << 1, /* filter_state() is newer than the data: import it */
};

/** filter_kdata_acquire() - the kernel data, now owned by @k with a live state. */
void *filter_kdata_acquire(Filter *f, const FilterKernel *k, unsigned *ret_todo);

/** filter_kdata() - the kernel data, for FilterKernel.sync. */
void *filter_kdata(Filter *f);

/** filter_state_direct() - filter_state() without syncing, for kernels. */
double *filter_state_direct(Filter *f);

/*
 * fn(..., ns) with the number of sections @n_sections as the constant @ns:
 * a kernel's loop over the sections unrolls, and its state stays in registers.
 */
#define FILTER_RUN_SECTIONS(n_sections, fn, ...)              \
        do {                                                  \
                switch (n_sections) {                         \
                case 1:                                       \
                        fn(__VA_ARGS__, 1);                   \
                        break;                                \
                case 2:                                       \
                        fn(__VA_ARGS__, 2);                   \
                        break;                                \
                case 3:                                       \
                        fn(__VA_ARGS__, 3);                   \
                        break;                                \
                default:                                      \
                        fn(__VA_ARGS__, FILTER_MAX_SECTIONS); \
                        break;                                \
                }                                             \
        } while (0)
