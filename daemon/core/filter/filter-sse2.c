/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86-64 baseline kernel: float state-variable sections (filter-svf.h,
 * filter-svf-impl.h), one SSE2 register per state with lanes {x, y, z, pad}.
 * One frame's x, y, z and flags are one 16-byte load (filter-x86.h).
 */
#if defined(__x86_64__)

#include <emmintrin.h>

#include "core/filter/filter-x86.h"

#define SVF_KERNEL filter_kernel_sse2
#define SVF_NAME   "sse2"
#define SVF_INLINE static inline __attribute__((always_inline))

typedef __m128 vf;

/* The arithmetic: one IEEE operation per lane. */
#define vf_load  _mm_load_ps
#define vf_store _mm_store_ps
#define vf_set1  _mm_set1_ps
#define vf_add   _mm_add_ps
#define vf_sub   _mm_sub_ps
#define vf_mul   _mm_mul_ps

SVF_INLINE vf vf_frame_load(const Frame *fr)
{
        return x86_frame_load(fr);
}

SVF_INLINE vf vf_xyz(vf v)
{
        return _mm_and_ps(v, x86_lanes_xyz());
}

SVF_INLINE void vf_frame_store(Frame *fr, vf y, vf raw)
{
        const vf mask = x86_lanes_xyz();

        _mm_storeu_ps(&fr->v[0], _mm_or_ps(_mm_and_ps(y, mask), _mm_andnot_ps(mask, raw)));
}

SVF_INLINE vf vf_load_s16(const int16_t *p, float scale)
{
        __m128i v = x86_load_s16(p);

        v = _mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16);
        return _mm_mul_ps(_mm_cvtepi32_ps(v), _mm_set1_ps(scale));
}

#include "core/filter/filter-svf-impl.h"

#endif
