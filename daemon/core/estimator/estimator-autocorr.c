/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The autocorrelation of the walking window (motion_walk_autocorr()), two
 * lanes at a time, or four with AVX2, the same to the bit either way. */
#include <stddef.h>
#include <string.h>

#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"

/*
 * The normalised autocorrelation r[k] of lin, the sums of lin[i]·lin[i + k]
 * over i divided by the count and the variance. Each sum adds its products
 * in the order of i, as a lag at a time would, so the sums are the same to
 * the bit; 8 lags (24 or 32 with AVX2) share a loop, two (four) to a
 * vector, so that their additions overlap. Vector lanes are rounded each as
 * a double alone, and there is no FMA.
 */

/* The lags [k, k + g) from the sums of their first @common terms. */
static void autocorr_finish(Motion *m, double var, size_t k, size_t g, size_t common, double sum[])
{
        const double *lin = m->lin;
        size_t n = m->n_blocks;

        /* The longer lags' last terms, still in the order of i. */
        for (size_t j = 0; j < g; j++) {
                for (size_t i = common; i + k + j < n; i++)
                        sum[j] += lin[i] * lin[i + k + j];
                m->r[k + j] = sum[j] / (double) (n - k - j) / var;
        }
}

/* The lags [k, k + 8), all below n. */
static void autocorr8(Motion *m, double var, size_t k)
{
        const double *lin = m->lin;
        /* Spelt out, so that the sums stay in registers. */
        Pair a0 = { 0, 0 }, a1 = { 0, 0 }, a2 = { 0, 0 }, a3 = { 0, 0 };
        /* The terms that all the lags have. */
        size_t common = m->n_blocks - (k + 7);

        for (size_t i = 0; i < common; i++) {
                const double *y = lin + i + k;
                Pair x = { lin[i], lin[i] };

                a0 += x * pair_load(y);
                a1 += x * pair_load(y + 2);
                a2 += x * pair_load(y + 4);
                a3 += x * pair_load(y + 6);
        }
        autocorr_finish(m, var, k, 8, common,
                        (double[]){ a0[0], a0[1], a1[0], a1[1], a2[0], a2[1], a3[0], a3[1] });
}

#if defined(__x86_64__)
/*
 * The lags [k, k + 4 · nq), all below n, nq vectors of four side by side:
 * more chains than the adder's latency needs (a lag's additions are a chain
 * that must keep its order), so that the adds and multiplies keep all their
 * units busy. Each lane j adds the products lin[i] · lin[i + k + j] in the
 * order of i, as autocorr8() does; past the terms that all the lags have,
 * the lanes whose lag has no term at i add +0 instead (the product, whatever
 * it is, is masked off). Adding +0 leaves any sum s unchanged unless s is
 * -0, and a sum that starts at +0 never becomes -0 under rounding to
 * nearest (x + y is -0 only when both are -0), so every sum is the same to
 * the bit as a lag at a time. Only these functions use AVX2.
 */
typedef double Quad __attribute__((vector_size(32)));
typedef long long QuadMask __attribute__((vector_size(32)));

/* @a + @x · y[0..3], lanes where @keep is 0 adding +0 instead. */
__attribute__((target("avx2"), always_inline)) static inline Quad
quad_mac(Quad a, Quad x, const double *y, QuadMask keep)
{
        Quad yq;

        memcpy(&yq, y, sizeof(yq));
        return a + (Quad) ((QuadMask) (x * yq) & keep);
}

__attribute__((target("avx2"), always_inline)) static inline void autocorr_store(double *r, Quad v)
{
        memcpy(r, &v, sizeof(v));
}

/* The sums of the lags [k, k + 4 · nq) (nq 6 or 8) for i in [@from, @to),
 * lane j of vector q only while 4q + j < n - k - i when @tail. */
#define AUTOCORR_LOOP(from, to, tail)                                                      \
        for (size_t i = (from); i < (to); i++) {                                           \
                const double *y = lin + i + k;                                             \
                Quad x = { lin[i], lin[i], lin[i], lin[i] };                               \
                long long l = (tail) ? (long long) (n - k - i) : 32;                       \
                QuadMask left = { l, l, l, l };                                            \
                                                                                           \
                a0 = quad_mac(a0, x, y, (QuadMask){ 0, 1, 2, 3 } < left);                  \
                a1 = quad_mac(a1, x, y + 4, (QuadMask){ 4, 5, 6, 7 } < left);              \
                a2 = quad_mac(a2, x, y + 8, (QuadMask){ 8, 9, 10, 11 } < left);            \
                a3 = quad_mac(a3, x, y + 12, (QuadMask){ 12, 13, 14, 15 } < left);         \
                a4 = quad_mac(a4, x, y + 16, (QuadMask){ 16, 17, 18, 19 } < left);         \
                a5 = quad_mac(a5, x, y + 20, (QuadMask){ 20, 21, 22, 23 } < left);         \
                if (nq > 6) {                                                              \
                        a6 = quad_mac(a6, x, y + 24, (QuadMask){ 24, 25, 26, 27 } < left); \
                        a7 = quad_mac(a7, x, y + 28, (QuadMask){ 28, 29, 30, 31 } < left); \
                }                                                                          \
        }

__attribute__((target("avx2"), always_inline)) static inline void
autocorr_quads(Motion *m, double var, size_t k, size_t nq)
{
        const double *lin = m->lin;
        size_t n = m->n_blocks, common = n - (k + 4 * nq - 1);
        /* Spelt out, so that the sums stay in registers. */
        Quad a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 }, a4 = { 0 }, a5 = { 0 }, a6 = { 0 },
             a7 = { 0 };
        Quad vv = { var, var, var, var }, c;

        /* The terms that all the lags have, then the longer lags' last
         * ones. The loads stay within lin's and sum's room (k + 4 · nq <= n,
         * sum follows lin). */
        AUTOCORR_LOOP(0, common, false)
        AUTOCORR_LOOP(common, n - k, true)
        /* r = sum / count / var, four at a time: each lane is divided as a
         * double alone, the counts (integers under 2^53) exact. */
        c = (Quad){ (double) (n - k), (double) (n - k - 1), (double) (n - k - 2),
                    (double) (n - k - 3) };
        autocorr_store(m->r + k, a0 / c / vv);
        autocorr_store(m->r + k + 4, a1 / (c - 4) / vv);
        autocorr_store(m->r + k + 8, a2 / (c - 8) / vv);
        autocorr_store(m->r + k + 12, a3 / (c - 12) / vv);
        autocorr_store(m->r + k + 16, a4 / (c - 16) / vv);
        autocorr_store(m->r + k + 20, a5 / (c - 20) / vv);
        if (nq > 6) {
                autocorr_store(m->r + k + 24, a6 / (c - 24) / vv);
                autocorr_store(m->r + k + 28, a7 / (c - 28) / vv);
        }
}
#undef AUTOCORR_LOOP

/* The lags [k, k + 32), all below n. */
__attribute__((target("avx2"))) static void autocorr32_avx2(Motion *m, double var, size_t k)
{
        autocorr_quads(m, var, k, 8);
}

/* The lags [k, k + 24), all below n. */
__attribute__((target("avx2"))) static void autocorr24_avx2(Motion *m, double var, size_t k)
{
        autocorr_quads(m, var, k, 6);
}
#endif

/**
 * motion_walk_autocorr() - the autocorrelation of the walking window.
 * @m: the state, with m->lin the window in time order, minus its mean.
 * @var: its variance.
 * @from: the first lag.
 * @to: the lag after the last one wanted, at most n_blocks.
 *
 * Sets m->r[k] for the lags [@from, @to), and maybe a few more below
 * n_blocks. Each the same to the bit, whichever way it is computed (with or
 * without AVX2, alone or in a group).
 *
 * Return: the first lag not computed.
 */
size_t motion_walk_autocorr(Motion *m, double var, size_t from, size_t to)
{
        const double *lin = m->lin;
        size_t n = m->n_blocks, k = from;

#if defined(__x86_64__)
        if (m->avx2) {
                for (; k + 24 < to && k + 32 <= n; k += 32)
                        autocorr32_avx2(m, var, k);
                for (; k < to && k + 24 <= n; k += 24)
                        autocorr24_avx2(m, var, k);
        }
#endif
        for (; k < to && k + 8 <= n; k += 8)
                autocorr8(m, var, k);
        for (; k < to; k++) {
                double sum = 0;

                for (size_t i = 0; i + k < n; i++)
                        sum += lin[i] * lin[i + k];
                m->r[k] = sum / (double) (n - k) / var;
        }
        return k;
}
