/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sure look at the walking window: the verdict of walk_evaluate()
 * (estimator-walk.c) from exact integer sums that follow the ring block by
 * block, bounded by how far they can lie from the floating-point values the
 * full evaluation computes; only when a bound cannot tell is the window
 * evaluated in full. The verdict is the same to the bit either way.
 *
 * The integers. q_t = floor(v_t · S), S = WALK_SURE_SCALE, t the time order
 * of the window (t = 0 the oldest). v_t · S is exact (S a power of two), so
 * q_t / S = v_t − δ_t with 0 <= δ_t < 1 / S. The full evaluation's lin_t =
 * fl(v_t − mean), its mean off the real one by at most (n + 1) · 2^-46
 * (n additions of values under 2^7, each rounded by 2^-53 of a sum under
 * n · 2^7), each subtraction rounded by at most 2^-45. So with
 * ã_t = (q_t − Q / n) / S (Q = Σ q_t, no rounding: a real number),
 *
 *     |lin_t − ã_t| <= η = 1 / S + (n + 8) · 2^-44,
 *
 * and the same holds within a quarter about its own mean (walk_sustained()
 * takes each quarter's mean, rounded the same way). The ℓ2 norm moves by at
 * most the largest move of its terms (times √n), so a standard deviation
 * from the integers, σ̃, lies within η of the full evaluation's (before its
 * own rounding, a relative 2^-40 at most for n <= 4096).
 *
 * The autocorrelation. With a = lin, C_k = Σ a_t a_t+k, C̃_k the same of ã,
 * σ² = Σ a² / n and σ̃² = Σ ã² / n: a_t a_t+k − ã_t ã_t+k = e_t a_t+k +
 * ã_t e_t+k with |e_t| <= η, so |C_k − C̃_k| <= η (Σ|a| + Σ|ã|) <=
 * n η (σ + σ̃) (Cauchy-Schwarz), and n |σ² − σ̃²| no more. For r_k =
 * C_k / ((n − k) σ²) and r̃_k = C̃_k / ((n − k) σ̃²),
 *
 *     |r_k − r̃_k| <= (n / (n − k) + |r̃_k|) · η (σ + σ̃) / σ²,
 *
 * and σ >= σ̃ − η bounds the last factor (E below). The full evaluation
 * rounds its sums of n products by at most n · 2^-53 of Σ|a_t a_t+k| <=
 * n σ², its divisions by 2^-53 each: another (n / (n − k) + |r_k|) · 2^-39
 * at most, |r_k| <= n / (n − k). The integer side's own rounding (see
 * walk_sure_lags()) is added as well. So each r_k lies in [lo_k, hi_k],
 * and a comparison that these bounds decide is decided as the full
 * evaluation decides it; one they do not decide sends the window to it.
 *
 * The integer sums: P_k = Σ_t<n−k q_t q_t+k, for the lags the step search
 * looks at, and each quarter's Σ q and Σ q², exact in an int64_t (see
 * WALK_SURE_SCALE), are kept as blocks come and go while the window is not
 * surely still (a block costs some 60 multiplications), and rebuilt from
 * the ring when it stops being still (some n · max_lag): see
 * estimator-walk-sums.c.
 */
#include <assert.h>
#include <float.h>
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

/*
 * The sway. walk_evaluate() passes the window when each direction u_i (a
 * unit vector, or zero) lies within walk_max_sway_deg of the sum M of
 * them: fl(u_i · M) / fl(|M|) >= cos_max_sway. Here a direction rho is
 * kept with dmin <= u_i · rho for every u_i in the window (the minimum
 * over all added since rho was chosen: those that left can only raise it)
 * and su, the sum of the u_i, added and removed as they come and go.
 * With θ1 the largest angle from rho to a u_i (cos θ1 >= dmin − 2^-40: the
 * dot's rounding and |u_i|, |rho| within 2^-50 of 1), θ2 the angle from
 * rho to su and θ3 that from su to M, each u_i lies within θ1 + θ2 + θ3 of
 * M. su and M are sums of n unit vectors rounded at most 9n times (rho is
 * chosen anew every 4n blocks) by at most 2^-53 (n + 1) each: with
 * cos θ1 >= 1/2, so |Σ u_i| >= n / 2, θ3 < 2^-30 for n <= 4096.
 * cos(θ1 + θ2) >= c1 c2 − s1 s2 for lower bounds c of the cosines and the
 * upper bounds s = √(1 − c²) of the sines, computed within 2^-25; so a
 * computed value 2^-20 above cos_max_sway leaves cos(θ1 + θ2 + θ3) well
 * above it, and the full evaluation's rounding (some 2^-50) cannot bring
 * any u_i under it. True: the sway surely passes; false: cannot tell.
 */
static bool sure_sway_passes(const Motion *m)
{
        double c1 = m->sure_dmin - 0x1p-40, l = norm3(m->sure_su), c2, s1, s2;

        if (!(c1 >= 0.5 && l > 0))
                return false;
        c2 = dot3(m->sure_su, m->sure_rho) / l - 0x1p-40;
        if (!(c2 > 0))
                return false;
        c1 = MIN(c1, 1.0);
        c2 = MIN(c2, 1.0);
        s1 = sqrt(1 - c1 * c1);
        s2 = sqrt(1 - c2 * c2);
        return c1 * c2 - s1 * s2 - 0x1p-20 >= m->cos_max_sway;
}

/* A three-valued verdict: 1 true, 0 false, -1 cannot tell. */
static inline int tri_and(int a, int b)
{
        if (a == 0 || b == 0)
                return 0;
        return a == 1 && b == 1 ? 1 : -1;
}

/* r[a] >= r[b], r[a] > r[b], r[a] >= x, from the bounds. */
static inline int tri_ge(const Motion *m, size_t a, size_t b)
{
        return m->s_lo[a] >= m->s_hi[b] ? 1 : m->s_hi[a] < m->s_lo[b] ? 0 : -1;
}

static inline int tri_gt(const Motion *m, size_t a, size_t b)
{
        return m->s_lo[a] > m->s_hi[b] ? 1 : m->s_hi[a] <= m->s_lo[b] ? 0 : -1;
}

/* r[a] >= x for every x in [xlo, xhi]. */
static inline int tri_ge_x(const Motion *m, size_t a, double xlo, double xhi)
{
        return m->s_lo[a] >= xhi ? 1 : m->s_hi[a] < xlo ? 0 : -1;
}

/* r[k] is a peak: r[k] >= r[k - 1] && r[k] > r[k + 1]. */
static inline int tri_peak(const Motion *m, size_t k)
{
        return tri_and(tri_ge(m, k, k - 1), tri_gt(m, k, k + 1));
}

/* walk_half_peak() with a threshold somewhere in [tlo, thi]: 1 and @ret, or -1. */
static int sure_half_peak(const Motion *m, size_t best, size_t first, size_t last, double tlo,
                          double thi, size_t *ret)
{
        for (size_t k = first, tol = MAX(best / 8, (size_t) 1); k + 1 < last; k++) {
                int t;

                if (2 * k + 2 * tol < best)
                        continue;
                if (2 * k > best + 2 * tol)
                        break;
                t = tri_and(tri_peak(m, k), tri_ge_x(m, k, tlo, thi));
                if (t < 0)
                        return -1;
                if (t > 0) {
                        *ret = k;
                        return 1;
                }
        }
        *ret = 0;
        return 1;
}

/*
 * walk_refined_hz() of a peak k (r[k] >= r[k - 1], r[k] > r[k + 1], from
 * the bounds, with r[k] − r[k + 1] >= 2^-20 (1 + |r|)): the parabola's
 * vertex lies within half a lag of k, as |r[k-1] − r[k+1]| <= −den; the
 * rounding of den and of the difference (2^-50 of |r|) moves it by under
 * 2^-26 more. So the frequency lies in [rate / (k + 0.5 + 2^-20),
 * rate / (k − 0.5 − 2^-20)], give or take its own rounding. False when the
 * gap is too small to say.
 */
static bool sure_hz(const Motion *m, size_t k, double *lo, double *hi)
{
        double mag = 1 + MAX(fabs(m->s_lo[k]), fabs(m->s_hi[k])) +
                     MAX(fabs(m->s_lo[k - 1]), fabs(m->s_hi[k - 1])) +
                     MAX(fabs(m->s_lo[k + 1]), fabs(m->s_hi[k + 1]));

        if (!(m->s_lo[k] - m->s_hi[k + 1] >= 0x1p-20 * mag))
                return false;
        *lo = m->block_rate_hz / ((double) k + 0.5 + 0x1p-20) * (1 - 0x1p-40);
        *hi = m->block_rate_hz / ((double) k - 0.5 - 0x1p-20) * (1 + 0x1p-40);
        return true;
}

/*
 * The lags k in [@from, @last) that may be peaks: not hi[k] < lo[k - 1] ||
 * hi[k] <= lo[k + 1] (surely no peak), bit k of @may (words of 64 lags).
 * The same comparisons of the same values as sure_periodic()'s loop made
 * lag by lag, all at once; that loop then visits the lags whose bit is set.
 */
static void sure_may_peak(const Motion *m, size_t from, size_t last, uint64_t *may)
{
        const double *lo = m->s_lo, *hi = m->s_hi;

        for (size_t w = from / 64; w <= (last - 1) / 64; w++)
                may[w] = 0;
        for (size_t k = from; k < last; k++)
                may[k / 64] |= (uint64_t) !(hi[k] < lo[k - 1] || hi[k] <= lo[k + 1]) << (k % 64);
}

#if defined(__x86_64__)
/* sure_may_peak() with AVX2, four lags at a time (the comparisons ordered
 * and quiet, as C's < and <= are: false with a NaN). The fours start at
 * multiples of 4, so that none straddles two words; lags below @from are
 * then cleared. */
__attribute__((target("avx2"))) static void sure_may_peak_avx2(const Motion *m, size_t from,
                                                               size_t last, uint64_t *may)
{
        const double *lo = m->s_lo, *hi = m->s_hi;
        size_t k = from & ~(size_t) 3;
        uint64_t acc = 0;

        if (k == 0) {
                /* Lag 0 has no lag before it: lags 1..3 one by one. */
                for (k = 1; k < 4 && k < last; k++)
                        acc |= (uint64_t) !(hi[k] < lo[k - 1] || hi[k] <= lo[k + 1]) << k;
        }
        /* Word by word (a word's fours end with it: 64 is a multiple of
         * four). !(h < l) and !(h <= l) are the unordered negations
         * NLT_UQ and NLE_UQ (true with a NaN, as the negation of an ordered
         * comparison is), so the may-bits come from the mask itself. */
        while (k + 4 <= last) {
                size_t end = MIN(last, (k / 64 + 1) * 64);

                for (; k + 4 <= end; k += 4) {
                        __m256d h = _mm256_loadu_pd(hi + k);
                        __m256d may4 = _mm256_and_pd(
                                _mm256_cmp_pd(h, _mm256_loadu_pd(lo + k - 1), _CMP_NLT_UQ),
                                _mm256_cmp_pd(h, _mm256_loadu_pd(lo + k + 1), _CMP_NLE_UQ));

                        acc |= (uint64_t) _mm256_movemask_pd(may4) << (k % 64);
                }
                if (k % 64 == 0) {
                        may[k / 64 - 1] = acc;
                        acc = 0;
                }
        }
        for (; k < last; k++)
                acc |= (uint64_t) !(hi[k] < lo[k - 1] || hi[k] <= lo[k + 1]) << (k % 64);
        if (last % 64 != 0)
                may[(last - 1) / 64] = acc;
        may[from / 64] &= ~(uint64_t) 0 << (from % 64);
}
#endif

/**
 * walk_sure_may_peak() - the lags k in [@from, @last) that may be peaks, by
 * the bounds s_lo and s_hi: bit k of @may (1 <= @from < @last <= max_lag + 2).
 */
void walk_sure_may_peak(const Motion *m, size_t from, size_t last, uint64_t *may)
{
        assert(from >= 1 && from < last && last <= m->max_lag + 2);
#if defined(__x86_64__)
        if (m->avx2) {
                sure_may_peak_avx2(m, from, last, may);
                return;
        }
#endif
        sure_may_peak(m, from, last, may);
}

/* The next lag from @k (< @last) whose bit is set in @may, or @last. */
static inline size_t sure_next_may(const uint64_t *may, size_t k, size_t last)
{
        while (k < last) {
                uint64_t w = may[k / 64] >> (k % 64);

                if (w)
                        return MIN(k + (size_t) __builtin_ctzll(w), last);
                k = (k / 64 + 1) * 64;
        }
        return last;
}

/* walk_periodic() from the bounds s_lo, s_hi of r. */
static int sure_periodic(Motion *m)
{
        const double *lo = m->s_lo, *hi = m->s_hi;
        size_t last = m->max_lag + 2, best = 0, first = 0, step = 0, stride = 0, k;
        uint64_t may[WALK_SURE_MAX_BLOCKS / 64 + 1];
        double flo, fhi, min_corr;
        int t;

        assert(last <= WALK_SURE_MAX_BLOCKS); /* sure_on: last < n_blocks */
        /* Up to the first r[k] < 0 (surely), each r[k] >= 0 (surely). */
        for (k = 1; k < last; k++) {
                if (hi[k] < 0)
                        break;
                if (!(lo[k] >= 0))
                        return -1;
        }
        /* From there on, the lags that are surely no peak, the most
         * common case, are skipped; the others are looked at in order. */
        if (k < last)
                walk_sure_may_peak(m, k, last, may);
        for (k = sure_next_may(may, k, last); k < last; k = sure_next_may(may, k + 1, last)) {
                t = tri_peak(m, k);
                if (t < 0)
                        return -1;
                if (t == 0)
                        continue;
                if (first == 0)
                        first = k;
                if (best == 0)
                        best = k;
                else {
                        t = tri_gt(m, k, best);
                        if (t < 0)
                                return -1;
                        if (t > 0)
                                best = k;
                }
        }
        if (best == 0)
                return 0;

        /* fl(0.7 · r) is monotonic in r: the threshold lies between those of
         * the bounds. */
        if (sure_half_peak(m, best, first, last, WALK_STEP_OF_STRIDE * m->s_lo[best],
                           WALK_STEP_OF_STRIDE * m->s_hi[best], &step) < 0)
                return -1;
        if (step > 0)
                best = step;
        else {
                /* walk_refined_hz(best) < walk_min_step_hz */
                if (!sure_hz(m, best, &flo, &fhi))
                        return -1;
                if (fhi < m->walk_min_step_hz) {
                        if (sure_half_peak(m, best, first, last, DBL_MIN, DBL_MIN, &step) < 0)
                                return -1;
                        if (step > 0) {
                                stride = best;
                                best = step;
                        }
                } else if (!(flo >= m->walk_min_step_hz))
                        return -1;
        }

        /* Without a step found (step 0, and so stride 0), best is the lag
         * whose sure_hz() was just worked out: the same again would give
         * the same bounds, a function of the lag and of s_lo, s_hi alone,
         * which nothing here changes. */
        if (step > 0 && !sure_hz(m, best, &flo, &fhi))
                return -1;
        if (fhi < m->walk_min_step_hz || flo > m->walk_max_step_hz)
                return 0;
        if (!(flo >= m->walk_min_step_hz && fhi <= m->walk_max_step_hz))
                return -1;
        min_corr = (m->walking ? WALK_KEEP_CORR : 1.0) * m->walk_min_corr;
        if (stride > 0)
                return tri_ge_x(m, stride, min_corr, min_corr);
        /* Short of it, the stride decides (walk_stride_periodic()): the full
         * evaluation does. */
        return tri_ge_x(m, best, min_corr, min_corr) == 1 ? 1 : -1;
}

/* The spread of @cnt integers with sum @s and sum of squares @s2, as a
 * standard deviation in m/s², within [*lo, *hi] before the η of the top of
 * the file. (cnt · s2 − s², each term under 2^-53 · cnt · s2 from the
 * exact, 2^-48 · cnt · s2 in all.) */
static void sure_spread(double cnt, int64_t s, int64_t s2, double *lo, double *hi)
{
        double a = cnt * (double) s2, d = a - (double) s * (double) s, b = 0x1p-48 * a;

        *lo = sqrt(MAX(d - b, 0.0) / (cnt * cnt)) * (1 - 0x1p-50) / WALK_SURE_SCALE;
        *hi = sqrt(MAX(d + b, 0.0) / (cnt * cnt)) * (1 + 0x1p-50) / WALK_SURE_SCALE;
}

/* x >= min, with the full evaluation's standard deviation x within η and a
 * relative 2^-40 of [lo, hi]. */
static int sure_at_least(double lo, double hi, double eta, double min)
{
        if ((lo - eta) * (1 - 0x1p-30) >= min)
                return 1;
        if ((hi + eta) * (1 + 0x1p-30) < min)
                return 0;
        return -1;
}

/* walk_sure_at_least_sq() with its bounds @hi2 and @lo2 (walk_sure_sq_bounds()). */
static inline int sure_at_least_sq(double cnt, int64_t s, int64_t s2, double hi2, double lo2)
{
        double a = cnt * (double) s2, d = a - (double) s * (double) s, b = 0x1p-48 * a;

        if (d - b >= hi2)
                return 1;
        if (d + b < lo2)
                return 0;
        return -1;
}

/*
 * walk_sure_at_least_sq() - sure_at_least() of the spread of @cnt integers with sum @s and sum of
 * squares @s2, against @min, without its root and division: the squares of
 * the bounds, in units of the integers' n · Σq² − (Σq)². Its D lies within
 * b of the computed d (see sure_spread()), σ̃ = √D / (cnt · S), and the full
 * evaluation's standard deviation lies in [(σ̃ − η)(1 − 2^-40),
 * (σ̃ + η)(1 + 2^-40)]. So it is surely at least @min when σ̃ >= M_hi =
 * min (1 + 2^-29) + η (> (min / (1 − 2^-40) + η), so that (σ̃ − η)(1 −
 * 2^-40) >= min), that is D >= (M_hi · cnt · S)², and surely under it
 * when σ̃ < M_lo = min (1 − 2^-29) − η (M_lo > 0), D < (M_lo · cnt · S)².
 * The factors 1 ± 2^-30 on the squares take the rounding of d ± b and of
 * the products (a dozen roundings by 2^-53 each); the margins are those of
 * sure_spread() and sure_at_least() within a relative 2^-28: the bounds
 * decide (nearly) the same windows, and what they decide is decided right.
 */
int walk_sure_at_least_sq(double cnt, int64_t s, int64_t s2, double eta, double min)
{
        double hi2, lo2;

        walk_sure_sq_bounds(cnt, eta, min, &hi2, &lo2);
        return sure_at_least_sq(cnt, s, s2, hi2, lo2);
}

/**
 * walk_sure_sq_bounds() - the squared bounds walk_sure_at_least_sq() compares with:
 * (M_hi · cnt · S)² (1 + 2^-30) into @hi2, (M_lo · cnt · S)² (1 − 2^-30) into @lo2,
 * or −∞ there when M_lo is not > 0 (no d + b is under it: never surely under).
 * A function of its arguments alone: sure_verdict() takes those of its
 * quarters, worked out once for the state (walk_sure_rebuild()).
 */
void walk_sure_sq_bounds(double cnt, double eta, double min, double *hi2, double *lo2)
{
        double hi = (min * (1 + 0x1p-29) + eta) * cnt * WALK_SURE_SCALE;
        double lo = (min * (1 - 0x1p-29) - eta) * cnt * WALK_SURE_SCALE;

        *hi2 = hi * hi * (1 + 0x1p-30);
        *lo2 = lo > 0 ? lo * lo * (1 - 0x1p-30) : -INFINITY;
}

/* The verdict of walk_sure(), the sums valid. */
static int sure_verdict(Motion *m)
{
        size_t n = m->n_blocks, qn = n / WALK_QUARTERS;
        double eta = m->sure_eta, p0, d, lo, hi;
        double sig_lo, sig_hi;
        int amp, quarters = 1, periodic;

        if (m->sq_wild > 0 || !(m->walk_min_rms > 0))
                return -1;

        /* The amplitude: sqrt(var) >= walk_min_rms (and var > 0). */
        p0 = (double) m->sp[0];
        sure_spread((double) n, m->sq_all, m->sp[0], &lo, &hi);
        amp = sure_at_least(lo, hi, eta, m->walk_min_rms);
        if (amp == 0)
                return 0;

        /* Each quarter: sqrt(var / q) >= walk_min_rms / 2. */
        for (size_t j = 0; j < WALK_QUARTERS && quarters != 0; j++)
                quarters =
                        tri_and(quarters, sure_at_least_sq((double) qn, m->sq_sum[j], m->sq_sum2[j],
                                                           m->sure_q_hi2, m->sure_q_lo2));
        if (quarters == 0)
                return 0;

        /* n σ̃² in integer units, within 2^-48 P_0 (see sure_spread()). */
        d = ((double) n * p0 - (double) m->sq_all * (double) m->sq_all) / (double) n;
        sig_lo = lo * WALK_SURE_SCALE - eta * WALK_SURE_SCALE;
        sig_hi = hi * WALK_SURE_SCALE;
        if (!walk_sure_lags(m, p0, d, sig_lo, sig_hi, eta * WALK_SURE_SCALE))
                return -1;
        periodic = sure_periodic(m);
        if (periodic == 0)
                return 0;
        if (periodic < 0 || amp < 0 || quarters < 0)
                return -1;

        if (m->sure_age >= 4 * n)
                walk_sure_anchor(m);
        if (!sure_sway_passes(m)) {
                if (m->sure_age == 0)
                        return -1;
                walk_sure_anchor(m);
                if (!sure_sway_passes(m))
                        return -1;
        }
        return 1;
}

/**
 * walk_sure() - the verdict of walk_evaluate() from the sure look.
 * @m: the state: a full window, not surely still nor running.
 *
 * The verdict is the conjunction of the amplitude, the quarters, the sway
 * and the periodicity (block > 1: no roughness check): false when one of
 * them is surely false, true when all are surely true.
 *
 * Return: 1 walking, 0 not, -1 when the full evaluation must tell.
 */
int walk_sure(Motion *m)
{
        int r;

        if (!m->sure_on)
                return -1;
        if (!m->sure_valid)
                walk_sure_rebuild(m);
        r = sure_verdict(m);
        if (r >= 0)
                m->n_sure++;
        return r;
}
