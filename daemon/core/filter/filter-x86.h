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

/* Raw samples: three int16 in the low lanes (6 bytes, read as 4 + 2 so that
 * the last frame reads nothing beyond it), for the kernel to sign-extend. */
static inline __attribute__((always_inline)) __m128i x86_load_s16(const int16_t *p)
{
        int32_t xy;

        memcpy(&xy, p, sizeof(xy));
        return _mm_insert_epi16(_mm_cvtsi32_si128(xy), p[2], 2);
}
