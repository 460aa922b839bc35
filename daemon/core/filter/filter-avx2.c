/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AVX2 + FMA kernel: the reference's own transposed-direct-form-II state in
 * double, one 256-bit register per state with lanes {x, y, z, pad}. It works
 * on filter_state_direct() itself, so it needs no kernel data and no sync.
 *
 * The reference computes s1' = b1·x − a1·y + s2 after y = b0·x + s1, which
 * puts two dependent operations between s1 and s1'. Substituting y,
 *
 *   y   = b0·x + s1
 *   s1' = (b1 − a1·b0)·x + s2 − a1·s1
 *   s2' = (b2 − a2·b0)·x − a2·s1
 *
 * leaves one FMA on every state's path (x comes from the section before,
 * computed ahead), so the frame rate is no longer set by the latency of the
 * recurrence. Only this file's functions use AVX2; the build stays baseline.
 */
#if defined(__x86_64__)

#include <immintrin.h>
#include <stdbool.h>

#include "core/filter/filter-private.h"
#include "core/filter/filter-x86.h"

#define AVX2_FN       __attribute__((target("avx2,fma")))
#define ALWAYS_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

typedef struct Coef {
        __m256d b0, c1, c2, na1, na2;
} Coef;

ALWAYS_INLINE __m256d cascade(__m256d x, __m256d *s1, __m256d *s2, const Coef *c, size_t ns)
{
#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                __m256d y = _mm256_fmadd_pd(c[s].b0, x, s1[s]);
                __m256d n1 = _mm256_fmadd_pd(c[s].na1, s1[s], _mm256_fmadd_pd(c[s].c1, x, s2[s]));
                __m256d n2 = _mm256_fmadd_pd(c[s].na2, s1[s], _mm256_mul_pd(c[s].c2, x));

                s1[s] = n1;
                s2[s] = n2;
                x = y;
        }
        return x;
}

/* Frames from @in, or with @s16 raw samples from @xyz; @s16 and @ns are constants. */
ALWAYS_INLINE void run(Filter *f, const Frame *in, const int16_t *xyz, float scale,
                       const int64_t *t, Frame *out, size_t n, bool s16, size_t ns)
{
        double(*st)[3][2] = (double(*)[3][2]) filter_state_direct(f);
        const __m128 vscale = _mm_set1_ps(scale);
        const Biquad *q;
        __m256d s1[FILTER_MAX_SECTIONS], s2[FILTER_MAX_SECTIONS];
        Coef c[FILTER_MAX_SECTIONS];
        size_t n_sections;

        q = filter_sections(f, &n_sections);

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                c[s] = (Coef){
                        .b0 = _mm256_set1_pd(q[s].b0),
                        .c1 = _mm256_set1_pd(q[s].b1 - q[s].a1 * q[s].b0),
                        .c2 = _mm256_set1_pd(q[s].b2 - q[s].a2 * q[s].b0),
                        .na1 = _mm256_set1_pd(-q[s].a1),
                        .na2 = _mm256_set1_pd(-q[s].a2),
                };
                s1[s] = _mm256_setr_pd(st[s][0][0], st[s][1][0], st[s][2][0], 0.0);
                s2[s] = _mm256_setr_pd(st[s][0][1], st[s][1][1], st[s][2][1], 0.0);
        }

        for (size_t i = 0; i < n; i++) {
                __m128 raw, x, y;
                int64_t t_ns;

                if (s16) {
                        raw = _mm_setzero_ps();
                        x = _mm_mul_ps(
                                _mm_cvtepi32_ps(_mm_cvtepi16_epi32(x86_load_s16(xyz + 3 * i))),
                                vscale);
                        t_ns = t ? t[i] : 0;
                } else {
                        raw = x86_frame_load(&in[i]);
                        x = _mm_and_ps(raw, x86_lanes_xyz());
                        t_ns = in[i].t_ns;
                }
                y = _mm256_cvtpd_ps(cascade(_mm256_cvtps_pd(x), s1, s2, c, ns));
                out[i].t_ns = t_ns;
                _mm_storeu_ps(&out[i].v[0], _mm_blend_ps(y, raw, 0x8));
        }

#pragma GCC unroll 4
        for (size_t s = 0; s < ns; s++) {
                double v1[4], v2[4];

                _mm256_storeu_pd(v1, s1[s]);
                _mm256_storeu_pd(v2, s2[s]);
                for (size_t a = 0; a < 3; a++) {
                        st[s][a][0] = v1[a];
                        st[s][a][1] = v2[a];
                }
        }
}

/* The number of sections, for FILTER_RUN_SECTIONS(). */
static size_t sections_of(const Filter *f)
{
        size_t n;

        (void) filter_sections(f, &n);
        return n;
}

AVX2_FN static void avx2_process(Filter *f, const Frame *in, Frame *out, size_t n)
{
        FILTER_RUN_SECTIONS(sections_of(f), run, f, in, NULL, 0.0f, NULL, out, n, false);
}

AVX2_FN static void avx2_process_s16(Filter *f, const int16_t *xyz, float scale, const int64_t *t,
                                     Frame *out, size_t n)
{
        FILTER_RUN_SECTIONS(sections_of(f), run, f, NULL, xyz, scale, t, out, n, true);
}

const FilterKernel filter_kernel_avx2 = {
        .name = "avx2",
        .process = avx2_process,
        .process_s16 = avx2_process_s16,
};

#endif
