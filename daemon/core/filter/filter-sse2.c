/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86-64 baseline kernel: float state-variable sections (filter-svf.h),
 * one SSE2 register per state with lanes {x, y, z, pad}. One frame's x, y, z
 * and flags are one 16-byte load; the flags lane is masked off on the way in
 * (its bits could be a denormal or a NaN) and put back on the way out.
 */
#if defined(__x86_64__)

#include <emmintrin.h>
#include <stdbool.h>
#include <string.h>

#include "core/filter/filter-private.h"
#include "core/filter/filter-svf.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Lanes x, y, z: all bits; the pad lane: none. */
ALWAYS_INLINE __m128 lanes_xyz(void)
{
        return _mm_castsi128_ps(_mm_setr_epi32(-1, -1, -1, 0));
}

/*
 * One frame through @ns sections, see filter-svf.h; @ns is a constant in
 * every caller, so the loop unrolls and the states stay in registers.
 */
ALWAYS_INLINE __m128 cascade(__m128 x, __m128 *i1, __m128 *i2, const __m128 (*c)[_SVF_COEF_MAX],
                             size_t ns)
{
        const __m128 half = _mm_set1_ps(0.5f);

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                __m128 e1 = c[s][SVF_E1], e2 = c[s][SVF_E2], c2 = c[s][SVF_C2];
                __m128 n1 = _mm_add_ps(_mm_add_ps(i1[s], _mm_mul_ps(e1, i1[s])),
                                       _mm_sub_ps(_mm_mul_ps(e2, x), _mm_mul_ps(e2, i2[s])));
                __m128 n2 = _mm_add_ps(_mm_sub_ps(i2[s], _mm_mul_ps(c2, i2[s])),
                                       _mm_add_ps(_mm_mul_ps(c2, x), _mm_mul_ps(e2, i1[s])));

                x = _mm_mul_ps(_mm_add_ps(i2[s], n2), half);
                i1[s] = n1;
                i2[s] = n2;
        }
        return x;
}

/* Raw samples: three int16 (6 bytes, read as 4 + 2 so that the last frame
 * reads nothing beyond it), sign-extended, converted, scaled as float. */
ALWAYS_INLINE __m128 load_s16(const int16_t *p, __m128 scale)
{
        int32_t xy;
        __m128i v;

        memcpy(&xy, p, sizeof(xy));
        v = _mm_insert_epi16(_mm_cvtsi32_si128(xy), p[2], 2);
        v = _mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16);
        return _mm_mul_ps(_mm_cvtepi32_ps(v), scale);
}

/* Frames from @in, or with @s16 raw samples from @xyz; @ns and @s16 are constants. */
ALWAYS_INLINE void run(SvfData *d, const Frame *in, const int16_t *xyz, float scale,
                       const int64_t *t, Frame *out, size_t n, size_t ns, bool s16)
{
        const __m128 mask = lanes_xyz(), vscale = _mm_set1_ps(scale);
        __m128 i1[FILTER_MAX_SECTIONS], i2[FILTER_MAX_SECTIONS];
        __m128 c[FILTER_MAX_SECTIONS][_SVF_COEF_MAX];

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                i1[s] = _mm_load_ps(d->state[s][0]);
                i2[s] = _mm_load_ps(d->state[s][1]);
                for (size_t k = 0; k < _SVF_COEF_MAX; k++)
                        c[s][k] = _mm_load_ps(d->coef[s][k]);
        }

        for (size_t i = 0; i < n; i++) {
                __m128 raw, y;
                int64_t t_ns;

                if (s16) {
                        raw = _mm_setzero_ps();
                        y = cascade(load_s16(xyz + 3 * i, vscale), i1, i2, c, ns);
                        t_ns = t ? t[i] : 0;
                } else {
                        /* v[0..2] and flags; in == out is safe, all is read first. */
                        raw = _mm_loadu_ps(&in[i].v[0]);
                        y = cascade(_mm_and_ps(raw, mask), i1, i2, c, ns);
                        t_ns = in[i].t_ns;
                }
                out[i].t_ns = t_ns;
                _mm_storeu_ps(&out[i].v[0],
                              _mm_or_ps(_mm_and_ps(y, mask), _mm_andnot_ps(mask, raw)));
        }

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                _mm_store_ps(d->state[s][0], i1[s]);
                _mm_store_ps(d->state[s][1], i2[s]);
        }
}

static SvfData *sse2_data(Filter *f)
{
        unsigned todo;
        SvfData *d = filter_kdata_acquire(f, &filter_kernel_sse2, &todo);

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

static void sse2_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        SvfData *d = sse2_data(f);
        const int16_t *xyz = NULL;
        const int64_t *t = NULL;
        float scale = 0.0f;

        RUN_SECTIONS(false);
}

static void sse2_process_s16(Filter *f, const int16_t *xyz, float scale, const int64_t *t,
                             Frame *out, size_t n)
{
        SvfData *d = sse2_data(f);
        const Frame *in = NULL;

        RUN_SECTIONS(true);
}

static void sse2_sync(Filter *f)
{
        svf_export(filter_kdata(f), f);
}

const FilterKernel filter_kernel_sse2 = {
        .name = "sse2",
        .process = sse2_process,
        .process_s16 = sse2_process_s16,
        .sync = sse2_sync,
};

#endif
