/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The avx512 kernel's arithmetic on AVX2 + FMA, a vector of eight doubles
 * being two ymm registers: the same FMAs lane by lane, so the same bits.
 * It is how the block kernel is tested and measured on machines without
 * AVX-512; for speed on AVX2, the avx2 kernel does better.
 */
#if defined(__x86_64__)

#include <immintrin.h>

#define BLOCK_KERNEL filter_kernel_block_avx2
#define BLOCK_NAME   "block-avx2"
#define BLOCK_FN     __attribute__((target("avx2,fma")))
#define BLOCK_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

typedef struct vd {
        __m256d lo, hi;
} vd;

BLOCK_INLINE vd vd_zero(void)
{
        return (vd){ _mm256_setzero_pd(), _mm256_setzero_pd() };
}

BLOCK_INLINE vd vd_load(const double *p)
{
        return (vd){ _mm256_load_pd(p), _mm256_load_pd(p + 4) };
}

BLOCK_INLINE vd vd_set1(double x)
{
        return (vd){ _mm256_set1_pd(x), _mm256_set1_pd(x) };
}

BLOCK_INLINE vd vd_add(vd a, vd b)
{
        return (vd){ _mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi) };
}

BLOCK_INLINE vd vd_fma(vd a, vd b, vd c)
{
        return (vd){ _mm256_fmadd_pd(a.lo, b.lo, c.lo), _mm256_fmadd_pd(a.hi, b.hi, c.hi) };
}

BLOCK_INLINE void vd_store(double *p, vd v)
{
        _mm256_store_pd(p, v.lo);
        _mm256_store_pd(p + 4, v.hi);
}

BLOCK_INLINE void vd_store_f32(float *p, vd v)
{
        _mm_storeu_ps(p, _mm256_cvtpd_ps(v.lo));
        _mm_storeu_ps(p + 4, _mm256_cvtpd_ps(v.hi));
}

#include "core/filter/filter-block-impl.h"

#endif
