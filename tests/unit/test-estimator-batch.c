/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gravity_many() and rms_many() (estimator-batch.c), four samples at a time
 * with AVX, against the scalar code one sample at a time, to the bit: the
 * smoothing's division as smooth_push() made it and norm3(), and
 * window_rms() itself, on random, grid and special values (signed zeros,
 * subnormals, NaN, infinities, sums a hair below zero, an empty window),
 * any batch length and offset; nothing else of a sample may change. And
 * the still window's and smoothing ring's run sums (estimator.c) against
 * the resums from their entries.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"

static double any_value(uint64_t *s)
{
        static const double special[] = { 0.0,        -0.0,   DBL_MIN,  -DBL_MIN,  0x1p-1074,
                                          -0x1p-1074, 1e-300, 1e300,    -1e300,    DBL_MAX,
                                          NAN,        -NAN,   INFINITY, -INFINITY, 9.80665,
                                          -1e-17,     1e154,  1e-160 };
        uint64_t r = test_rng_next(s);

        if (r % 4 == 0)
                return special[(r >> 8) % ELEMENTSOF(special)];
        return test_rng_uniform(s, -1200.0, 1200.0);
}

/* A count of the smoothing ring or still window: small, or about a
 * power of two, or large. */
static double any_count(uint64_t *s)
{
        static const double special[] = { 1, 2, 3, 7, 63, 64, 65, 100, 1000, 4096, 100000 };
        uint64_t r = test_rng_next(s);

        if (r % 2 == 0)
                return special[(r >> 8) % ELEMENTSOF(special)];
        return (double) (1 + (r >> 8) % 5000);
}

/* smooth_push()'s division as it was, then norm3(). */
static void gravity_reference(PostureSample *s, double *n)
{
        double c = *n;

        s->gravity[0] /= c;
        s->gravity[1] /= c;
        s->gravity[2] /= c;
        *n = norm3(s->gravity);
}

static void test_gravity_many(void **state)
{
        enum { N = 23 };
        uint64_t seed = 0x9e3779b97f4a7c15u;
        PostureSample *a = calloc(N, sizeof(*a)), *b = calloc(N, sizeof(*b));
        double na[N], nb[N];

        assert_non_null(a && b);
        for (size_t round = 0; round < 40000; round++) {
                size_t from = test_rng_next(&seed) % 5,
                       count = test_rng_next(&seed) % (N - from + 1);
                bool avx = round % 2 ? test_have_avx() : false;

                for (size_t i = 0; i < N; i++) {
                        /* Every byte random, the padding too: nothing else may change. */
                        for (size_t j = 0; j < sizeof(a[i]); j++)
                                ((unsigned char *) &a[i])[j] = (unsigned char) test_rng_next(&seed);
                        for (size_t k = 0; k < 3; k++)
                                a[i].gravity[k] = round % 3 ? test_rng_uniform(&seed, -12.0, 12.0) *
                                                                      any_count(&seed)
                                                            : any_value(&seed);
                        na[i] = any_count(&seed);
                }
                memcpy(b, a, N * sizeof(*a));
                memcpy(nb, na, sizeof(na));
                gravity_many(avx, a + from, na + from, count);
                for (size_t i = from; i < from + count; i++)
                        gravity_reference(&b[i], &nb[i]);
                assert_memory_equal(a, b, N * sizeof(*a));
                /* A NaN's sign and payload, where two NaN components meet
                 * in the sum of squares, follow the order of the operands
                 * the compiler chose (C leaves it open); the norm is read
                 * for valid samples only, whose gravity is finite. */
                for (size_t i = 0; i < N; i++)
                        if (isnan(nb[i]))
                                assert_true(isnan(na[i]));
                        else
                                assert_memory_equal(&na[i], &nb[i], sizeof(nb[i]));
        }
        free(a);
        free(b);
        (void) state;
}

/* rms_many() against window_rms() of an estimator with that count and sum. */
static void test_rms_many(void **state)
{
        enum { N = 23 };
        uint64_t seed = 0x0123456789abcdefu;
        Estimator *e = calloc(1, sizeof(*e));
        double sum[N], n[N], rms[N + 1], want[N + 1];
        size_t count[N];

        assert_non_null(e);
        for (size_t round = 0; round < 40000; round++) {
                size_t from = test_rng_next(&seed) % 5, len = test_rng_next(&seed) % (N - from + 1);
                bool avx = round % 2 ? test_have_avx() : false;

                for (size_t i = 0; i < N; i++) {
                        uint64_t r = test_rng_next(&seed);

                        count[i] = r % 7 == 0 ? 0 : (size_t) any_count(&seed);
                        /* Sums of squares: ordinary, a hair below zero
                         * (cancellation), zeros and specials. */
                        sum[i] = r % 7 == 1   ? -test_rng_uniform(&seed, 0, 1e-12)
                                 : r % 7 == 2 ? any_value(&seed)
                                 : count[i] == 0 && r % 2
                                         ? 0.0
                                         : test_rng_uniform(&seed, 0, 50.0) * (double) count[i];
                        n[i] = (double) count[i];
                }
                rms[from + len] = want[from + len] = 42.0;
                rms_many(avx, sum + from, n + from, rms + from, len);
                for (size_t i = from; i < from + len; i++) {
                        e->count = count[i];
                        e->sum_d2 = sum[i];
                        want[i] = window_rms(e);
                        assert_memory_equal(&rms[i], &want[i], sizeof(want[i]));
                }
                /* Nothing written past the batch. */
                assert_memory_equal(&rms[from + len], &want[from + len], sizeof(want[0]));
        }
        /* The boundary of the empty window, and of the clamp at zero. */
        {
                static const double sums[] = { 0.0, -0.0, -DBL_MIN, 0x1p-1074, NAN, 1.0 };
                static const size_t counts[] = { 0, 1, 0, 1 };

                for (size_t i = 0; i < ELEMENTSOF(sums); i++)
                        for (size_t j = 0; j < ELEMENTSOF(counts); j++) {
                                double s4[4], n4[4], r4[4];

                                for (size_t k = 0; k < 4; k++) {
                                        s4[k] = sums[(i + k) % ELEMENTSOF(sums)];
                                        n4[k] = (double) counts[(j + k) % 4];
                                }
                                rms_many(test_have_avx(), s4, n4, r4, 4);
                                for (size_t k = 0; k < 4; k++) {
                                        double w;

                                        e->count = counts[(j + k) % 4];
                                        e->sum_d2 = s4[k];
                                        w = window_rms(e);
                                        assert_memory_equal(&r4[k], &w, sizeof(w));
                                }
                        }
        }
        free(e);
        (void) state;
}

/* The sums, from zero, of @w[0..n-1] (x, y, z, d2) and @ring[0..n-1]
 * (x, y, z), each in the order of the entries: the rings' resums as they
 * were before the run sums replaced them. */
static void window_ref(const WindowEntry *w, size_t n, double sum[4])
{
        sum[0] = sum[1] = sum[2] = sum[3] = 0;
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < 3; k++)
                        sum[k] += w[i].g[k];
                sum[3] += w[i].d2;
        }
}

static void smooth_ref(const double (*ring)[3], size_t n, double sum[3])
{
        sum[0] = sum[1] = sum[2] = 0;
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < 3; k++)
                        sum[k] += ring[i][k];
}

/* What window_push() and smooth_push() promise: the run sums are the
 * entries written since the head was last at 0, summed from zero in the
 * order of the ring; and a ring that has just wrapped (head 0, full) has
 * for its sums exactly those of all its entries, as a resum from the
 * entries would give. */
static void check_runs(const Estimator *e)
{
        double ref[4], got[4], ref3[3];

        window_ref(e->window, e->head, ref);
        memcpy(got, e->run_g, sizeof(e->run_g));
        got[3] = e->run_d2;
        assert_memory_equal(got, ref, sizeof(ref));
        smooth_ref((const double(*)[3]) e->smooth, e->smooth_head, ref3);
        assert_memory_equal(e->smooth_run, ref3, sizeof(ref3));
        if (e->head == 0 && e->count == e->size) {
                window_ref(e->window, e->size, ref);
                memcpy(got, e->sum_g, sizeof(e->sum_g));
                got[3] = e->sum_d2;
                assert_memory_equal(got, ref, sizeof(ref));
        }
        if (e->smooth_head == 0 && e->smooth_count == e->smooth_size) {
                smooth_ref((const double(*)[3]) e->smooth, e->smooth_size, ref3);
                assert_memory_equal(e->smooth_sum, ref3, sizeof(ref3));
        }
}

/* The still window's and the smoothing ring's run sums (estimator.c)
 * against the resums from the entries, after every sample fed one at a
 * time and after batches of random length: a mount turned 30° about z,
 * so that the body frame's values are doubles whose sums round (the
 * order of the additions decides their bits); noise, moves, invalid
 * samples and gaps (which clear both rings), and rings of several
 * sizes. Each ring wraps many times. */
static void test_ring_runs(void **state)
{
        const double c = sqrt(3) / 2, s = 0.5;
        const MountMatrix turned = { .m = { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } } };
        static const double window_s[] = { 0.01, 0.05, 1.0, 2.0 };
        uint64_t seed = 0x9e3779b97f4a7c15u;
        size_t n_wraps = 0, n_smooth_wraps = 0;

        for (size_t t = 0; t < ELEMENTSOF(window_s); t++) {
                EstimatorParams p;
                Estimator *e = NULL;
                enum { N = 6000 };
                Frame *raw = calloc(N, sizeof(Frame)), *filt = calloc(N, sizeof(Frame));
                PostureSample *out = calloc(N, sizeof(PostureSample));

                assert_non_null(raw && filt && out);
                estimator_params_default(&p);
                p.mount = turned;
                p.still_window_s = window_s[t];
                p.posture_smooth_s = window_s[ELEMENTSOF(window_s) - 1 - t];
                assert_int_equal(estimator_new(&e, &p, 100), 0);
                for (size_t i = 0; i < N; i++) {
                        uint64_t r = test_rng_next(&seed);

                        raw[i].t_ns = filt[i].t_ns = (int64_t) i * 10000000;
                        for (size_t k = 0; k < 3; k++) {
                                double v = (k == 1 ? 9.80665 : 0.3) +
                                           test_rng_uniform(&seed, -1.0, 1.0) *
                                                   (i % 900 < 300 ? 4 : 0.05);

                                raw[i].v[k] = (float) v;
                                filt[i].v[k] = (float) (v * 0.9);
                        }
                        if (r % 211 == 1)
                                filt[i].v[(r >> 8) % 3] = NAN;
                        if (r % 1499 == 2)
                                raw[i].flags |= FRAME_AFTER_GAP;
                }
                for (size_t i = 0; i < N;) {
                        /* One at a time for the first half (every wrap
                         * checked), then batches (MIN() evaluates its
                         * arguments twice: the length drawn first). */
                        size_t want = (size_t) (test_rng_next(&seed) % 300) + 1;
                        size_t k = i < N / 2 ? 1 : MIN(want, N - i);

                        estimator_feed_many(e, raw + i, filt + i, k, out + i);
                        check_runs(e);
                        n_wraps += e->head == 0 && e->count == e->size;
                        n_smooth_wraps += e->smooth_head == 0 && e->smooth_count == e->smooth_size;
                        i += k;
                }
                estimator_free(e);
                free(raw);
                free(filt);
                free(out);
        }
        /* The wraps were there to check. */
        assert_true(n_wraps > 20);
        assert_true(n_smooth_wraps > 20);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gravity_many),
                cmocka_unit_test(test_rms_many),
                cmocka_unit_test(test_ring_runs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
