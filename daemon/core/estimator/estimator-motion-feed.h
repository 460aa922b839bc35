/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * motion_feed() inline, for the feeding in estimator.c (a call a sample,
 * with its saved registers and the result through memory, cost a tenth of
 * it): the per-sample part, with the once-a-block parts out of line in
 * estimator-motion.c. Included by estimator.c and estimator-motion.c only.
 */

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "util/macro.h"

/** motion_block_end() - the trunk block is complete. Return: its job or -1. */
int motion_block_end(Motion *m);

#if defined(__x86_64__)
/* A vector as x, y in one register and z (with a spare lane) in another. */
typedef struct Vec3 {
        __m128d xy, z;
} Vec3;

/* median3() lane by lane, to the bit: _mm_min_pd(a, b) is a < b ? a : b,
 * MIN(a, b), and _mm_max_pd(a, b) is a > b ? a : b, MAX(a, b) (NaNs and
 * signed zeros included: MINPD and MAXPD return their second operand
 * unless the comparison holds). */
static inline __m128d median3_pd(__m128d a, __m128d b, __m128d c)
{
        return _mm_max_pd(_mm_min_pd(a, b), _mm_min_pd(_mm_max_pd(a, b), c));
}

/* Push @x into the history @h of the two vectors before it; return the
 * per-axis median of the three (@x itself until there are three). */
static inline Vec3 median_push(double h[2][4], size_t n_hist, Vec3 x)
{
        Vec3 h0 = { _mm_loadu_pd(h[0]), _mm_loadu_pd(h[0] + 2) };
        Vec3 h1 = { _mm_loadu_pd(h[1]), _mm_loadu_pd(h[1] + 2) };
        Vec3 r = x;

        if (n_hist >= 3) {
                r.xy = median3_pd(x.xy, h0.xy, h1.xy);
                r.z = median3_pd(x.z, h0.z, h1.z);
        }
        _mm_storeu_pd(h[1], h0.xy);
        _mm_storeu_pd(h[1] + 2, h0.z);
        _mm_storeu_pd(h[0], x.xy);
        _mm_storeu_pd(h[0] + 2, x.z);
        return r;
}

/* The median of the last three raw vectors (motion_medians()). */
typedef Vec3 Median;

/* dot3(@a, @b) in registers: a0·b0 and a1·b1 in a pair, their sum, then
 * plus a2·b2, the scalar code's operations in its order. Kept out of
 * memory: a load of a double from the upper half of a 16-byte store just
 * made waits for the store. */
static inline double vec3_dot(Vec3 a, Vec3 b)
{
        __m128d p = _mm_mul_pd(a.xy, b.xy);

        return _mm_cvtsd_f64(
                _mm_add_sd(_mm_add_sd(p, _mm_unpackhi_pd(p, p)), _mm_mul_sd(a.z, b.z)));
}

/* dot3(@med, @up). */
static inline double median_dot(Median med, const double up[3])
{
        return vec3_dot(med, (Vec3){ _mm_loadu_pd(up), _mm_load_sd(up + 2) });
}

/* norm3(@med). */
static inline double median_norm(Median med)
{
        return sqrt(vec3_dot(med, med));
}

/* @ret->dynamic gets the median of the last three raw - gravity, and
 * @ret->d2 its dot3() with itself; the median of the last three raw
 * vectors is added to m->block_raw, and returned: the same subtractions,
 * medians and additions, axis by axis, as one at a time. */
static inline Median motion_medians(Motion *m, const double raw[3], const double gravity[3],
                                    MotionResult *ret)
{
        Vec3 x = { _mm_loadu_pd(raw), _mm_load_sd(raw + 2) };
        Vec3 d = { _mm_sub_pd(x.xy, _mm_loadu_pd(gravity)),
                   _mm_sub_sd(x.z, _mm_load_sd(gravity + 2)) };
        Vec3 rd = median_push(m->dyn, m->n_hist, d);
        Vec3 rx = median_push(m->hist, m->n_hist, x);

        _mm_storeu_pd(ret->dynamic, rd.xy);
        _mm_store_sd(ret->dynamic + 2, rd.z);
        ret->d2 = vec3_dot(rd, rd);
        _mm_storeu_pd(m->block_raw, _mm_add_pd(_mm_loadu_pd(m->block_raw), rx.xy));
        m->block_raw[2] += _mm_cvtsd_f64(rx.z);
        return rx;
}
#else
/* Push @v into the history @h of the two vectors before it; @med gets the
 * per-axis median of the three (@v itself until there are three). */
static inline void median_push(double h[2][4], size_t n_hist, const double v[3], double med[3])
{
        for (size_t k = 0; k < 3; k++) {
                med[k] = n_hist < 3 ? v[k] : median3(v[k], h[0][k], h[1][k]);
                h[1][k] = h[0][k];
                h[0][k] = v[k];
        }
}

typedef struct Median {
        double v[3];
} Median;

static inline double median_dot(Median med, const double up[3])
{
        return dot3(med.v, up);
}

static inline double median_norm(Median med)
{
        return norm3(med.v);
}

static inline Median motion_medians(Motion *m, const double raw[3], const double gravity[3],
                                    MotionResult *ret)
{
        double d[3];
        Median med = { { 0 } }; /* median_push() writes it all */

        for (size_t k = 0; k < 3; k++)
                d[k] = raw[k] - gravity[k];
        median_push(m->dyn, m->n_hist, d, ret->dynamic);
        median_push(m->hist, m->n_hist, raw, med.v);
        for (size_t k = 0; k < 3; k++)
                m->block_raw[k] += med.v[k];
        ret->d2 = dot3(ret->dynamic, ret->dynamic);
        return med;
}
#endif

/* A sample's vertical value @v (at @t_walk) into the walking blocks
 * (@slow: block = 1, the sample a reading; see motion_feed_gn()). */
__attribute__((always_inline)) static inline void motion_walk_sample(Motion *m, int64_t t_walk,
                                                                     const double raw[3],
                                                                     const double up[3], double gn,
                                                                     double v, bool slow)
{
        /* No block ends before the next: motion_walk_blocks_until()
         * would only note the sample. Before the first sample
         * (walk_have_t false) walk_next_ns is INT64_MIN, which no
         * time is less than: the call notes it. */
        if (t_walk < m->walk_next_ns) {
                m->walk_prev_ns = t_walk;
                m->walk_prev_v = v;
        } else
                motion_walk_blocks_until(m, t_walk, v);
        if (slow)
                motion_walk_read(m, gn >= MIN_NORM ? dot3(raw, up) / gn : norm3(raw));
        if (gn >= MIN_NORM) {
                /* x and y as a pair: each lane is its scalar division and sum. */
                Pair u = pair_load(m->block_u) + pair_load(up) / (Pair){ gn, gn };

                memcpy(m->block_u, &u, sizeof(u));
                m->block_u[2] += up[2] / gn;
        }
        m->block_v += v;
        m->walk_in_block++;
}

/* motion_feed() (see there), inline, with @gn, norm3(@up), worked out
 * beforehand (estimator_feed_many() does so for a batch at once). */
static inline int motion_feed_gn(Motion *m, int64_t t_ns, const double raw[3],
                                 const double gravity[3], const double up[3], double gn,
                                 MotionResult *ret)
{
        double smooth[3];
        int64_t t_walk = t_ns;
        int job = -1;
        Median med;

        /* MIN(n_hist + 1, 3), stored only while it grows. */
        if (m->n_hist < 3)
                m->n_hist++;
        med = motion_medians(m, raw, gravity, ret);
        /* A slow sensor's walking blocks take its readings smoothed (see
         * motion_walk_reading()); a faster one's, their median. walk_fast
         * and walk_slow: walk_enabled with block > 1 and with block = 1. */
        if (m->walk_fast)
                motion_walk_sample(m, t_walk, raw, up, gn,
                                   gn >= MIN_NORM ? median_dot(med, up) / gn : median_norm(med),
                                   false);
        else if (m->walk_slow && motion_walk_reading(m, &t_walk, raw, smooth))
                motion_walk_sample(m, t_walk, raw, up, gn,
                                   gn >= MIN_NORM ? dot3(smooth, up) / gn : norm3(smooth), true);

        if (++m->in_block >= m->block)
                job = motion_block_end(m);

        ret->walking = m->walking;
        return job;
}

/* motion_feed() (see there), inline. */
static inline int motion_feed_inline(Motion *m, int64_t t_ns, const double raw[3],
                                     const double gravity[3], const double up[3], MotionResult *ret)
{
        return motion_feed_gn(m, t_ns, raw, gravity, up, norm3(up), ret);
}
