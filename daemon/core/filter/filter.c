/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <complex.h>
#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter/filter-private.h"
#include "core/filter/filter.h"
#include "util/macro.h"

/* Kernels may load the state and the sections with aligned vector loads. */
#define FILTER_ALIGN 64

static_assert(FILTER_KDATA_SIZE % FILTER_ALIGN == 0, "kernel data keeps the alignment");

struct Filter {
        alignas(FILTER_ALIGN) double state[FILTER_MAX_SECTIONS][3][2];
        alignas(FILTER_ALIGN) Biquad sections[FILTER_MAX_SECTIONS];
        size_t n_sections;
        unsigned order;
        double cutoff_hz;
        double rate_hz;
        const FilterKernel *kernel;
        /* Kernel data (filter-private.h): whose it is, and whether it holds
         * the live state, in which case state[] is stale. */
        void *kdata;
        const FilterKernel *kdata_owner;
        bool kdata_live;
};

/*
 * Scale the numerator so that H(z = 1) is exactly 1 up to rounding. The
 * bilinear transform of a unit-DC-gain analog section already has unit DC
 * gain in exact arithmetic; this removes the rounding of the design, so a
 * long cascade does not drift away from the input level.
 */
static void biquad_normalise_dc(Biquad *q)
{
        double g = (q->b0 + q->b1 + q->b2) / (1.0 + q->a1 + q->a2);

        q->b0 /= g;
        q->b1 /= g;
        q->b2 /= g;
}

/*
 * The analog prototype (cut-off 1 rad/s) has its N poles evenly spaced on the
 * left half of the unit circle, p_k = -sin(θ_k) + j·cos(θ_k) with
 * θ_k = (2k + 1)π / 2N. A conjugate pair gives the section
 * 1 / (s² + 2·sin(θ_k)·s + 1), the real pole (odd N, θ = π/2) gives 1 / (s + 1).
 *
 * Scaling the prototype to the pre-warped cut-off and applying the bilinear
 * transform s = 2·fs·(1 - z⁻¹)/(1 + z⁻¹) folds into one constant,
 * K = tan(π·fc/fs), so the digital -3 dB point lands exactly on fc:
 *
 *   second order: K²(1 + z⁻¹)² / ((1 - z⁻¹)² + 2σK(1 - z⁻¹)(1 + z⁻¹) + K²(1 + z⁻¹)²)
 *   first order:  K(1 + z⁻¹) / ((1 - z⁻¹) + K(1 + z⁻¹))
 *
 * with σ = sin(θ_k) = -Re(p_k).
 */
static void butterworth_design(Biquad *sections, size_t *n_ret, unsigned order, double cutoff_hz,
                               double rate_hz)
{
        double K = tan(M_PI * cutoff_hz / rate_hz);
        double K2 = K * K;
        size_t n = 0;

        /* The first-order section first, then the pairs by rising Q: the
         * peaky sections come last, so intermediate signals stay small. */
        if (order % 2 == 1) {
                double a0 = 1.0 + K;

                sections[n++] = (Biquad){
                        .b0 = K / a0,
                        .b1 = K / a0,
                        .b2 = 0.0,
                        .a1 = (K - 1.0) / a0,
                        .a2 = 0.0,
                };
        }

        for (unsigned k = order / 2; k-- > 0;) {
                double complex pole = cexp(I * M_PI * (2.0 * k + 1.0 + order) / (2.0 * order));
                double sigma = -creal(pole);
                double a0 = 1.0 + 2.0 * sigma * K + K2;

                sections[n++] = (Biquad){
                        .b0 = K2 / a0,
                        .b1 = 2.0 * K2 / a0,
                        .b2 = K2 / a0,
                        .a1 = 2.0 * (K2 - 1.0) / a0,
                        .a2 = (1.0 - 2.0 * sigma * K + K2) / a0,
                };
        }

        for (size_t i = 0; i < n; i++)
                biquad_normalise_dc(&sections[i]);

        *n_ret = n;
}

/**
 * filter_new() - design a Butterworth low-pass.
 * @ret: where the new filter is stored.
 * @order: 1..FILTER_MAX_ORDER.
 * @cutoff_hz: -3 dB frequency, > 0 and < rate_hz / 2.
 * @rate_hz: sample rate, > 0.
 *
 * The filter starts with zero state and the scalar kernel.
 *
 * Return: 0, -EINVAL for parameters out of range or not finite, -ENOMEM.
 */
int filter_new(Filter **ret, unsigned order, double cutoff_hz, double rate_hz)
{
        _cleanup_(filter_freep) Filter *f = NULL;

        assert(ret);

        if (order < 1 || order > FILTER_MAX_ORDER)
                return -EINVAL;
        if (!isfinite(cutoff_hz) || !isfinite(rate_hz))
                return -EINVAL;
        if (rate_hz <= 0.0 || cutoff_hz <= 0.0 || cutoff_hz >= rate_hz / 2.0)
                return -EINVAL;

        /* sizeof(Filter) is a multiple of its alignment, as aligned_alloc() wants;
         * the kernel data follows, as untyped memory for the kernels' own types. */
        f = aligned_alloc(alignof(Filter), sizeof(Filter) + FILTER_KDATA_SIZE);
        if (!f)
                return -ENOMEM;
        memset(f, 0, sizeof(*f));
        f->kdata = (unsigned char *) f + sizeof(Filter);

        f->order = order;
        f->cutoff_hz = cutoff_hz;
        f->rate_hz = rate_hz;
        f->kernel = &filter_kernel_scalar;
        butterworth_design(f->sections, &f->n_sections, order, cutoff_hz, rate_hz);

        *ret = TAKE_PTR(f);
        return 0;
}

/**
 * filter_free() - free a filter.
 * @f: the filter, or NULL.
 *
 * Return: NULL.
 */
Filter *filter_free(Filter *f)
{
        free(f);
        return NULL;
}

/* Bring state[] up to date from a kernel's own state; state[] rules afterwards. */
static void filter_sync(Filter *f)
{
        if (!f->kdata_live)
                return;
        f->kdata_owner->sync(f);
        f->kdata_live = false;
}

/**
 * filter_kdata_acquire() - the kernel data, now owned by @k with a live state.
 * @f: the filter.
 * @k: the kernel asking; it must have a sync function.
 * @ret_todo: receives FILTER_KDATA_SETUP if the data was not @k's,
 *            FILTER_KDATA_IMPORT if filter_state() holds the live state.
 *
 * Return: the kernel data, FILTER_KDATA_SIZE bytes, 64-byte aligned.
 */
void *filter_kdata_acquire(Filter *f, const FilterKernel *k, unsigned *ret_todo)
{
        unsigned todo = 0;

        assert(f);
        assert(k && k->sync);
        assert(ret_todo);

        /* filter_process() synced another kernel's live state already. */
        assert(!f->kdata_live || f->kdata_owner == k);

        if (f->kdata_owner != k)
                todo |= FILTER_KDATA_SETUP;
        if (!f->kdata_live)
                todo |= FILTER_KDATA_IMPORT;
        f->kdata_owner = k;
        f->kdata_live = true;

        *ret_todo = todo;
        return f->kdata;
}

/**
 * filter_state_direct() - filter_state() without syncing, for kernels.
 * @f: the filter.
 *
 * Return: the transposed-direct-form-II state, as it is.
 */
double *filter_state_direct(Filter *f)
{
        assert(f);

        return &f->state[0][0][0];
}

/**
 * filter_kdata() - the kernel data.
 * @f: the filter.
 *
 * Return: the kernel data, as the last kernel to acquire it left it.
 */
void *filter_kdata(Filter *f)
{
        assert(f);

        return f->kdata;
}

/**
 * filter_set_kernel() - use @k for all later calls.
 * @f: the filter.
 * @k: the kernel; it uses the same state, so the signal carries on seamlessly.
 */
void filter_set_kernel(Filter *f, const FilterKernel *k)
{
        assert(f);
        assert(k);
        assert(k->process);

        f->kernel = k;
}

/**
 * filter_kernel() - the kernel in use.
 * @f: the filter.
 *
 * Return: the kernel set last, the scalar one by default.
 */
const FilterKernel *filter_kernel(const Filter *f)
{
        assert(f);

        return f->kernel;
}

/**
 * filter_reset() - set the state to the steady state for a constant input.
 * @f: the filter.
 * @v: the input level per axis, or NULL for zero.
 *
 * Every section has unit DC gain, so each one sees @v at its input and
 * output; its transposed-direct-form-II state for x = y = v follows from
 * y = b0·x + s1, s1 = b1·x - a1·y + s2, s2 = b2·x - a2·y. The first output
 * is then @v, without the transient that a zero state would give.
 */
void filter_reset(Filter *f, const double v[3])
{
        assert(f);

        /* The kernel data keeps its coefficients, but its state is history. */
        f->kdata_live = false;

        for (size_t s = 0; s < f->n_sections; s++) {
                const Biquad *q = &f->sections[s];

                for (size_t a = 0; a < 3; a++) {
                        double x = v ? v[a] : 0.0;
                        double s2 = (q->b2 - q->a2) * x;

                        f->state[s][a][0] = (q->b1 - q->a1) * x + s2;
                        f->state[s][a][1] = s2;
                }
        }
}

/**
 * filter_process() - run the current kernel.
 * @f: the filter.
 * @in: @n frames.
 * @out: room for @n frames; may be @in.
 * @n: how many frames.
 *
 * See FilterKernel.process.
 */
void filter_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        assert(f);
        assert((in && out) || n == 0);

        if (n == 0)
                return;

        if (f->kdata_live && f->kdata_owner != f->kernel)
                filter_sync(f);
        f->kernel->process(f, in, out, n);
}

/**
 * filter_process_raw_s16() - filter raw interleaved int16 x, y, z samples.
 * @f: the filter.
 * @xyz: 3 * @n samples; frame i is xyz[3i], xyz[3i + 1], xyz[3i + 2].
 * @n: how many frames.
 * @scale: multiplies every sample, converted to float, to give m/s².
 * @t: @n time stamps for the frames, or NULL for 0.
 * @out: room for @n frames; they get no flags.
 *
 * The same as filling @out with (float) xyz[3i + axis] * @scale and calling
 * filter_process(f, out, out, n), bit for bit; kernels with a process_s16 do
 * both in one pass.
 *
 * Return: 0, or -EINVAL if @scale is not finite.
 */
int filter_process_raw_s16(Filter *f, const int16_t *xyz, size_t n, float scale, const int64_t *t,
                           Frame *out)
{
        assert(f);
        assert((xyz && out) || n == 0);

        if (!isfinite(scale))
                return -EINVAL;
        if (n == 0)
                return 0;

        if (f->kdata_live && f->kdata_owner != f->kernel)
                filter_sync(f);

        if (f->kernel->process_s16) {
                f->kernel->process_s16(f, xyz, scale, t, out, n);
                return 0;
        }

        for (size_t i = 0; i < n; i++)
                out[i] = (Frame){
                        .t_ns = t ? t[i] : 0,
                        .v = { (float) xyz[3 * i] * scale, (float) xyz[3 * i + 1] * scale,
                               (float) xyz[3 * i + 2] * scale },
                };
        f->kernel->process(f, out, out, n);
        return 0;
}

/**
 * filter_process_many() - run several filters over their own streams.
 * @filters: @n_filters filters, e.g. one per sensor of a device.
 * @in: @n_filters streams of @n frames.
 * @out: @n_filters buffers of @n frames; out[j] may be in[j].
 * @n_filters: how many streams.
 * @n: how many frames each.
 *
 * Each stream is filtered as filter_process(filters[j], in[j], out[j], n)
 * would, in one pass over each stream: streams are independent, so the
 * kernels run at full speed on each, and memory is read and written once.
 */
void filter_process_many(Filter *const *filters, const Frame *const *in, Frame *const *out,
                         size_t n_filters, size_t n)
{
        assert((filters && in && out) || n_filters == 0);

        for (size_t j = 0; j < n_filters; j++)
                filter_process(filters[j], in[j], out[j], n);
}

/**
 * filter_sections() - the designed sections.
 * @f: the filter.
 * @n_ret: receives the number of sections, (order + 1) / 2.
 *
 * An odd order has its first-order section first, stored with b2 = a2 = 0.
 *
 * Return: the sections, owned by @f.
 */
const Biquad *filter_sections(const Filter *f, size_t *n_ret)
{
        assert(f);
        assert(n_ret);

        *n_ret = f->n_sections;
        return f->sections;
}

/**
 * filter_response() - magnitude of the designed cascade.
 * @f: the filter.
 * @freq_hz: the frequency, in Hz.
 *
 * Evaluates the sections' transfer functions on the unit circle, at
 * z = e^(j·2π·freq_hz/rate_hz).
 *
 * Return: |H(e^jω)|, 1 at 0 Hz, 1/√2 at the cut-off.
 */
double filter_response(const Filter *f, double freq_hz)
{
        double complex z1, z2, h = 1.0;

        assert(f);

        z1 = cexp(-I * 2.0 * M_PI * freq_hz / f->rate_hz);
        z2 = z1 * z1;

        for (size_t s = 0; s < f->n_sections; s++) {
                const Biquad *q = &f->sections[s];

                h *= (q->b0 + q->b1 * z1 + q->b2 * z2) / (1.0 + q->a1 * z1 + q->a2 * z2);
        }

        return cabs(h);
}

/**
 * filter_state() - the kernels' state.
 * @f: the filter.
 *
 * Direct-form-II-transposed state, two doubles per axis and section, laid out
 * state[section][axis][2], FILTER_MAX_SECTIONS sections, 64-byte aligned.
 * A kernel with a state of its own (filter-private.h) writes it back first,
 * and takes it up again from here on its next call.
 *
 * Return: the state, owned by @f.
 */
double *filter_state(Filter *f)
{
        assert(f);

        /* The caller may read or write it: make it the live state. */
        filter_sync(f);
        return &f->state[0][0][0];
}

/*
 * The reference: double precision throughout, one frame at a time through the
 * whole cascade, so no intermediate result is rounded to float. Reading the
 * whole input frame before writing makes in == out safe.
 */
static void scalar_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        size_t n_sections = f->n_sections;
        double(*st)[3][2] = f->state;
        const Biquad *q = f->sections;

        for (size_t i = 0; i < n; i++) {
                int64_t t_ns = in[i].t_ns;
                uint32_t flags = in[i].flags;
                double x[3] = { in[i].v[0], in[i].v[1], in[i].v[2] };

                for (size_t s = 0; s < n_sections; s++) {
                        for (size_t a = 0; a < 3; a++) {
                                double y = q[s].b0 * x[a] + st[s][a][0];

                                st[s][a][0] = q[s].b1 * x[a] - q[s].a1 * y + st[s][a][1];
                                st[s][a][1] = q[s].b2 * x[a] - q[s].a2 * y;
                                x[a] = y;
                        }
                }

                out[i].t_ns = t_ns;
                out[i].flags = flags;
                out[i].v[0] = (float) x[0];
                out[i].v[1] = (float) x[1];
                out[i].v[2] = (float) x[2];
        }
}

const FilterKernel filter_kernel_scalar = {
        .name = "scalar",
        .process = scalar_process,
};
