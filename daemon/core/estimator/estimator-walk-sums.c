/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sure look's integer sums (see estimator-walk-sure.c for what they
 * bound and why): kept as blocks come and go, rebuilt from the ring, and
 * turned into bounds of the full evaluation's autocorrelation.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "util/macro.h"

static bool sure_wild(double v)
{
        return !(fabs(v) <= WALK_SURE_LIMIT);
}

/* The integer of @v: floor(v · S), exact (|v| <= 2^7, S = 2^16); 0 when wild. */
static int64_t sure_int(double v)
{
        return sure_wild(v) ? 0 : (int64_t) floor(v * WALK_SURE_SCALE);
}

/* rho anew: the window's mean direction, dmin over the window, su its sum. */
void walk_sure_anchor(Motion *m)
{
        size_t n = m->n_blocks;
        double s[3] = { 0, 0, 0 }, l;

        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < 3; k++)
                        s[k] += m->u[i][k];
        l = norm3(s);
        for (size_t k = 0; k < 3; k++) {
                m->sure_su[k] = s[k];
                m->sure_rho[k] = l > 0 ? s[k] / l : 0;
        }
        m->sure_dmin = INFINITY;
        for (size_t i = 0; i < n; i++) {
                double d = dot3(m->u[i], m->sure_rho);

                if (!(d >= m->sure_dmin)) /* NaN too: never sure */
                        m->sure_dmin = d;
        }
        m->sure_age = 0;
}

/* All the sums from the ring (full; its oldest at head). */
void walk_sure_rebuild(Motion *m)
{
        size_t n = m->n_blocks, h = m->head, q = n / WALK_QUARTERS, last = m->max_lag + 2;
        const int64_t *w = m->sq + h; /* w[t]: the window in time order */

        m->sq_wild = 0;
        for (size_t i = 0; i < n; i++) {
                m->sq[i] = m->sq[i + n] = sure_int(m->v[i]);
                m->sq_wild += sure_wild(m->v[i]);
        }
        for (size_t k = 0; k <= last; k++) {
                int64_t p = 0;

                for (size_t t = 0; t + k < n; t++)
                        p += w[t] * w[t + k];
                m->sp[k] = p;
        }
        m->sq_all = 0;
        for (size_t t = 0; t < n; t++)
                m->sq_all += w[t];
        /* A_k + B_k: all but the last k, and all but the first k. */
        m->sab[0] = 2 * m->sq_all;
        for (size_t k = 0; k < last; k++)
                m->sab[k + 1] = m->sab[k] - w[n - 1 - k] - w[k];
        for (size_t j = 0; j < WALK_QUARTERS; j++) {
                m->sq_sum[j] = m->sq_sum2[j] = 0;
                for (size_t t = j * q; t < (j + 1) * q; t++) {
                        m->sq_sum[j] += w[t];
                        m->sq_sum2[j] += w[t] * w[t];
                }
        }
        for (size_t k = 0; k <= last; k++) {
                m->s_rdk[k] = 1 / (double) (n - k);
                m->s_nk[k] = (double) n / (double) (n - k);
        }
        /* η of the file's top (estimator-walk-sure.c), and the bounds of
         * each quarter's spread against walk_min_rms / 2: constants of the
         * state, worked out here rather than for each window. */
        m->sure_eta = 1 / WALK_SURE_SCALE + (double) (n + 8) * 0x1p-44;
        walk_sure_sq_bounds((double) q, m->sure_eta, 0.5 * m->walk_min_rms, &m->sure_q_hi2,
                            &m->sure_q_lo2);
        walk_sure_anchor(m);
        m->sure_valid = true;
}

/* P_k += a[-k] · nq − old · b[k] and A_k + B_k += a[-k] − b[k] + nq − old
 * for the lags [@k, @last]: exact integers, so in any order. */
static size_t sure_products(int64_t *sp, int64_t *sab, const int64_t *a, const int64_t *b,
                            int64_t nq, int64_t old, size_t k, size_t last)
{
        for (; k <= last; k++) {
                sp[k] += a[-(ptrdiff_t) k] * nq - old * b[k];
                sab[k] += a[-(ptrdiff_t) k] - b[k] + (nq - old);
        }
        return k;
}

#if defined(__x86_64__)
/* The same, four lags at a time: the integers are under 2^23, so the
 * products of their low 32 bits (vpmuldq) are theirs. */
__attribute__((target("avx2"))) static size_t sure_products_avx2(int64_t *sp, int64_t *sab,
                                                                 const int64_t *a, const int64_t *b,
                                                                 int64_t nq, int64_t old, size_t k,
                                                                 size_t last)
{
        __m256i vn = _mm256_set1_epi64x(nq), vo = _mm256_set1_epi64x(old);
        __m256i vd = _mm256_set1_epi64x(nq - old);

        for (; k + 3 <= last; k += 4) {
                __m256i x = _mm256_loadu_si256((const __m256i *) (a - (ptrdiff_t) k - 3));
                __m256i y = _mm256_loadu_si256((const __m256i *) (b + k));
                __m256i p = _mm256_loadu_si256((const __m256i *) (sp + k));
                __m256i s = _mm256_loadu_si256((const __m256i *) (sab + k));

                /* a[-k], a[-k-1], a[-k-2], a[-k-3] in that order */
                x = _mm256_permute4x64_epi64(x, 0x1B);
                p = _mm256_add_epi64(
                        p, _mm256_sub_epi64(_mm256_mul_epi32(x, vn), _mm256_mul_epi32(y, vo)));
                s = _mm256_add_epi64(s, _mm256_add_epi64(_mm256_sub_epi64(x, y), vd));
                _mm256_storeu_si256((__m256i *) (sp + k), p);
                _mm256_storeu_si256((__m256i *) (sab + k), s);
        }
        return k;
}
#endif

/**
 * walk_sure_block() - a block into the sure look's sums.
 * @m: the state, its ring full and the sums valid.
 * @v: the new block's vertical value, which replaces the ring's oldest.
 * @u: its direction.
 *
 * Called before the block takes the oldest's place (head). With W the
 * window in time order and W[n] the new block, the next window is
 * W[1..n]: P_k loses W[0] W[k] and gains W[n − k] W[n], quarter j loses
 * W[jq] and gains W[(j + 1) q], all exact.
 */
void walk_sure_block(Motion *m, double v, const double u[3])
{
        size_t n = m->n_blocks, h = m->head, q = n / WALK_QUARTERS, last = m->max_lag + 2;
        int64_t *sq = m->sq, old = sq[h], nq = sure_int(v);
        const double *uo = m->u[h];
        double d;
        size_t k;

        m->sq_wild += sure_wild(v);
        m->sq_wild -= sure_wild(m->v[h]);
        sq[h] = sq[h + n] = nq;
        /* sq[h + t] is W[t] for 0 < t < n, and sq[h + n] is W[n]. */
        m->sp[0] += nq * nq - old * old;
        m->sab[0] += 2 * (nq - old);
        k = 1;
#if defined(__x86_64__)
        if (m->avx2)
                k = sure_products_avx2(m->sp, m->sab, sq + h + n, sq + h, nq, old, k, last);
#endif
        (void) sure_products(m->sp, m->sab, sq + h + n, sq + h, nq, old, k, last);
        m->sq_all += nq - old;
        for (size_t j = 0; j < WALK_QUARTERS; j++) {
                int64_t out = j == 0 ? old : sq[h + j * q], in = sq[h + (j + 1) * q];

                m->sq_sum[j] += in - out;
                m->sq_sum2[j] += in * in - out * out;
        }

        for (k = 0; k < 3; k++)
                m->sure_su[k] = (m->sure_su[k] - uo[k]) + u[k];
        d = dot3(u, m->sure_rho);
        if (!(d >= m->sure_dmin))
                m->sure_dmin = d;
        m->sure_age++;
}

#if defined(__x86_64__)
/* Exact conversions of int64_t lanes to double (AVX2 has none): @x under
 * 2^51 in magnitude, and any @x under 2^62 (its high and low 32 bits
 * converted alone, exactly, then added: the one rounding of a conversion). */
__attribute__((target("avx2"), always_inline)) static inline __m256d sure_small_to_double(__m256i x)
{
        __m256i magic = _mm256_set1_epi64x(0x4338000000000000);

        return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(x, magic)),
                             _mm256_castsi256_pd(magic));
}

__attribute__((target("avx2"), always_inline)) static inline __m256d sure_to_double(__m256i x)
{
        /* u = x + 2^62 >= 0: u = hi · 2^32 + lo, x = (hi − 2^30) · 2^32 + lo */
        __m256i u = _mm256_add_epi64(x, _mm256_set1_epi64x(INT64_C(1) << 62));
        __m256d hi = sure_small_to_double(_mm256_srli_epi64(u, 32));
        __m256d lo = sure_small_to_double(_mm256_and_si256(u, _mm256_set1_epi64x(0xffffffff)));

        hi = _mm256_mul_pd(_mm256_sub_pd(hi, _mm256_set1_pd(0x1p30)), _mm256_set1_pd(0x1p32));
        return _mm256_add_pd(hi, lo);
}

/* The loop of walk_sure_lags() four lags at a time, each lane the same
 * operations in the same order (no FMA): c[] = { qm, qm2, inv, e2, e3, e4 }.
 * Return: the first lag not done. */
__attribute__((target("avx2"))) static size_t sure_lags_avx2(Motion *m, const double c[6],
                                                             size_t last)
{
        __m256d qm = _mm256_set1_pd(c[0]), qm2 = _mm256_set1_pd(c[1]), inv = _mm256_set1_pd(c[2]);
        __m256d e2 = _mm256_set1_pd(c[3]), e3 = _mm256_set1_pd(c[4]), e4 = _mm256_set1_pd(c[5]);
        __m256d sign = _mm256_set1_pd(-0.0), four = _mm256_set1_pd(4);
        double n = (double) (int64_t) m->n_blocks; /* n <= MAX_BLOCKS: the same value */
        __m256d dk = _mm256_setr_pd(n, n - 1, n - 2, n - 3);
        /* The arrays in locals: the vector stores may alias the state
         * (m->s_lo, ...), which would be read again after each. */
        const int64_t *sp = m->sp, *sab = m->sab;
        const double *rdk = m->s_rdk, *nk = m->s_nk;
        double *lo = m->s_lo, *hi = m->s_hi;
        size_t k = 0;

        for (; k + 3 <= last; k += 4, dk = _mm256_sub_pd(dk, four)) {
                __m256d p = sure_to_double(_mm256_loadu_si256((const __m256i *) (sp + k)));
                __m256d ab = sure_small_to_double(_mm256_loadu_si256((const __m256i *) (sab + k)));
                __m256d cc = _mm256_add_pd(_mm256_sub_pd(p, _mm256_mul_pd(qm, ab)),
                                           _mm256_mul_pd(dk, qm2));
                __m256d r = _mm256_mul_pd(_mm256_mul_pd(cc, inv), _mm256_loadu_pd(rdk + k));
                __m256d eps =
                        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(nk + k), e3),
                                                    _mm256_mul_pd(_mm256_andnot_pd(sign, r), e2)),
                                      e4);

                _mm256_storeu_pd(lo + k, _mm256_sub_pd(r, eps));
                _mm256_storeu_pd(hi + k, _mm256_add_pd(r, eps));
        }
        return k;
}
#endif

/* The bounds s_lo, s_hi of r[0..max_lag + 2] (see estimator-walk-sure.c):
 * false when the window's spread is too small to bound them. */
bool walk_sure_lags(Motion *m, double p0, double d, double sig_lo, double sig_hi, double eta)
{
        size_t n = m->n_blocks, last = m->max_lag + 2;
        double dn = (double) n, qm = (double) m->sq_all / dn, qm2 = qm * qm, inv = dn / d;
        /* r_f = c · inv · s_rdk: three roundings, well within x. */
        double e, x, e2, e3, e4;
        size_t k;

        if (!(sig_lo > 0 && d > 0x1p-40 * p0))
                return false;
        /*
         * |r_k − r̃_k| <= (n / (n − k) + |r̃_k|) e, e = η (σ + σ̃) / σ² (estimator-walk-sure.c), and
         * the full evaluation's own rounding adds 2 (n / (n − k)) 2^-39. r̃_k is computed here as
         * C̃_k · (n / D) / (n − k), D = n σ̃²: C̃_k = P_k − q̄ (A_k + B_k) + (n − k) q̄² (A_k, B_k the
         * sums of the first and the last n − k integers), each of its terms at most 2 P_0
         * (Cauchy-Schwarz), its dozen roundings by 2^-53 of 4 P_0 at most: under 2^-46 P_0; D
         * within 2^-48 P_0 (sure_spread()). So the computed r_f (three roundings more) lies within
         * x (n / (n − k) + |r̃_k|) of r̃_k, x = 2^-45 P_0 / D < 2^-5, so within 2x (n / (n − k) +
         * |r_f|), and |r̃_k| <= |r_f| + that; s_nk is n / (n − k) within 2^-53 of it. With e < 1/2
         * all of it is under n / (n − k) · e3 + |r_f| · e2 + e4, e2 = e + 4x, e3 = e2 + 2^-38, e4 =
         * 2^-40, which also takes the rounding of this bound and of r_f ± it (|r_f| <= n / (n − k)
         * <= 2^12).
         */
        e = eta / sig_lo + eta * sig_hi / (sig_lo * sig_lo);
        x = 0x1p-45 * (p0 / d);
        e2 = e + 4 * x;
        e3 = e2 + 0x1p-38;
        e4 = 0x1p-40;
        if (!(e2 < 0.5))
                return false;
        k = 0;
#if defined(__x86_64__)
        if (m->avx2)
                k = sure_lags_avx2(m, (double[]){ qm, qm2, inv, e2, e3, e4 }, last);
#endif
        for (; k <= last; k++) {
                double c = ((double) m->sp[k] - qm * (double) m->sab[k]) + (double) (n - k) * qm2;
                double r = c * inv * m->s_rdk[k], eps = m->s_nk[k] * e3 + fabs(r) * e2 + e4;

                m->s_lo[k] = r - eps;
                m->s_hi[k] = r + eps;
        }
        return true;
}
