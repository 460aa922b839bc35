/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sse2 kernel's float state-variable sections (filter-svf.h) on aarch64
 * NEON, lanes {x, y, z, pad}. Plain multiplies and adds, as in filter-svf.h:
 * fused ones would round differently from the sse2 kernel, for no gain in
 * accuracy that the tests would see.
 */
#if defined(__aarch64__)

#include <arm_neon.h>
#include <stdbool.h>

#include "core/filter/filter-private.h"
#include "core/filter/filter-svf.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE float32x4_t cascade(float32x4_t x, float32x4_t *i1, float32x4_t *i2,
                                  const float32x4_t (*c)[_SVF_COEF_MAX], size_t ns)
{
#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                float32x4_t e1 = c[s][SVF_E1], e2 = c[s][SVF_E2], c2 = c[s][SVF_C2];
                float32x4_t n1 = vaddq_f32(vaddq_f32(i1[s], vmulq_f32(e1, i1[s])),
                                           vsubq_f32(vmulq_f32(e2, x), vmulq_f32(e2, i2[s])));
                float32x4_t n2 = vaddq_f32(vsubq_f32(i2[s], vmulq_f32(c2, i2[s])),
                                           vaddq_f32(vmulq_f32(c2, x), vmulq_f32(e2, i1[s])));

                x = vmulq_n_f32(vaddq_f32(i2[s], n2), 0.5f);
                i1[s] = n1;
                i2[s] = n2;
        }
        return x;
}

/* Frames from @in, or with @s16 raw samples from @xyz; @ns and @s16 are constants. */
ALWAYS_INLINE void run(SvfData *d, const Frame *in, const int16_t *xyz, float scale,
                       const int64_t *t, Frame *out, size_t n, size_t ns, bool s16)
{
        float32x4_t i1[FILTER_MAX_SECTIONS], i2[FILTER_MAX_SECTIONS];
        float32x4_t c[FILTER_MAX_SECTIONS][_SVF_COEF_MAX];

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                i1[s] = vld1q_f32(d->state[s][0]);
                i2[s] = vld1q_f32(d->state[s][1]);
                for (size_t k = 0; k < _SVF_COEF_MAX; k++)
                        c[s][k] = vld1q_f32(d->coef[s][k]);
        }

        for (size_t i = 0; i < n; i++) {
                float32x4_t x, y;
                uint32_t flags;
                int64_t t_ns;

                if (s16) {
                        const int16_t *p = xyz + 3 * i;
                        int32x4_t v = { p[0], p[1], p[2], 0 };

                        x = vmulq_n_f32(vcvtq_f32_s32(v), scale);
                        t_ns = t ? t[i] : 0;
                        flags = 0;
                } else {
                        x = (float32x4_t){ in[i].v[0], in[i].v[1], in[i].v[2], 0.0f };
                        t_ns = in[i].t_ns;
                        flags = in[i].flags;
                }
                y = cascade(x, i1, i2, c, ns);
                out[i] = (Frame){
                        .t_ns = t_ns,
                        .v = { vgetq_lane_f32(y, 0), vgetq_lane_f32(y, 1), vgetq_lane_f32(y, 2) },
                        .flags = flags,
                };
        }

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                vst1q_f32(d->state[s][0], i1[s]);
                vst1q_f32(d->state[s][1], i2[s]);
        }
}

static SvfData *neon_data(Filter *f)
{
        unsigned todo;
        SvfData *d = filter_kdata_acquire(f, &filter_kernel_neon, &todo);

        if (todo & FILTER_KDATA_SETUP)
                svf_setup(d, f);
        if (todo & FILTER_KDATA_IMPORT)
                svf_import(d, f);
        return d;
}

#define RUN_SECTIONS(s16)                                          \
        do {                                                       \
                switch (d->n_sections) {                           \
                case 1:                                            \
                        run(d, in, xyz, scale, t, out, n, 1, s16); \
                        break;                                     \
                case 2:                                            \
                        run(d, in, xyz, scale, t, out, n, 2, s16); \
                        break;                                     \
                case 3:                                            \
                        run(d, in, xyz, scale, t, out, n, 3, s16); \
                        break;                                     \
                default:                                           \
                        run(d, in, xyz, scale, t, out, n, 4, s16); \
                        break;                                     \
                }                                                  \
        } while (0)

static void neon_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        SvfData *d = neon_data(f);
        const int16_t *xyz = NULL;
        const int64_t *t = NULL;
        float scale = 0.0f;

        RUN_SECTIONS(false);
}

static void neon_process_s16(Filter *f, const int16_t *xyz, float scale, const int64_t *t,
                             Frame *out, size_t n)
{
        SvfData *d = neon_data(f);
        const Frame *in = NULL;

        RUN_SECTIONS(true);
}

static void neon_sync(Filter *f)
{
        svf_export(filter_kdata(f), f);
}

const FilterKernel filter_kernel_neon = {
        .name = "neon",
        .process = neon_process,
        .process_s16 = neon_process_s16,
        .sync = neon_sync,
};

#endif
