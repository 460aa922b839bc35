/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "frame.h"

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
 */
typedef struct FilterKernel {
        const char *name;
        void (*process)(Filter *f, const Frame *in, Frame *out, size_t n);
} FilterKernel;

/** filter_kernel_scalar - the double-precision reference kernel. */
extern const FilterKernel filter_kernel_scalar;

/**
 * filter_new() - design a Butterworth low-pass.
 * @order: 1..FILTER_MAX_ORDER.
 * @cutoff_hz: -3 dB frequency, > 0 and < rate_hz / 2.
 * @rate_hz: sample rate, > 0.
 *
 * Return: 0, -EINVAL for parameters out of range, -ENOMEM.
 */
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

/**
 * filter_reset() - set the state to the steady state for a constant input
 * @v (so the output starts at @v without a transient); NULL means zero.
 */
void filter_reset(Filter *f, const double v[3]);

/** filter_process() - run the current kernel; see FilterKernel.process. */
void filter_process(Filter *f, const Frame *in, Frame *out, size_t n);

/** filter_sections() - the designed sections; *n_ret gets their count. */
const Biquad *filter_sections(const Filter *f, size_t *n_ret);

/** filter_response() - magnitude |H(e^jw)| of the designed cascade at @freq_hz. */
double filter_response(const Filter *f, double freq_hz);

/**
 * filter_state() - per-section direct-form-II-transposed state, two doubles
 * per axis and section, laid out state[section][axis][2]. For kernels.
 */
double *filter_state(Filter *f);
