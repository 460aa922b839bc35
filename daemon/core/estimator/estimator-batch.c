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
#endif

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
