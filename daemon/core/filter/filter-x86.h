/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the x86-64 kernels share: a frame's x, y, z and flags are one 16-byte
 * load, whose flags lane is masked off on the way in (its bits could be a
 * denormal or a NaN) and put back on the way out. SSE2 only, so that every
 * kernel can inline them whatever its target.
 */

#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

#include "abi/frame.h"

/* Lanes x, y, z: all bits; the pad lane: none. */
static inline __attribute__((always_inline)) __m128 x86_lanes_xyz(void)
{
        return _mm_castsi128_ps(_mm_setr_epi32(-1, -1, -1, 0));
}

/* A frame's v[0..2] and the bits of its flags. */
static inline __attribute__((always_inline)) __m128 x86_frame_load(const Frame *fr)
{
        return _mm_loadu_ps(&fr->v[0]);
}

/* @y's x, y, z as the frame's v, and @raw's pad lane as its flags. */
static inline __attribute__((always_inline)) void x86_frame_store(Frame *fr, __m128 y, __m128 raw)
{
        const __m128 mask = x86_lanes_xyz();

        _mm_storeu_ps(&fr->v[0], _mm_or_ps(_mm_and_ps(y, mask), _mm_andnot_ps(mask, raw)));
}

/* Raw samples: three int16 (6 bytes, read as 4 + 2 so that the last frame
 * reads nothing beyond it), sign-extended, converted, scaled as float. */
static inline __attribute__((always_inline)) __m128 x86_load_s16(const int16_t *p, float scale)
{
        int32_t xy;
        __m128i v;

        memcpy(&xy, p, sizeof(xy));
        v = _mm_insert_epi16(_mm_cvtsi32_si128(xy), p[2], 2);
        v = _mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16);
        return _mm_mul_ps(_mm_cvtepi32_ps(v), _mm_set1_ps(scale));
}
