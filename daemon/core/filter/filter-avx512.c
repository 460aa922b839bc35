/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX-512F block kernel: eight samples of an axis per zmm register, see
 * filter-block.h. For large batches; a call inside a block costs one block.
 */
#if defined(__x86_64__)

#include <immintrin.h>

#define BLOCK_KERNEL filter_kernel_avx512
#define BLOCK_NAME   "avx512"
#define BLOCK_FN     __attribute__((target("avx512f")))
#define BLOCK_INLINE static inline __attribute__((always_inline, target("avx512f")))

typedef __m512d vd;

BLOCK_INLINE vd vd_zero(void)
{
        return _mm512_setzero_pd();
}

BLOCK_INLINE vd vd_load(const double *p)
{
        return _mm512_load_pd(p);
}

BLOCK_INLINE vd vd_set1(double x)
{
        return _mm512_set1_pd(x);
}

BLOCK_INLINE vd vd_add(vd a, vd b)
{
        return _mm512_add_pd(a, b);
}

BLOCK_INLINE vd vd_fma(vd a, vd b, vd c)
{
        return _mm512_fmadd_pd(a, b, c);
}

BLOCK_INLINE void vd_store(double *p, vd v)
{
        _mm512_store_pd(p, v);
}

BLOCK_INLINE void vd_store_f32(float *p, vd v)
{
        _mm256_storeu_ps(p, _mm512_cvtpd_ps(v));
}

#include "core/filter/filter-block-impl.h"

#endif
