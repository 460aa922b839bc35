/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/frame.h"

/*
 * Butterworth low-pass over the three axes of a Frame stream, as a cascade of
 * second-order sections (plus one first-order section for an odd order),
 * designed in double precision with the bilinear transform and cut-off
 * pre-warping. The arithmetic lives behind a FilterKernel, so SIMD kernels can
 * replace the scalar one without touching callers.
 */

#define FILTER_MAX_ORDER    8
#define FILTER_MAX_SECTIONS ((FILTER_MAX_ORDER + 1) / 2)

/** struct Biquad - one section: y = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2). */
typedef struct Biquad {
        double b0, b1, b2, a1, a2;
} Biquad;

typedef struct Filter Filter;

/**
 * struct FilterKernel - the pluggable arithmetic of a filter.
 * @name: shown in logs and `posturectl status` ("scalar", "sse2", ...).
 * @process: filter @n frames from @in to @out (in == out allowed), carrying
 *           the state across calls; only v[] changes, t_ns and flags are copied.
 *           The output never depends on how a stream is cut into calls.
 * @process_s16: optional; filter @n raw samples, xyz[3i + axis] * @scale, into
 *           @out, with t_ns from @t (0 when @t is NULL) and no flags. NULL means
 *           filter_process_raw_s16() converts first, then calls @process.
 * @sync: optional; for a kernel that keeps its state in a form of its own
 *           (see filter-private.h): write it back into filter_state().
 */
typedef struct FilterKernel {
        const char *name;
        void (*process)(Filter *f, const Frame *in, Frame *out, size_t n);
        void (*process_s16)(Filter *f, const int16_t *xyz, float scale, const int64_t *t,
                            Frame *out, size_t n);
        void (*sync)(Filter *f);
} FilterKernel;

/** filter_kernel_scalar - the double-precision reference kernel. */
extern const FilterKernel filter_kernel_scalar;

#if defined(__x86_64__)
/** filter_kernel_sse2 - float state-variable sections, lanes {x, y, z, pad}; x86-64 baseline. */
extern const FilterKernel filter_kernel_sse2;
/** filter_kernel_avx2 - double transposed-direct-form-II state with FMA, lanes {x, y, z, pad}. */
extern const FilterKernel filter_kernel_avx2;
#endif
#if defined(__aarch64__)
/** filter_kernel_neon - the sse2 kernel's float state-variable sections on NEON. */
extern const FilterKernel filter_kernel_neon;
#endif

/** filter_new() - design a Butterworth low-pass. */
int filter_new(Filter **ret, unsigned order, double cutoff_hz, double rate_hz);

/** filter_free() - accepts NULL; returns NULL. */
Filter *filter_free(Filter *f);

static inline void filter_freep(Filter **f)
{
        filter_free(*f);
}

/** filter_set_kernel() - use @k for all later calls (state is kept). */
void filter_set_kernel(Filter *f, const FilterKernel *k);

/** filter_kernel() - the kernel in use. */
const FilterKernel *filter_kernel(const Filter *f);

/** filter_reset() - set the state to the steady state for a constant input. */
void filter_reset(Filter *f, const double v[3]);

/** filter_process() - run the current kernel; see FilterKernel.process. */
void filter_process(Filter *f, const Frame *in, Frame *out, size_t n);

/** filter_sections() - the designed sections; *n_ret gets their count. */
const Biquad *filter_sections(const Filter *f, size_t *n_ret);

/** filter_response() - magnitude |H(e^jw)| of the designed cascade at @freq_hz. */
double filter_response(const Filter *f, double freq_hz);

/** filter_state() - the kernels' state. */
double *filter_state(Filter *f);

/** filter_process_raw_s16() - filter raw interleaved int16 x, y, z samples. */
int filter_process_raw_s16(Filter *f, const int16_t *xyz, size_t n, float scale, const int64_t *t,
                           Frame *out);

/** filter_process_many() - run several filters over their own streams. */
void filter_process_many(Filter *const *filters, const Frame *const *in, Frame *const *out,
                         size_t n_filters, size_t n);

/** filter_kernel_list() - every kernel built in, NULL-terminated, supported here or not. */
const FilterKernel *const *filter_kernel_list(void);

/** filter_kernel_by_name() - a built-in kernel, or NULL. */
const FilterKernel *filter_kernel_by_name(const char *name);

/* Room for filter_kernel_names(). */
#define FILTER_KERNEL_NAMES_SIZE 64

/** filter_kernel_names() - the known kernel names, ", "-separated, into @buf. */
char *filter_kernel_names(char *buf, size_t size);

/** filter_kernel_supported() - whether this CPU can run @k. */
bool filter_kernel_supported(const FilterKernel *k);

/** filter_kernel_select() - the kernel to use, chosen once at start. */
int filter_kernel_select(const FilterKernel **ret, const char *override);
