/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of a batch's first pass that one sample's values alone decide
 * (estimator_feed_many()): the smoothed gravity from the ring's sum, its
 * norm and the dynamic RMS, each in a pass of its own over the batch, four samples at a
 * time where the CPU has AVX. Inside a sample's long first pass each square
 * root and division would wait for its operands; here those of many samples
 * overlap.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "util/macro.h"

#if defined(__x86_64__)
/* gravity and raw lie in a row: a four-double load of gravity stays inside the sample. */
_Static_assert(offsetof(PostureSample, raw) ==
                       offsetof(PostureSample, gravity) + 3 * sizeof(double),
               "raw follows gravity");

/*
 * gravity_many() of @s[0..3], lane by lane: x, y and z over n, then
 * (x·x + y·y) + z·z and its square root, the scalar code's operations in
 * its order, IEEE-rounded alike (VDIVPD, VMULPD, VADDPD and VSQRTPD round
 * each lane as DIVSD, MULSD, ADDSD and SQRTSD do; no FMA is formed: the
 * target has none and -ffp-contract=off). The sum of squares is never
 * negative (a NaN at most), so the scalar sqrt() has no error to report
 * that the vector one would miss. The fourth double of each row, raw[0],
 * is stored back as it was loaded.
 */
__attribute__((target("avx"))) static void gravity4_avx(PostureSample *s, double *n)
{
        __m256d a = _mm256_loadu_pd(s[0].gravity), b = _mm256_loadu_pd(s[1].gravity),
                c = _mm256_loadu_pd(s[2].gravity), d = _mm256_loadu_pd(s[3].gravity);
        __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
        __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
        __m256d nn = _mm256_loadu_pd(n);
        __m256d x = _mm256_div_pd(_mm256_permute2f128_pd(t0, t2, 0x20), nn);
        __m256d y = _mm256_div_pd(_mm256_permute2f128_pd(t1, t3, 0x20), nn);
        __m256d z = _mm256_div_pd(_mm256_permute2f128_pd(t0, t2, 0x31), nn);
        __m256d w = _mm256_permute2f128_pd(t1, t3, 0x31);
        __m256d sum = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(x, x), _mm256_mul_pd(y, y)),
                                    _mm256_mul_pd(z, z));

        _mm256_storeu_pd(n, _mm256_sqrt_pd(sum));
        t0 = _mm256_unpacklo_pd(x, y);
        t1 = _mm256_unpackhi_pd(x, y);
        t2 = _mm256_unpacklo_pd(z, w);
        t3 = _mm256_unpackhi_pd(z, w);
        _mm256_storeu_pd(s[0].gravity, _mm256_permute2f128_pd(t0, t2, 0x20));
        _mm256_storeu_pd(s[1].gravity, _mm256_permute2f128_pd(t1, t3, 0x20));
        _mm256_storeu_pd(s[2].gravity, _mm256_permute2f128_pd(t0, t2, 0x31));
        _mm256_storeu_pd(s[3].gravity, _mm256_permute2f128_pd(t1, t3, 0x31));
}

/* rms_many() of four: MAX(sum, 0.0) is VMAXPD(sum, 0), which returns its
 * second operand unless the first is greater (a NaN or either zero gives
 * +0.0, as the scalar ?: does); then the division and the square root,
 * rounded lane by lane as DIVSD and SQRTSD; where n > 0 fails (an empty
 * window: +0.0 over +0.0 is NaN), all bits cleared: +0.0. */
__attribute__((target("avx"))) static void rms4_avx(const double *sum, const double *n, double *rms)
{
        __m256d nn = _mm256_loadu_pd(n);
        __m256d q = _mm256_div_pd(_mm256_max_pd(_mm256_loadu_pd(sum), _mm256_setzero_pd()), nn);

        _mm256_storeu_pd(rms, _mm256_and_pd(_mm256_cmp_pd(nn, _mm256_setzero_pd(), _CMP_GT_OQ),
                                            _mm256_sqrt_pd(q)));
}

/* A WindowEntry is four doubles in a row, x, y, z and d2: one load. */
_Static_assert(offsetof(WindowEntry, d2) == 3 * sizeof(double) &&
                       sizeof(WindowEntry) == 4 * sizeof(double),
               "a window entry is four doubles");

/* window_sums() with AVX: each lane of @acc adds its value of each entry
 * in turn, from zero (VADDPD rounds each lane as ADDSD does); four entries
 * an iteration, in order. */
__attribute__((target("avx"))) static void window_sums_avx(const WindowEntry *w, size_t n,
                                                           double sum[4])
{
        __m256d acc = _mm256_setzero_pd();
        size_t i = 0;

        for (; i + 4 <= n; i += 4) {
                acc = _mm256_add_pd(acc, _mm256_loadu_pd(w[i].g));
                acc = _mm256_add_pd(acc, _mm256_loadu_pd(w[i + 1].g));
                acc = _mm256_add_pd(acc, _mm256_loadu_pd(w[i + 2].g));
                acc = _mm256_add_pd(acc, _mm256_loadu_pd(w[i + 3].g));
        }
        for (; i < n; i++)
                acc = _mm256_add_pd(acc, _mm256_loadu_pd(w[i].g));
        _mm256_storeu_pd(sum, acc);
}

/* smooth_sums() with AVX: each entry's x, y and z in three lanes (the
 * fourth masked: read as +0.0, never from memory past the entry), each
 * lane adding its value of each entry in turn, from zero, as ADDSD; four
 * entries an iteration, in order. */
__attribute__((target("avx"))) static void smooth_sums_avx(const double (*ring)[3], size_t n,
                                                           double sum[3])
{
        const __m256i three = _mm256_set_epi64x(0, -1, -1, -1);
        __m256d acc = _mm256_setzero_pd();
        size_t i = 0;

        for (; i + 4 <= n; i += 4) {
                acc = _mm256_add_pd(acc, _mm256_maskload_pd(ring[i], three));
                acc = _mm256_add_pd(acc, _mm256_maskload_pd(ring[i + 1], three));
                acc = _mm256_add_pd(acc, _mm256_maskload_pd(ring[i + 2], three));
                acc = _mm256_add_pd(acc, _mm256_maskload_pd(ring[i + 3], three));
        }
        for (; i < n; i++)
                acc = _mm256_add_pd(acc, _mm256_maskload_pd(ring[i], three));
        /* The three lanes straight from the register: an array for them
         * kept acc in its stack slot through the loop (GCC 12 at -O2), a
         * store and a reload in the chain of additions. */
        _mm_storeu_pd(sum, _mm256_castpd256_pd128(acc));
        _mm_store_sd(sum + 2, _mm256_extractf128_pd(acc, 1));
}
#endif

/**
 * smooth_sums() - into @sum, the sums of x, y and z over @ring[0..n-1],
 * each summed in the order of the entries, from zero (+0.0): as the
 * scalar loop, to the bit, for entries that are not NaN (the two paths
 * may take the other operand's NaN when both are NaN: x86 returns the
 * first, and the compiler may swap the operands of an addition). The
 * rings hold no NaN: an entry is a valid sample's filtered frame, finite;
 * and no sum is NaN unless an entry is (finite plus finite is finite or
 * an infinity, an infinity plus a finite value that infinity). @avx: the
 * CPU has AVX.
 */
void smooth_sums(bool avx, const double (*ring)[3], size_t n, double sum[3])
{
        Pair xy = { 0, 0 };
        double z = 0;

#if defined(__x86_64__)
        if (avx) {
                smooth_sums_avx(ring, n, sum);
                return;
        }
#else
        (void) avx;
#endif
        for (size_t i = 0; i < n; i++) {
                xy += pair_load(ring[i]);
                z += ring[i][2];
        }
        memcpy(sum, &xy, sizeof(xy));
        sum[2] = z;
}

/**
 * window_sums() - into @sum, the sums of x, y, z and d2 over @w[0..n-1],
 * each summed in the order of the entries, from zero (+0.0): as the
 * scalar loop, to the bit, but for which of two NaNs a sum takes (see
 * smooth_sums()). Its g is a valid sample's filtered frame, finite; its
 * d2, from finite values, can be NaN only as an invalid operation's
 * result (an infinity minus itself, after an overflow), which on x86 is
 * always the same NaN (the "indefinite", sign set), so no two NaNs differ.
 * @avx: the CPU has AVX.
 */
void window_sums(bool avx, const WindowEntry *w, size_t n, double sum[4])
{
        Pair xy = { 0, 0 }, zd = { 0, 0 };

#if defined(__x86_64__)
        if (avx) {
                window_sums_avx(w, n, sum);
                return;
        }
#else
        (void) avx;
#endif
        for (size_t i = 0; i < n; i++) {
                xy += pair_load(w[i].g);
                zd += (Pair){ w[i].g[2], w[i].d2 };
        }
        memcpy(sum, &xy, sizeof(xy));
        memcpy(sum + 2, &zd, sizeof(zd));
}

/* One sample of gravity_many(): the division as smooth_push() made it,
 * x and y as a pair (each lane its scalar division), then norm3(). */
static void gravity1(PostureSample *s, double *n)
{
        Pair xy, nn = { *n, *n };

        memcpy(&xy, s->gravity, sizeof(xy));
        xy /= nn;
        memcpy(s->gravity, &xy, sizeof(xy));
        s->gravity[2] /= *n;
        *n = norm3(s->gravity);
}

/**
 * gravity_many() - for i < @count, @s[i].gravity, a sum, divided by @n[i],
 * a count, into the mean, and its norm3() into @n[i]; the same values, to
 * the bit, as one at a time, but for the sign and payload of a NaN norm of
 * a gravity with two NaN components, which follow the order of the
 * operands the compiler chose for the sum of squares (C leaves it open).
 * That cannot reach a result: the norm is only compared (never stored or
 * printed), and every comparison with a NaN is false whatever its sign and
 * payload; a valid sample's gravity is finite unless the smoothing ring's
 * sum overflowed (a mount matrix of huge values given through the API;
 * analyze and the daemon refuse such matrices). @avx: the CPU has AVX.
 */
void gravity_many(bool avx, PostureSample *s, double *n, size_t count)
{
        size_t i = 0;

#if defined(__x86_64__)
        if (avx)
                for (; i + 4 <= count; i += 4)
                        gravity4_avx(s + i, n + i);
#else
        (void) avx;
#endif
        for (; i < count; i++)
                gravity1(s + i, n + i);
}

/**
 * rms_many() - into @rms[i], window_rms() of a window of @n[i] samples
 * whose squares sum to @sum[i]: 0 for none, else sqrt(MAX(@sum[i], 0.0) /
 * @n[i]), for i < @count; the same values, to the bit, as one at a time.
 * @avx: the CPU has AVX.
 */
void rms_many(bool avx, const double *sum, const double *n, double *rms, size_t count)
{
        size_t i = 0;

#if defined(__x86_64__)
        if (avx)
                for (; i + 4 <= count; i += 4)
                        rms4_avx(sum + i, n + i, rms + i);
#else
        (void) avx;
#endif
        for (; i < count; i++)
                rms[i] = n[i] > 0 ? sqrt(MAX(sum[i], 0.0) / n[i]) : 0;
}
