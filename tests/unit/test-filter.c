/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "core/filter/filter.h"

typedef struct Design {
        unsigned order;
        double fc, fs;
} Design;

/* Orders 1..8, both parities, cut-offs from 1% to 40% of the sample rate. */
static const Design designs[] = {
        { 4, 2.0, 100.0 }, { 2, 5.0, 50.0 }, { 3, 1.0, 25.0 },   { 1, 10.0, 100.0 },
        { 5, 0.5, 50.0 },  { 6, 3.0, 30.0 }, { 7, 40.0, 200.0 }, { 8, 2.0, 100.0 },
};

static Filter *new_filter(const Design *d)
{
        Filter *f = NULL;

        assert_int_equal(filter_new(&f, d->order, d->fc, d->fs), 0);
        assert_non_null(f);
        return f;
}

/* Feed x(t) = sin(2π·freq·t) on all three axes (phase-shifted per axis) and
 * return the output amplitude of axis @axis, fitted by least squares to
 * A·sin + B·cos over whole periods once the transient has died away. */
static double measure_gain(const Design *d, double freq, unsigned axis)
{
        _cleanup_(filter_freep) Filter *f = new_filter(d);
        double w = 2.0 * M_PI * freq / d->fs;
        /* The slowest pole decays at least as fast as e^(-t·2π·fc·sin(π/2N)):
         * wait for 12 such time constants. */
        size_t settle = (size_t) (12.0 * d->fs / (2.0 * M_PI * d->fc * sin(M_PI / (2 * d->order))));
        size_t window = (size_t) ceil(40.0 * d->fs / freq);
        double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0, a, b, det;

        for (size_t i = 0; i < settle + window; i++) {
                Frame fr = { .t_ns = (int64_t) i };

                for (unsigned k = 0; k < 3; k++)
                        fr.v[k] = (float) sin(w * (double) i + k);
                filter_process(f, &fr, &fr, 1);

                if (i >= settle) {
                        double s = sin(w * (double) i + axis), c = cos(w * (double) i + axis);

                        ss += s * s;
                        cc += c * c;
                        sc += s * c;
                        ys += fr.v[axis] * s;
                        yc += fr.v[axis] * c;
                }
        }

        det = ss * cc - sc * sc;
        a = (ys * cc - yc * sc) / det;
        b = (yc * ss - ys * sc) / det;
        return hypot(a, b);
}

static void test_invalid_params(void **state)
{
        static const Design bad[] = {
                { 0, 2.0, 100.0 },    { 9, 2.0, 100.0 },       { 100, 2.0, 100.0 },
                { 4, 0.0, 100.0 },    { 4, -1.0, 100.0 },      { 4, 50.0, 100.0 },
                { 4, 60.0, 100.0 },   { 4, 2.0, 0.0 },         { 4, 2.0, -100.0 },
                { 4, NAN, 100.0 },    { 4, 2.0, NAN },         { 4, INFINITY, 100.0 },
                { 4, 2.0, INFINITY }, { 4, -INFINITY, 100.0 }, { 4, 1e-3, -INFINITY },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Filter *f = NULL;

                assert_int_equal(filter_new(&f, bad[i].order, bad[i].fc, bad[i].fs), -EINVAL);
                assert_null(f);
        }

        assert_null(filter_free(NULL));
}

static void test_design(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(designs); i++) {
                _cleanup_(filter_freep) Filter *f = new_filter(&designs[i]);
                const Biquad *q;
                size_t n;

                q = filter_sections(f, &n);
                assert_int_equal(n, (designs[i].order + 1) / 2);
                assert_string_equal(filter_kernel(f)->name, "scalar");
                assert_ptr_equal(filter_kernel(f), &filter_kernel_scalar);

                for (size_t s = 0; s < n; s++) {
                        /* Every section has unit DC gain on its own. */
                        double dc = (q[s].b0 + q[s].b1 + q[s].b2) / (1.0 + q[s].a1 + q[s].a2);

                        assert_near(dc, 1.0, 1e-12);
                        /* Stable: both poles inside the unit circle (|a2| < 1,
                         * |a1| < 1 + a2). */
                        assert_true(fabs(q[s].a2) < 1.0);
                        assert_true(fabs(q[s].a1) < 1.0 + q[s].a2);
                        /* Only the first section of an odd order is first-order. */
                        if (designs[i].order % 2 == 1 && s == 0) {
                                assert_true(q[s].b2 == 0.0 && q[s].a2 == 0.0);
                        } else {
                                assert_true(q[s].a2 != 0.0);
                                /* Low-pass numerator (1 + z^-1)^2: zeros at Nyquist. */
                                assert_true(fabs(q[s].b1 - 2.0 * q[s].b0) < 1e-15);
                                assert_true(fabs(q[s].b2 - q[s].b0) < 1e-15);
                        }
                }
        }
}

/* The bilinear transform of a Butterworth with a pre-warped cut-off has the
 * closed-form magnitude 1/sqrt(1 + (tan(πf/fs)/tan(πfc/fs))^2N). */
static void test_response(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(designs); i++) {
                const Design *d = &designs[i];
                _cleanup_(filter_freep) Filter *f = new_filter(d);

                assert_near(filter_response(f, 0.0), 1.0, 1e-12);
                assert_near(filter_response(f, d->fc), M_SQRT1_2, 1e-12);
                assert_true(filter_response(f, d->fs / 2.0) < 1e-12);

                for (double r = 0.01; r < 0.5; r += 0.0137) {
                        double freq = r * d->fs;
                        double x = tan(M_PI * freq / d->fs) / tan(M_PI * d->fc / d->fs);
                        double want = 1.0 / sqrt(1.0 + pow(x, 2.0 * d->order));

                        assert_near(filter_response(f, freq), want, 1e-10);
                }
        }
}

static void test_dc_gain(void **state)
{
        static const double level[3] = { 0.25, STANDARD_GRAVITY, -3.5 };

        for (size_t i = 0; i < ELEMENTSOF(designs); i++) {
                _cleanup_(filter_freep) Filter *f = new_filter(&designs[i]);
                Frame fr;

                /* From rest, a constant input ends up at its own level. */
                for (size_t n = 0; n < 20000; n++) {
                        fr = (Frame){ .v = { level[0], level[1], level[2] } };
                        filter_process(f, &fr, &fr, 1);
                }
                for (unsigned k = 0; k < 3; k++)
                        assert_near(fr.v[k], level[k], 1e-5);
        }
}

/* Sweep each design for the frequency at which the measured output amplitude
 * falls to 1/√2, by bisection, and check it against the cut-off. */
static void test_cutoff_measured(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(designs); i++) {
                const Design *d = &designs[i];
                _cleanup_(filter_freep) Filter *f = new_filter(d);
                double lo = 0.7 * d->fc, hi = MIN(1.3 * d->fc, 0.49 * d->fs);
                double g;

                /* The measurement agrees with the analytic response ... */
                g = measure_gain(d, d->fc, 1);
                assert_near(g, M_SQRT1_2, 2e-4);
                g = measure_gain(d, 0.5 * d->fc, 0);
                assert_near(g, filter_response(f, 0.5 * d->fc), 2e-4);

                /* ... and the -3 dB point lies where it was asked for. */
                assert_true(measure_gain(d, lo, 2) > M_SQRT1_2);
                assert_true(measure_gain(d, hi, 2) < M_SQRT1_2);
                for (int it = 0; it < 20; it++) {
                        double mid = 0.5 * (lo + hi);

                        if (measure_gain(d, mid, 2) > M_SQRT1_2)
                                lo = mid;
                        else
                                hi = mid;
                }
                print_message("order %u, fs %g Hz: -3 dB at %.4f Hz for a cut-off of %g Hz\n",
                              d->order, d->fs, 0.5 * (lo + hi), d->fc);
                assert_near(0.5 * (lo + hi), d->fc, 0.02 * d->fc);
        }
}

/* Step response of the analog Butterworth prototype (cut-off 1 rad/s):
 * overshoot in percent and time to stay within 1% of the final value, in s. */
static const struct {
        double overshoot_pct, settle_s;
} analog_step[FILTER_MAX_ORDER + 1] = {
        [1] = { 0.0, 4.605 },     [2] = { 4.321, 6.586 },   [3] = { 8.147, 9.420 },
        [4] = { 10.830, 10.423 }, [5] = { 12.777, 13.864 }, [6] = { 14.251, 16.989 },
        [7] = { 15.409, 18.396 }, [8] = { 16.344, 21.772 },
};

static void test_step_response(void **state)
{
        /* fc/fs = 1/50: close enough to the analog prototype to compare. */
        for (unsigned order = 1; order <= FILTER_MAX_ORDER; order++) {
                const Design d = { order, 2.0, 100.0 };
                _cleanup_(filter_freep) Filter *f = new_filter(&d);
                double peak = 0.0, expect;
                size_t last_out = 0, n = 2000, n_sections;
                const Biquad *q = filter_sections(f, &n_sections);
                double first = 1.0;

                /* From rest, the first output of a unit step is what passes
                 * straight through every section. */
                for (size_t s = 0; s < n_sections; s++)
                        first *= q[s].b0;

                for (size_t i = 0; i < n; i++) {
                        Frame fr = { .v = { 1.0f, 1.0f, 1.0f } };

                        filter_process(f, &fr, &fr, 1);
                        if (i == 0)
                                assert_near(fr.v[0], first, 1e-7);
                        assert_true(fr.v[0] == fr.v[1] && fr.v[1] == fr.v[2]);
                        peak = MAX(peak, (double) fr.v[0]);
                        if (fabs(fr.v[0] - 1.0) > 0.01)
                                last_out = i;
                }

                /* Settling within 10% of the analog time. */
                expect = analog_step[order].settle_s * d.fs / (2.0 * M_PI * d.fc);
                print_message(
                        "order %u: overshoot %.3f%%, settles after %zu samples (analog %.1f)\n",
                        order, (peak - 1.0) * 100.0, last_out + 1, expect);
                assert_true((double) (last_out + 1) < 1.1 * expect + 2.0);
                assert_true((double) (last_out + 1) > 0.9 * expect - 2.0);

                /* Overshoot as the Butterworth prototype's. */
                assert_near((peak - 1.0) * 100.0, analog_step[order].overshoot_pct, 0.3);
        }
}

static void run_batched(Filter *f, const Frame *in, Frame *out, size_t n, uint64_t seed)
{
        for (size_t i = 0; i < n;) {
                size_t k;

                seed = seed * 6364136223846793005u + 1442695040888963407u;
                k = MIN((size_t) (seed >> 59), n - i); /* 0..31, zero included */
                filter_process(f, in + i, out + i, k);
                i += k;
        }
}

static Frame *new_frames(size_t n)
{
        Frame *frames = calloc(n, sizeof(Frame));

        assert_non_null(frames);
        return frames;
}

static Frame *make_signal(size_t n)
{
        Frame *in = new_frames(n);

        for (size_t i = 0; i < n; i++)
                in[i] = (Frame){
                        .t_ns = (int64_t) i * 10 * NSEC_PER_MSEC,
                        .v = { (float) sin(0.05 * i) + (float) (i % 17) * 0.1f,
                               9.81f + (float) cos(0.31 * i), (float) ((i / 100) % 2) * 4.0f },
                        .flags = (i % 333 == 0) ? FRAME_AFTER_GAP : 0,
                };
        return in;
}

static void run_in_place(Filter *f, const Frame *in, Frame *out, size_t n, uint64_t seed)
{
        memcpy(out, in, n * sizeof(Frame));
        filter_process(f, out, out, n);
}

/* For every design, @run on one filter gives the output and the state of one
 * filter_process() call over the whole signal on another. */
static void assert_as_one_call(size_t n, void (*run)(Filter *f, const Frame *in, Frame *out,
                                                     size_t n, uint64_t seed))
{
        _cleanup_(freep) Frame *in = make_signal(n);
        _cleanup_(freep) Frame *one = new_frames(n);
        _cleanup_(freep) Frame *other = new_frames(n);

        for (size_t i = 0; i < ELEMENTSOF(designs); i++) {
                _cleanup_(filter_freep) Filter *a = new_filter(&designs[i]);
                _cleanup_(filter_freep) Filter *b = new_filter(&designs[i]);

                filter_process(a, in, one, n);
                run(b, in, other, n, i + 1);
                assert_memory_equal(one, other, n * sizeof(Frame));

                /* Time stamps and flags pass through; the signal changed. */
                for (size_t j = 0; j < n; j++) {
                        assert_int_equal(one[j].t_ns, in[j].t_ns);
                        assert_int_equal(one[j].flags, in[j].flags);
                }
                assert_true(one[n / 2].v[0] != in[n / 2].v[0]);

                /* The state, too, ends up the same. */
                assert_memory_equal(filter_state(a), filter_state(b),
                                    FILTER_MAX_SECTIONS * 3 * 2 * sizeof(double));
        }
}

static void test_batches(void **state)
{
        assert_as_one_call(5000, run_batched);
}

static void test_in_place(void **state)
{
        assert_as_one_call(3000, run_in_place);
}

static void test_reset(void **state)
{
        static const double level[3] = { 0.3, STANDARD_GRAVITY, -2.75 };
        const size_t n = 1000;
        _cleanup_(freep) Frame *in = make_signal(n);
        _cleanup_(freep) Frame *fresh = new_frames(n);
        _cleanup_(freep) Frame *again = new_frames(n);

        for (size_t i = 0; i < ELEMENTSOF(designs); i++) {
                _cleanup_(filter_freep) Filter *f = new_filter(&designs[i]);

                /* Mid-signal reset to a level: the output is that level from
                 * the first frame on, with no transient at all. */
                filter_process(f, in, fresh, n);
                filter_reset(f, level);
                for (size_t j = 0; j < 500; j++) {
                        Frame fr = { .v = { level[0], level[1], level[2] } };

                        filter_process(f, &fr, &fr, 1);
                        for (unsigned k = 0; k < 3; k++)
                                assert_near(fr.v[k], (float) level[k], 2e-6);
                }

                /* Reset to zero is as good as new. */
                filter_reset(f, NULL);
                for (size_t j = 0; j < FILTER_MAX_SECTIONS * 3 * 2; j++)
                        assert_true(filter_state(f)[j] == 0.0);
                filter_process(f, in, again, n);
                assert_memory_equal(fresh, again, n * sizeof(Frame));
        }
}

/* A kernel that counts its calls and then defers to the scalar one. */
static unsigned counting_calls;

static void counting_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        counting_calls++;
        filter_kernel_scalar.process(f, in, out, n);
}

static const FilterKernel counting_kernel = {
        .name = "counting",
        .process = counting_process,
};

static void test_kernel_switch(void **state)
{
        const size_t n = 2000;
        _cleanup_(freep) Frame *in = make_signal(n);
        _cleanup_(freep) Frame *a_out = new_frames(n);
        _cleanup_(freep) Frame *b_out = new_frames(n);
        _cleanup_(filter_freep) Filter *a = new_filter(&designs[0]);
        _cleanup_(filter_freep) Filter *b = new_filter(&designs[0]);

        /* Switching kernels mid-stream keeps the state. */
        filter_process(a, in, a_out, n);
        filter_process(b, in, b_out, n / 2);
        filter_set_kernel(b, &counting_kernel);
        assert_string_equal(filter_kernel(b)->name, "counting");
        filter_process(b, in + n / 2, b_out + n / 2, n - n / 2);
        assert_int_equal(counting_calls, 1);
        filter_process(b, in, b_out, 0);
        assert_int_equal(counting_calls, 1);
        assert_memory_equal(a_out, b_out, n * sizeof(Frame));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_invalid_params),  cmocka_unit_test(test_design),
                cmocka_unit_test(test_response),        cmocka_unit_test(test_dc_gain),
                cmocka_unit_test(test_cutoff_measured), cmocka_unit_test(test_step_response),
                cmocka_unit_test(test_batches),         cmocka_unit_test(test_in_place),
                cmocka_unit_test(test_reset),           cmocka_unit_test(test_kernel_switch),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
