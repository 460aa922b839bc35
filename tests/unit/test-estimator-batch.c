/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gravity_many() and rms_many() (estimator-batch.c), four samples at a time
 * with AVX, against the scalar code one sample at a time, to the bit: the
 * smoothing's division as smooth_push() made it and norm3(), and
 * window_rms() itself, on random, grid and special values (signed zeros,
 * subnormals, NaN, infinities, sums a hair below zero, an empty window),
 * any batch length and offset; nothing else of a sample may change.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* An entry of a ring: no NaN (see window_sums()), else any value. */
static double any_entry(uint64_t *s)
{
        double v = any_value(s);

        return isnan(v) ? -INFINITY : v;
}

/* window_sums() and smooth_sums(), with and without AVX, against the
 * rings' resums as they were (each axis from zero, in the order of the
 * entries), on random and special values (infinities of both signs,
 * whose sum is the default NaN), every length up to 41 and some large
 * ones: the same bits. (ASan sees a read past the entries by the scalar
 * loops and window_sums_avx()'s loads, not by a masked load: that is
 * test_ring_guard()'s.) */
static void test_ring_sums(void **state)
{
        static const size_t lengths[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 41, 100, 300, 301, 1000 };
        uint64_t seed = 0x2545f4914f6cdd1du;

        for (size_t t = 0; t < 3000; t++) {
                size_t n = t < 42 ? t : lengths[t % ELEMENTSOF(lengths)];
                /* Exactly n entries (one for none, as malloc(0) may be NULL). */
                WindowEntry *w = malloc((n ? n : 1) * sizeof(*w));
                double(*ring)[3] = malloc((n ? n : 1) * sizeof(*ring));
                double ref[4] = { 0, 0, 0, 0 }, got[4], ref3[3] = { 0, 0, 0 }, got3[3];

                assert_non_null(w);
                assert_non_null(ring);
                for (size_t i = 0; i < n; i++) {
                        for (size_t k = 0; k < 3; k++) {
                                /* Mostly ordinary values, whose sums round. */
                                w[i].g[k] = t % 5 == 0 ? any_entry(&seed)
                                                       : test_rng_uniform(&seed, -20.0, 20.0);
                                ring[i][k] = t % 7 == 0 ? any_entry(&seed)
                                                        : test_rng_uniform(&seed, -20.0, 20.0);
                        }
                        w[i].d2 = t % 3 == 0 ? any_entry(&seed) : test_rng_uniform(&seed, 0, 50.0);
                }
                for (size_t i = 0; i < n; i++) {
                        for (size_t k = 0; k < 3; k++) {
                                ref[k] += w[i].g[k];
                                ref3[k] += ring[i][k];
                        }
                        ref[3] += w[i].d2;
                }
                for (int avx = 0; avx < 2; avx++) {
                        if (avx && !test_have_avx())
                                continue;
                        window_sums(avx, w, n, got);
                        assert_memory_equal(got, ref, sizeof(ref));
                        smooth_sums(avx, (const double(*)[3]) ring, n, got3);
                        assert_memory_equal(got3, ref3, sizeof(ref3));
                }
                free(w);
                free(ring);
        }
        (void) state;
}

/* window_sums() and smooth_sums() with AVX on entries whose last ends at
 * a page that may not be read (PROT_NONE), for lengths 1 to 9 (every
 * place of the last entry in a four-entry step): no fault, so nothing is
 * read past them (a masked load's lane included, which ASan does not
 * check), and the sums of the scalar loops. */
static void test_ring_guard(void **state)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        char *mem;

        if (!test_have_avx())
                skip();
        mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(mem != MAP_FAILED);
        assert_int_equal(mprotect(mem + page, page, PROT_NONE), 0);
        for (size_t n = 1; n <= 9; n++) {
                double(*ring)[3] = (double(*)[3])(void *) (mem + page - n * sizeof(*ring));
                WindowEntry *w = (WindowEntry *) (void *) (mem + page - n * sizeof(*w));
                double got[4], ref[4], got3[3], ref3[3];

                for (size_t i = 0; i < n; i++)
                        for (size_t k = 0; k < 3; k++)
                                ring[i][k] = (double) (i * 3 + k) + 0.25;
                smooth_sums(false, (const double(*)[3]) ring, n, ref3);
                smooth_sums(true, (const double(*)[3]) ring, n, got3);
                assert_memory_equal(got3, ref3, sizeof(ref3));

                for (size_t i = 0; i < n; i++) {
                        for (size_t k = 0; k < 3; k++)
                                w[i].g[k] = (double) (i * 4 + k) - 0.5;
                        w[i].d2 = (double) i;
                }
                window_sums(false, w, n, ref);
                window_sums(true, w, n, got);
                assert_memory_equal(got, ref, sizeof(ref));
        }
        assert_int_equal(munmap(mem, 2 * page), 0);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gravity_many),
                cmocka_unit_test(test_rms_many),
                cmocka_unit_test(test_ring_sums),
                cmocka_unit_test(test_ring_guard),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
