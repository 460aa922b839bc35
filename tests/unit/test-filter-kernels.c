/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every filter kernel built in, against the double-precision reference: its
 * accuracy, that its output does not depend on how the stream is cut into
 * calls, the fused int16 entry, hand-overs between kernels, and the choice of
 * a kernel. A kernel this CPU cannot run is skipped, and says so.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/filter/filter.h"
#include "util/macro.h"

/* Max |y − y_ref| / max |y_ref| over a signal, y_ref the reference in double
 * before its rounding to float: float state up to fs/fc = 50, double state
 * up to fs/fc = 800. */
#define TOL_FLOAT_STATE  1e-5
#define TOL_DOUBLE_STATE 1e-7

#define SIGNAL_FRAMES 40000

typedef struct Design {
        unsigned order;
        double ratio; /* fs / fc */
} Design;

static const double ratios_float[] = { 2.5, 4.0, 10.0, 25.0, 50.0 };
static const double ratios_double[] = { 2.5, 4.0, 10.0, 50.0, 200.0, 800.0 };

static bool double_state(const char *name)
{
        return strcmp(name, "sse2") != 0 && strcmp(name, "neon") != 0;
}

/* The kernel under test, or a cmocka skip if this CPU cannot run it. */
static const FilterKernel *kernel_or_skip(void **state)
{
        const char *name = *state;
        const FilterKernel *k = filter_kernel_by_name(name);

        assert_non_null(k);
        if (!filter_kernel_supported(k)) {
                print_message("kernel %s: skipped, this CPU cannot run it\n", name);
                skip();
        }
        return k;
}

static Filter *new_filter(unsigned order, double ratio, const FilterKernel *k)
{
        Filter *f = NULL;

        assert_int_equal(filter_new(&f, order, 1.0, ratio), 0);
        filter_set_kernel(f, k);
        return f;
}

static uint64_t lcg(uint64_t *s)
{
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        return *s >> 11;
}

static double uniform(uint64_t *s)
{
        return (double) lcg(s) / (double) (UINT64_C(1) << 53) - 0.5;
}

/* Gravity-sized offsets, steps, sines around the cut-off and noise. */
static Frame *make_signal(size_t n, double ratio, uint64_t seed)
{
        static const double offset[3] = { 0.3, STANDARD_GRAVITY, -2.0 };
        Frame *in = calloc(n, sizeof(Frame));

        assert_non_null(in);
        for (size_t i = 0; i < n; i++) {
                in[i].t_ns = (int64_t) i * 10 * NSEC_PER_MSEC;
                in[i].flags = (uint32_t) (lcg(&seed) & 3);
                for (size_t a = 0; a < 3; a++) {
                        double w = 2.0 * M_PI / ratio * (0.5 + 0.5 * (double) a);
                        double step = ((i / 5000 + a) % 3) * 1.5;

                        in[i].v[a] = (float) (offset[a] + step + 0.8 * sin(w * (double) i) +
                                              0.4 * sin(0.013 * (double) i) + 0.5 * uniform(&seed));
                }
        }
        return in;
}

/* The reference's arithmetic, its outputs kept in double. */
static void reference(unsigned order, double ratio, const Frame *in, double (*y)[3], size_t n)
{
        _cleanup_(filter_freep) Filter *f = new_filter(order, ratio, &filter_kernel_scalar);
        double st[FILTER_MAX_SECTIONS][3][2] = {};
        size_t ns;
        const Biquad *q = filter_sections(f, &ns);

        for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < 3; a++) {
                        double x = in[i].v[a];

                        for (size_t s = 0; s < ns; s++) {
                                double v = q[s].b0 * x + st[s][a][0];

                                st[s][a][0] = q[s].b1 * x - q[s].a1 * v + st[s][a][1];
                                st[s][a][1] = q[s].b2 * x - q[s].a2 * v;
                                x = v;
                        }
                        y[i][a] = x;
                }
}

static void test_accuracy(void **state)
{
        const FilterKernel *k = kernel_or_skip(state);
        bool dbl = double_state(k->name);
        const double *ratios = dbl ? ratios_double : ratios_float;
        size_t n_ratios = dbl ? ELEMENTSOF(ratios_double) : ELEMENTSOF(ratios_float);
        double tol = dbl ? TOL_DOUBLE_STATE : TOL_FLOAT_STATE;
        _cleanup_(freep) double(*ref)[3] = calloc(SIGNAL_FRAMES, sizeof(*ref));
        _cleanup_(freep) Frame *out = calloc(SIGNAL_FRAMES, sizeof(Frame));

        assert_non_null(ref);
        assert_non_null(out);

        for (size_t r = 0; r < n_ratios; r++) {
                _cleanup_(freep) Frame *in = make_signal(SIGNAL_FRAMES, ratios[r], r + 1);
                double worst = 0.0;

                for (unsigned order = 1; order <= FILTER_MAX_ORDER; order++) {
                        _cleanup_(filter_freep) Filter *f = new_filter(order, ratios[r], k);
                        double max_ref = 0.0, max_err = 0.0, rel;

                        reference(order, ratios[r], in, ref, SIGNAL_FRAMES);
                        /* Batches as the pipeline hands them over. */
                        for (size_t i = 0; i < SIGNAL_FRAMES; i += 256)
                                filter_process(f, in + i, out + i, MIN(256, SIGNAL_FRAMES - i));

                        for (size_t i = 0; i < SIGNAL_FRAMES; i++)
                                for (size_t a = 0; a < 3; a++) {
                                        max_ref = MAX(max_ref, fabs(ref[i][a]));
                                        max_err = MAX(max_err, fabs(out[i].v[a] - ref[i][a]));
                                }
                        rel = max_err / max_ref;
                        if (!(rel <= tol))
                                print_error("%s: order %u, fs/fc %g: relative error %.3g > %.3g\n",
                                            k->name, order, ratios[r], rel, tol);
                        assert_true(rel <= tol);
                        worst = MAX(worst, rel);
                }
                print_message("%s: fs/fc %5g: max relative error %.2e (orders 1..%d)\n", k->name,
                              ratios[r], worst, FILTER_MAX_ORDER);
        }
}

/* Whole, then cut into the given batch sizes (cycled), then into random ones. */
static void test_batches(void **state)
{
        static const size_t sizes[][5] = {
                { 1, 1, 1, 1, 1 },
                { 3, 3, 3, 3, 3 },
                { 255, 255, 255, 255, 255 },
                { 256, 256, 256, 256, 256 },
                { 1000, 1000, 1000, 1000, 1000 },
                { 1, 3, 255, 256, 1000 },
                { 7, 0, 9, 1, 300 },
        };
        static const Design designs[] = { { 1, 10.0 }, { 4, 50.0 }, { 5, 4.0 }, { 8, 25.0 } };
        const size_t n = 6000;
        const FilterKernel *k = kernel_or_skip(state);
        _cleanup_(freep) Frame *whole = calloc(n, sizeof(Frame));
        _cleanup_(freep) Frame *cut = calloc(n, sizeof(Frame));

        assert_non_null(whole);
        assert_non_null(cut);

        for (size_t d = 0; d < ELEMENTSOF(designs); d++) {
                _cleanup_(freep) Frame *in = make_signal(n, designs[d].ratio, 7 + d);
                _cleanup_(filter_freep) Filter *a =
                        new_filter(designs[d].order, designs[d].ratio, k);

                filter_process(a, in, whole, n);
                for (size_t j = 0; j < n; j++) {
                        assert_int_equal(whole[j].t_ns, in[j].t_ns);
                        assert_int_equal(whole[j].flags, in[j].flags);
                }

                for (size_t c = 0; c <= ELEMENTSOF(sizes); c++) {
                        _cleanup_(filter_freep) Filter *b =
                                new_filter(designs[d].order, designs[d].ratio, k);
                        uint64_t seed = c + 1;

                        memset(cut, 0, n * sizeof(Frame));
                        for (size_t i = 0, j = 0; i < n; j++) {
                                size_t m =
                                        c < ELEMENTSOF(sizes) ? sizes[c][j % 5] : lcg(&seed) % 300;

                                m = MIN(m, n - i);
                                filter_process(b, in + i, cut + i, m);
                                i += m;
                        }
                        assert_memory_equal(whole, cut, n * sizeof(Frame));
                        /* The state they hand on is the same, too. */
                        assert_memory_equal(filter_state(a), filter_state(b),
                                            FILTER_MAX_SECTIONS * 3 * 2 * sizeof(double));
                }
        }
}

static void test_in_place(void **state)
{
        const size_t n = 3001;
        const FilterKernel *k = kernel_or_skip(state);
        _cleanup_(freep) Frame *in = make_signal(n, 20.0, 3);
        _cleanup_(freep) Frame *out = calloc(n, sizeof(Frame));
        _cleanup_(freep) Frame *buf = calloc(n, sizeof(Frame));
        _cleanup_(filter_freep) Filter *a = new_filter(6, 20.0, k);
        _cleanup_(filter_freep) Filter *b = new_filter(6, 20.0, k);

        assert_non_null(out);
        assert_non_null(buf);

        filter_process(a, in, out, n);
        memcpy(buf, in, n * sizeof(Frame));
        for (size_t i = 0; i < n; i += 13)
                filter_process(b, buf + i, buf + i, MIN(13, n - i));
        assert_memory_equal(out, buf, n * sizeof(Frame));
}

/* The fused int16 entry is conversion, then filter_process(), bit for bit. */
static void test_raw_s16(void **state)
{
        const size_t n = 2000;
        const float scale = 9.80665f / 16384.0f;
        const FilterKernel *k = kernel_or_skip(state);
        _cleanup_(freep) int16_t *xyz = calloc(3 * n, sizeof(int16_t));
        _cleanup_(freep) int64_t *t = calloc(n, sizeof(int64_t));
        _cleanup_(freep) Frame *fused = calloc(n, sizeof(Frame));
        _cleanup_(freep) Frame *plain = calloc(n, sizeof(Frame));
        _cleanup_(filter_freep) Filter *a = new_filter(4, 50.0, k);
        _cleanup_(filter_freep) Filter *b = new_filter(4, 50.0, k);
        uint64_t seed = 42;

        assert_non_null(xyz);
        assert_non_null(t);
        assert_non_null(fused);
        assert_non_null(plain);

        for (size_t i = 0; i < n; i++) {
                t[i] = (int64_t) i * 5 * NSEC_PER_MSEC + 17;
                for (size_t a_ = 0; a_ < 3; a_++)
                        xyz[3 * i + a_] = (int16_t) ((a_ == 2 ? 16384 : 0) +
                                                     (int) (lcg(&seed) % 8001) - 4000);
        }
        xyz[0] = INT16_MIN;
        xyz[4] = INT16_MAX;

        /* Cut into pieces, the last frame of the buffer included. */
        for (size_t i = 0; i < n; i += 333)
                assert_int_equal(filter_process_raw_s16(a, xyz + 3 * i, MIN(333, n - i), scale,
                                                        t + i, fused + i),
                                 0);
        for (size_t i = 0; i < n; i++)
                plain[i] = (Frame){
                        .t_ns = t[i],
                        .v = { (float) xyz[3 * i] * scale, (float) xyz[3 * i + 1] * scale,
                               (float) xyz[3 * i + 2] * scale },
                };
        filter_process(b, plain, plain, n);
        assert_memory_equal(fused, plain, n * sizeof(Frame));

        /* No time stamps: 0. */
        assert_int_equal(filter_process_raw_s16(a, xyz, 1, scale, NULL, fused), 0);
        assert_int_equal(fused[0].t_ns, 0);
        assert_int_equal(fused[0].flags, 0);
        assert_int_equal(filter_process_raw_s16(a, xyz, 1, NAN, NULL, fused), -EINVAL);
        assert_int_equal(filter_process_raw_s16(a, xyz, 0, scale, NULL, fused), 0);
}

/* Scalar → kernel → scalar mid-stream, reading the state in between: the
 * stream carries on as if one kernel did all of it, within its accuracy. */
static void test_handover(void **state)
{
        static const double level[3] = { 0.3, STANDARD_GRAVITY, -2.75 };
        const size_t n = 9000;
        const FilterKernel *k = kernel_or_skip(state);
        double tol = double_state(k->name) ? TOL_DOUBLE_STATE : TOL_FLOAT_STATE;
        _cleanup_(freep) Frame *in = make_signal(n, 50.0, 11);
        _cleanup_(freep) Frame *one = calloc(n, sizeof(Frame));
        _cleanup_(freep) Frame *mixed = calloc(n, sizeof(Frame));
        _cleanup_(filter_freep) Filter *a = new_filter(5, 50.0, &filter_kernel_scalar);
        _cleanup_(filter_freep) Filter *b = new_filter(5, 50.0, &filter_kernel_scalar);
        double max_ref = 0.0, max_err = 0.0;

        assert_non_null(one);
        assert_non_null(mixed);

        filter_process(a, in, one, n);

        filter_process(b, in, mixed, 2000);
        filter_set_kernel(b, k);
        filter_process(b, in + 2000, mixed + 2000, 1001);
        (void) filter_state(b); /* a sync in the middle of a block */
        filter_process(b, in + 3001, mixed + 3001, 2999);
        filter_set_kernel(b, &filter_kernel_scalar);
        filter_process(b, in + 6000, mixed + 6000, 1000);
        filter_set_kernel(b, k);
        filter_process(b, in + 7000, mixed + 7000, n - 7000);

        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < 3; j++) {
                        max_ref = MAX(max_ref, fabs(one[i].v[j]));
                        max_err = MAX(max_err, fabs(one[i].v[j] - mixed[i].v[j]));
                }
        print_message("%s: hand-overs: relative difference %.2e\n", k->name, max_err / max_ref);
        assert_true(max_err / max_ref <= 2.0 * tol);

        /* A reset after the kernel ran: the level from the first frame on. */
        filter_reset(b, level);
        for (size_t i = 0; i < 300; i++) {
                Frame fr = { .v = { level[0], level[1], level[2] } };

                filter_process(b, &fr, &fr, 1);
                for (size_t j = 0; j < 3; j++)
                        assert_true(fabs(fr.v[j] - level[j]) <= 4e-6 * fabs(level[j]) + 1e-6);
        }
}

/* Sixteen sensors in one call, as sixteen separate calls would. */
static void test_many(void **state)
{
        enum { SENSORS = 16 };
        const size_t n = 1500;
        const FilterKernel *k = kernel_or_skip(state);
        Filter *fs[SENSORS], *single;
        const Frame *ins[SENSORS];
        Frame *outs[SENSORS];
        _cleanup_(freep) Frame *in = make_signal(n * SENSORS, 30.0, 5);
        _cleanup_(freep) Frame *out = calloc(n * SENSORS, sizeof(Frame));
        _cleanup_(freep) Frame *check = calloc(n, sizeof(Frame));

        assert_non_null(out);
        assert_non_null(check);

        for (size_t j = 0; j < SENSORS; j++) {
                fs[j] = new_filter(3, 30.0, k);
                ins[j] = in + j * n;
                outs[j] = out + j * n;
        }
        filter_process_many(fs, ins, outs, SENSORS, n);

        for (size_t j = 0; j < SENSORS; j++) {
                single = new_filter(3, 30.0, k);
                filter_process(single, ins[j], check, n);
                assert_memory_equal(check, outs[j], n * sizeof(Frame));
                filter_free(single);
                filter_free(fs[j]);
        }
}

static void test_select(void **state)
{
        const FilterKernel *const *list = filter_kernel_list();
        const FilterKernel *k = NULL;
        size_t n = 0;

        for (; list[n]; n++) {
                assert_ptr_equal(filter_kernel_by_name(list[n]->name), list[n]);
                for (size_t j = 0; j < n; j++)
                        assert_string_not_equal(list[j]->name, list[n]->name);
                print_message("kernel %-10s %s\n", list[n]->name,
                              filter_kernel_supported(list[n]) ? "supported"
                                                               : "not supported here");
        }
        assert_ptr_equal(list[0], &filter_kernel_scalar);
        assert_true(n >= 1);

        assert_int_equal(filter_kernel_select(&k, NULL), 0);
        assert_non_null(k);
        assert_true(filter_kernel_supported(k));
        print_message("automatic choice: %s\n", k->name);
        k = NULL;
        assert_int_equal(filter_kernel_select(&k, ""), 0);
        assert_non_null(k);

        assert_int_equal(filter_kernel_select(&k, "scalar"), 0);
        assert_ptr_equal(k, &filter_kernel_scalar);
        k = NULL;
        assert_int_equal(filter_kernel_select(&k, "fastest"), -EINVAL);
        assert_int_equal(filter_kernel_select(&k, "SSE2"), -EINVAL);
        assert_null(k);
        assert_null(filter_kernel_by_name("fastest"));

        /* The kernels that went are unknown names now. */
        assert_int_equal(filter_kernel_select(&k, "avx512"), -EINVAL);
        assert_int_equal(filter_kernel_select(&k, "block-avx2"), -EINVAL);
        assert_null(filter_kernel_by_name("avx512"));
        assert_null(filter_kernel_by_name("block-avx2"));

        /* Every name, here or not: supported, or refused as such. */
        for (size_t i = 0; i < 3; i++) {
                static const char *const names[] = { "sse2", "avx2", "neon" };
                const FilterKernel *b = filter_kernel_by_name(names[i]);
                int r = filter_kernel_select(&k, names[i]);

                if (b && filter_kernel_supported(b)) {
                        assert_int_equal(r, 0);
                        assert_ptr_equal(k, b);
                } else
                        assert_int_equal(r, -EOPNOTSUPP);
        }
        /* The names an error message lists: every one of them, and no more. */
        {
                char buf[FILTER_KERNEL_NAMES_SIZE], small[8];

                assert_string_equal(filter_kernel_names(buf, sizeof(buf)),
                                    "avx2, sse2, neon, scalar");
                assert_string_equal(filter_kernel_names(small, sizeof(small)), "avx2");
                assert_string_equal(filter_kernel_names(small, 1), "");
        }
#if defined(__x86_64__)
        assert_int_equal(filter_kernel_select(&k, "neon"), -EOPNOTSUPP);
        assert_int_equal(filter_kernel_select(&k, "sse2"), 0);
#endif
}

#define KERNEL_TESTS(k)                                                   \
        { "accuracy/" k, test_accuracy, NULL, NULL, (void *) k },         \
                { "batches/" k, test_batches, NULL, NULL, (void *) k },   \
                { "in_place/" k, test_in_place, NULL, NULL, (void *) k }, \
                { "raw_s16/" k, test_raw_s16, NULL, NULL, (void *) k },   \
                { "handover/" k, test_handover, NULL, NULL, (void *) k }, \
        {                                                                 \
                "many/" k, test_many, NULL, NULL, (void *) k              \
        }

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_select),
                KERNEL_TESTS("scalar"),
#if defined(__x86_64__)
                KERNEL_TESTS("sse2"),
                KERNEL_TESTS("avx2"),
#endif
#if defined(__aarch64__)
                KERNEL_TESTS("neon"),
#endif
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
