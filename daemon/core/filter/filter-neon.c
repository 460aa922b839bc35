/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sse2 kernel's float state-variable sections (filter-svf.h,
 * filter-svf-impl.h) on aarch64 NEON, lanes {x, y, z, pad}: the same
 * operations lane by lane, so the same bits.
 */
#if defined(__aarch64__)

#include <arm_neon.h>
#include <stddef.h>
#include <string.h>

#include "abi/frame.h"

#define SVF_KERNEL filter_kernel_neon
#define SVF_NAME   "neon"
#define SVF_INLINE static inline __attribute__((always_inline))

typedef float32x4_t vf;

/* The arithmetic: one IEEE operation per lane. */
#define vf_load  vld1q_f32
#define vf_store vst1q_f32
#define vf_set1  vdupq_n_f32
#define vf_add   vaddq_f32
#define vf_sub   vsubq_f32
#define vf_mul   vmulq_f32

/* Lanes x, y, z: all bits; the pad lane: none. */
SVF_INLINE uint32x4_t lanes_xyz(void)
{
        return (uint32x4_t){ UINT32_MAX, UINT32_MAX, UINT32_MAX, 0 };
}

/* v[0..2] and flags are 16 contiguous bytes; memcpy, as flags is no float. */
SVF_INLINE vf vf_frame_load(const Frame *fr)
{
        vf v;

        memcpy(&v, (const char *) fr + offsetof(Frame, v), sizeof(v));
        return v;
}

SVF_INLINE vf vf_xyz(vf v)
{
        return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), lanes_xyz()));
}

SVF_INLINE void vf_frame_store(Frame *fr, vf y, vf raw)
{
        vf v = vbslq_f32(lanes_xyz(), y, raw);

        memcpy((char *) fr + offsetof(Frame, v), &v, sizeof(v));
}

SVF_INLINE vf vf_load_s16(const int16_t *p, float scale)
{
        int32x4_t v = { p[0], p[1], p[2], 0 };

        return vmulq_n_f32(vcvtq_f32_s32(v), scale);
}

#include "core/filter/filter-svf-impl.h"

#endif
