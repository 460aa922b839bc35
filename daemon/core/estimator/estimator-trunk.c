/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trunk smoother of the motion path: the forward EMA of the block means,
 * the backward passes of a batch (with their AVX2 kernels), and the trunk's
 * direction and rate from their results. */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/estimator/estimator-motion-feed.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "core/estimator/rate-view.h"
#include "util/macro.h"

/* The smoothed vector of a turning trunk is gravity plus what is left of
 * the centripetal part, within a few m/s² of g. Further from g, the
 * sensor's own acceleration (the impacts and bounce of running, a jump, a
 * fall onto a bed) dominates it, and the change of its direction is no
 * rotation of the trunk: the rate is then not known (NaN). */
#define TRUNK_MAX_FORCE_DEVIATION 0.25

/*
 * The trunk smoother: each block mean of the (median) raw vector goes into a
 * forward EMA; then the same EMA, run backwards over the last trunk_lag
 * forward values, gives the zero-phase kernel e^(-|t|/τ) / 2τ for the block
 * trunk_lag blocks back. Its transfer 1 / (1 + (ωτ)²) undoes the tangential
 * acceleration r·θ'' exactly when τ² = r / g (see estimator.h). The rate is
 * the angle between two successive smoothed directions.
 *
 * The backward pass is a chain of trunk_lag dependent steps, which take
 * their time however fast the machine. So a batch's blocks only note theirs
 * (trunk_forward()); motion_trunk_run() then runs the batch's passes four at
 * a time, each step for four blocks at once, and motion_trunk_next() takes
 * the results in order. Each pass does the same operations in the same
 * order as one at a time would.
 */

/* The forward buffer is full: its last fwd_size values (all that the
 * batch's jobs and the next trunk_lag blocks read, see struct Motion) move
 * to its start, and the jobs' places with them. Return: the new head.
 * Out of line: once every fwd_span - fwd_size blocks. */
static __attribute__((noinline)) size_t trunk_slide(Motion *m)
{
        size_t from = m->fwd_head - m->fwd_size;

        for (size_t ax = 0; ax < 2 * 3; ax++)
                memmove(m->fwd + ax * m->fwd_span, m->fwd + ax * m->fwd_span + from,
                        m->fwd_size * sizeof(double));
        for (size_t j = 0; j < m->n_jobs; j++)
                m->job_at[j] -= from;
        m->fwd_head = m->fwd_size;
        return m->fwd_size;
}

/* A block mean into the forward EMA. Return: the job for its backward
 * pass, or -1 while fewer than trunk_lag + 1 values are in. */
static inline int trunk_forward(Motion *m, Pair xy, double z)
{
        const Pair a = pair_load(m->ema_aa), b = pair_load(m->ema_bb);
        const size_t span = m->fwd_span;
        Pair sxy, bxy;
        double *f, sz;
        size_t k;

        if (!m->have_fwd) {
                memcpy(m->fwd_state, &xy, sizeof(xy));
                m->fwd_state[2] = z;
                m->have_fwd = true;
        }
        /* x and y as a pair: each lane is ema_a · state + ema_b · value. */
        sxy = a * pair_load(m->fwd_state) + b * xy;
        sz = m->ema_a * m->fwd_state[2] + m->ema_b * z;
        memcpy(m->fwd_state, &sxy, sizeof(sxy));
        m->fwd_state[2] = sz;
        k = m->fwd_head;
        if (k == span)
                k = trunk_slide(m);
        /* The backward passes' products ema_b · value, each worked out once
         * here rather than in each of the trunk_lag passes that take it:
         * the same product of the same values. */
        bxy = b * sxy;
        f = m->fwd + k;
        f[0] = sxy[0];
        f[span] = sxy[1];
        f[2 * span] = sz;
        f[3 * span] = bxy[0];
        f[4 * span] = bxy[1];
        f[5 * span] = m->ema_b * sz;
        m->fwd_head = k + 1;
        /* fwd_count = MIN(fwd_count + 1, trunk_lag + 1) */
        if (m->fwd_count <= m->trunk_lag && ++m->fwd_count <= m->trunk_lag)
                return -1;

        assert(m->n_jobs < MOTION_BATCH);
        m->job_at[m->n_jobs] = k;
        return (int) m->n_jobs++;
}

/** motion_block_end() - a trunk block is complete: its mean into the forward EMA. */
int motion_block_end(Motion *m)
{
        Pair xy = pair_load(m->block_raw);
        double z = m->block_raw[2];
        int job;

        /* @sum / block: as a product where that is the same (a power of
         * two); x and y as a pair, each lane as the scalar operation. */
        if (m->block_inv > 0) {
                xy *= (Pair){ m->block_inv, m->block_inv };
                z *= m->block_inv;
        } else {
                double n = (double) m->block;

                xy /= (Pair){ n, n };
                z /= n;
        }
        job = trunk_forward(m, xy, z);

        m->in_block = 0;
        m->block_raw[0] = m->block_raw[1] = m->block_raw[2] = 0;
        return job;
}

/* The backward pass of the job @j alone: from the newest forward value to
 * the oldest, b = a·b + (1 - a)·value, each axis on its own; (1 - a)·value
 * is the product kept in the forward buffer (trunk_forward()). */
static void trunk_backward1(Motion *m, size_t j)
{
        const double a = m->ema_a;

        for (size_t k = 0; k < 3; k++) {
                const double *p = m->fwd + k * m->fwd_span + m->job_at[j];
                const double *pb = p + 3 * m->fwd_span;
                double b = p[0];

                for (size_t i = 1; i <= m->trunk_lag; i++)
                        b = a * b + pb[-(ptrdiff_t) i];
                m->job_b[k][j] = b;
        }
}

/* The jobs @j..@j + TRUNK_RUN - 1 exist and are blocks in a row. */
static bool trunk_in_a_row(const Motion *m, size_t j)
{
        if (j + TRUNK_RUN > m->n_jobs)
                return false;
        for (size_t q = 1; q < TRUNK_RUN; q++)
                if (m->job_at[j + q] != m->job_at[j] + q)
                        return false;
        return true;
}

/* trunk_backward1() for the TRUNK_RUN jobs from @j, blocks in a row (see
 * trunk_in_a_row()), lane by lane: the same operations on the same values.
 * Their newest values lie in a row from m->job_at[j] on, and so do those i
 * blocks older: one vector holds four jobs' values of an axis. */
static void trunk_backward_run(Motion *m, size_t j)
{
        typedef double Run __attribute__((vector_size(TRUNK_RUN * sizeof(double))));
        const double a = m->ema_a;
        const Run pa = { a, a, a, a, a, a, a, a };
        Run b[3];
        const double *p[3];

        _Static_assert(TRUNK_RUN == 8, "a lane for each block of the run");
        for (size_t k = 0; k < 3; k++) {
                p[k] = m->fwd + k * m->fwd_span + m->job_at[j];
                memcpy(&b[k], p[k], sizeof(b[k]));
        }
        for (size_t i = 1; i <= m->trunk_lag; i++)
                for (size_t k = 0; k < 3; k++) {
                        Run y;

                        memcpy(&y, p[k] + 3 * m->fwd_span - i, sizeof(y));
                        b[k] = pa * b[k] + y;
                }
        for (size_t k = 0; k < 3; k++)
                memcpy(&m->job_b[k][j], &b[k], sizeof(b[k]));
}

#if defined(__x86_64__)
/* trunk_backward_run() with AVX2, two 4-lane vectors an axis. */
__attribute__((target("avx2"))) static void trunk_backward_run_avx2(Motion *m, size_t j)
{
        const __m256d pa = _mm256_set1_pd(m->ema_a);
        const double *px = m->fwd + m->job_at[j];
        const double *py = px + m->fwd_span, *pz = py + m->fwd_span;
        /* The products (1 - a)·value (trunk_forward()). */
        const double *qx = pz + m->fwd_span, *qy = qx + m->fwd_span, *qz = qy + m->fwd_span;
        __m256d x0 = _mm256_loadu_pd(px), x1 = _mm256_loadu_pd(px + 4);
        __m256d y0 = _mm256_loadu_pd(py), y1 = _mm256_loadu_pd(py + 4);
        __m256d z0 = _mm256_loadu_pd(pz), z1 = _mm256_loadu_pd(pz + 4);

        /* b = a·b + (1 - a)·value: a product, then the sum, as in
         * trunk_backward1() (no fused multiply-add). Four steps a turn
         * of the loop (its count and jump are a fifth of a step's
         * instructions), then the rest one at a time: the same steps in
         * the same order. */
#pragma GCC unroll 4
        for (size_t i = 1; i <= m->trunk_lag; i++) {
                x0 = _mm256_add_pd(_mm256_mul_pd(pa, x0), _mm256_loadu_pd(qx - i));
                x1 = _mm256_add_pd(_mm256_mul_pd(pa, x1), _mm256_loadu_pd(qx + 4 - i));
                y0 = _mm256_add_pd(_mm256_mul_pd(pa, y0), _mm256_loadu_pd(qy - i));
                y1 = _mm256_add_pd(_mm256_mul_pd(pa, y1), _mm256_loadu_pd(qy + 4 - i));
                z0 = _mm256_add_pd(_mm256_mul_pd(pa, z0), _mm256_loadu_pd(qz - i));
                z1 = _mm256_add_pd(_mm256_mul_pd(pa, z1), _mm256_loadu_pd(qz + 4 - i));
        }
        _mm256_storeu_pd(&m->job_b[0][j], x0);
        _mm256_storeu_pd(&m->job_b[0][j + 4], x1);
        _mm256_storeu_pd(&m->job_b[1][j], y0);
        _mm256_storeu_pd(&m->job_b[1][j + 4], y1);
        _mm256_storeu_pd(&m->job_b[2][j], z0);
        _mm256_storeu_pd(&m->job_b[2][j + 4], z1);
}

#endif

/* The rate's y = |@a × @u| and x = @a · @u of two successive directions
 * (see trunk_finish()). */
static inline void trunk_rate_yx(const double a[3], const double u[3], double *y, double *x)
{
        double c[3];

        c[0] = a[1] * u[2] - a[2] * u[1];
        c[1] = a[2] * u[0] - a[0] * u[2];
        c[2] = a[0] * u[1] - a[1] * u[0];
        *y = norm3(c);
        *x = dot3(a, u);
}

/* motion_trunk_prepare() for the jobs [0, @n), one at a time. */
static void trunk_prepare1(Motion *m, size_t n)
{
        for (size_t j = 0; j < n; j++) {
                const double b[3] = { m->job_b[0][j], m->job_b[1][j], m->job_b[2][j] };
                double nb = norm3(b);

                m->job_n[j] = nb;
                for (size_t k = 0; k < 3; k++)
                        m->job_u[k][1 + j] = b[k] / nb;
        }
        for (size_t j = 0; j < n; j++) {
                const double a[3] = { m->job_u[0][j], m->job_u[1][j], m->job_u[2][j] };
                const double u[3] = { m->job_u[0][1 + j], m->job_u[1][1 + j], m->job_u[2][1 + j] };

                trunk_rate_yx(a, u, &m->job_y[j], &m->job_x[j]);
                m->job_hi[j] = rate_pending_bound(m->job_y[j], m->job_x[j], m->block_rate_hz);
        }
}

#if defined(__x86_64__)
/* trunk_prepare1() for the jobs [0, @n) rounded up to four, four at a time
 * with AVX: each lane makes the scalar code's operations in its order
 * (IEEE multiplication, addition, division and square root are correctly
 * rounded in every lane; no FMA: none written, and -ffp-contract=off), so
 * the same bits. The lanes past @n work on stale values of the arrays
 * (MOTION_BATCH is a multiple of four), which no job reads. */
__attribute__((target("avx2"))) static void trunk_prepare_avx2(Motion *m, size_t n)
{
        const __m256d zero = _mm256_setzero_pd(), inf = _mm256_set1_pd(INFINITY);
        const __m256d deg = _mm256_set1_pd(180.0 / M_PI);
        const __m256d per_s = _mm256_set1_pd(m->block_rate_hz);
        const __m256d margin = _mm256_set1_pd(RATE_VIEW_MARGIN);
        const __m256d tiny = _mm256_set1_pd(DBL_MIN);

        _Static_assert(MOTION_BATCH % 4 == 0, "whole vectors of jobs");
        for (size_t j = 0; j < n; j += 4) {
                const __m256d x = _mm256_loadu_pd(&m->job_b[0][j]);
                const __m256d y = _mm256_loadu_pd(&m->job_b[1][j]);
                const __m256d z = _mm256_loadu_pd(&m->job_b[2][j]);
                /* norm3(): (x·x + y·y) + z·z, then its square root. */
                const __m256d nb = _mm256_sqrt_pd(
                        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(x, x), _mm256_mul_pd(y, y)),
                                      _mm256_mul_pd(z, z)));

                _mm256_storeu_pd(&m->job_n[j], nb);
                _mm256_storeu_pd(&m->job_u[0][1 + j], _mm256_div_pd(x, nb));
                _mm256_storeu_pd(&m->job_u[1][1 + j], _mm256_div_pd(y, nb));
                _mm256_storeu_pd(&m->job_u[2][1 + j], _mm256_div_pd(z, nb));
        }
        for (size_t j = 0; j < n; j += 4) {
                const __m256d a0 = _mm256_loadu_pd(&m->job_u[0][j]);
                const __m256d a1 = _mm256_loadu_pd(&m->job_u[1][j]);
                const __m256d a2 = _mm256_loadu_pd(&m->job_u[2][j]);
                const __m256d u0 = _mm256_loadu_pd(&m->job_u[0][1 + j]);
                const __m256d u1 = _mm256_loadu_pd(&m->job_u[1][1 + j]);
                const __m256d u2 = _mm256_loadu_pd(&m->job_u[2][1 + j]);
                /* trunk_rate_yx(). */
                const __m256d c0 = _mm256_sub_pd(_mm256_mul_pd(a1, u2), _mm256_mul_pd(a2, u1));
                const __m256d c1 = _mm256_sub_pd(_mm256_mul_pd(a2, u0), _mm256_mul_pd(a0, u2));
                const __m256d c2 = _mm256_sub_pd(_mm256_mul_pd(a0, u1), _mm256_mul_pd(a1, u0));
                const __m256d yy = _mm256_sqrt_pd(
                        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c0, c0), _mm256_mul_pd(c1, c1)),
                                      _mm256_mul_pd(c2, c2)));
                const __m256d xx =
                        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(a0, u0), _mm256_mul_pd(a1, u1)),
                                      _mm256_mul_pd(a2, u2));
                /* rate_pending_bound(): y / x · (180 / π) · per_s · margin
                 * + DBL_MIN where x > 0 (an ordered comparison: false for
                 * NaN), +∞ elsewhere. */
                const __m256d hi = _mm256_add_pd(
                        _mm256_mul_pd(
                                _mm256_mul_pd(_mm256_mul_pd(_mm256_div_pd(yy, xx), deg), per_s),
                                margin),
                        tiny);

                _mm256_storeu_pd(&m->job_y[j], yy);
                _mm256_storeu_pd(&m->job_x[j], xx);
                _mm256_storeu_pd(&m->job_hi[j],
                                 _mm256_blendv_pd(inf, hi, _mm256_cmp_pd(xx, zero, _CMP_GT_OQ)));
        }
}
#endif

/**
 * motion_trunk_prepare() - the once-a-block arithmetic of trunk_finish() for
 * the jobs [0, n_jobs) at once, before any job is taken.
 * @m: the state.
 *
 * The norm of each smoothed vector, its direction, and the rate's y, x and
 * bound against the direction of the job before it (the first job's against
 * m->trunk as it is now). A block's square roots and divisions wait for the
 * dot products before them and then for each other (about a hundred cycles
 * a block, one block after the other when each job works out its own); here
 * the blocks' chains are independent and overlap, four lanes at a time with
 * AVX2. trunk_finish() takes a job's y and x only where m->trunk is the
 * direction they were worked out against (trunk_src == job - 1): every job
 * whose rate is worked out, when the jobs are taken in order (a job with a
 * bad norm, which leaves the trunk alone, also leaves have_trunk false);
 * otherwise it works them out anew. The same operations on the same values
 * as each job alone would make.
 */
void motion_trunk_prepare(Motion *m)
{
        for (size_t k = 0; k < 3; k++)
                m->job_u[k][0] = m->trunk[k];
        m->trunk_src = -1;
#if defined(__x86_64__)
        if (m->avx2) {
                trunk_prepare_avx2(m, m->n_jobs);
                return;
        }
#endif
        trunk_prepare1(m, m->n_jobs);
}

/**
 * motion_trunk_run() - the backward passes of the blocks fed since the last
 * call (see trunk_forward()), and what motion_trunk_prepare() works out of them.
 * @m: the state.
 */
void motion_trunk_run(Motion *m)
{
        assert(m);

        /* Nothing to do: the jobs prepared last time stay as they are. */
        if (m->n_jobs == 0)
                return;
        for (size_t i = 0; i < m->n_jobs;) {
                if (!trunk_in_a_row(m, i)) {
                        trunk_backward1(m, i);
                        i++;
                        continue;
                }
#if defined(__x86_64__)
                if (m->avx2) {
                        trunk_backward_run_avx2(m, i);
                        i += TRUNK_RUN;
                        continue;
                }
#endif
                trunk_backward_run(m, i);
                i += TRUNK_RUN;
        }
        motion_trunk_prepare(m);
        m->n_jobs = 0;
}

/* @v into @trunk as the caller reads it: x and y in one 16-byte store, z
 * in an 8-byte one. A 16-byte load (a copy of the trunk, memcmp()) of
 * x and y written by two 8-byte stores is not forwarded from them: it
 * waits until they reach the cache, at each job. */
static inline void trunk_store(double trunk[3], const double v[3])
{
        Pair xy = { v[0], v[1] };

        memcpy(trunk, &xy, sizeof(xy));
        trunk[2] = v[2];
}

/* Job @j's block: the trunk's new direction and rate from its smoothed
 * vector (its norm, direction, and y and x against the direction before,
 * from motion_trunk_prepare()), into @m and motion_trunk_next()'s @rate_dps,
 * @rate and @trunk. Each value is stored from a register to both: reading
 * @m's back at once would wait for the stores (a load across two of them
 * is not forwarded). */
static void trunk_finish(Motion *m, size_t j, double *rate_dps, RatePending *rate, double trunk[3])
{
        const double n = m->job_n[j];
        const double u[3] = { m->job_u[0][1 + j], m->job_u[1][1 + j], m->job_u[2][1 + j] };
        RatePending r = { .per_s = 0 };
        double dps;
        /* Within a quarter of g, n is finite and above MIN_NORM (0.75 g
         * is 7.4 m/s²; n − g is exact there, n being within [g/2, 2g]
         * (Sterbenz), and a NaN or an infinity makes ok false): the test
         * below then holds, and is made only where ok does not. */
        bool ok = fabs(n - STANDARD_GRAVITY) <= TRUNK_MAX_FORCE_DEVIATION * STANDARD_GRAVITY;

        if (!ok && (!(n >= MIN_NORM) || !isfinite(n))) {
                m->have_trunk = false;
                *rate_dps = NAN;
                *rate = m->rate;
                rate->per_s = 0;
                for (size_t k = 0; k < 3; k++)
                        trunk[k] = NAN;
                return;
        }

        if (m->have_trunk && !(ok && m->trunk_force_ok)) {
                dps = NAN;
                r.y = m->rate.y;
                r.x = m->rate.x;
        } else if (m->have_trunk) {
                /* atan2(|a × b|, a · b) keeps its precision for tiny angles.
                 * It is put off (rate-view.h): rate_pending_value() works
                 * out atan2(y, x) · (180 / π) · block_rate_hz where the
                 * value is needed, with a bound above it for comparisons. */
                if (m->trunk_src == (int) j - 1) {
                        r.y = m->job_y[j];
                        r.x = m->job_x[j];
                        dps = m->job_hi[j];
                } else {
                        trunk_rate_yx(m->trunk, u, &r.y, &r.x);
                        dps = rate_pending_bound(r.y, r.x, m->block_rate_hz);
                }
                r.per_s = m->block_rate_hz;
        } else {
                dps = 0;
                r.y = m->rate.y;
                r.x = m->rate.x;
        }
        m->rate_dps = *rate_dps = dps;
        /* Both from r: m->rate = *rate = r would read *rate back. */
        *rate = r;
        m->rate = r;
        trunk_store(m->trunk, u);
        trunk_store(trunk, u);
        m->trunk_src = (int) j;
        m->have_trunk = true;
        m->trunk_force_ok = ok;
}

/**
 * motion_trunk_next() - the trunk after a sample of the batch, in order.
 * @m: the state.
 * @job: what motion_feed() returned for the sample.
 * @rate_dps: the angular rate, degrees per second (>= 0), or NaN (also while
 *            the smoothed vector is more than 25 % away from g); while
 *            @rate is pending, a bound above the rate.
 * @rate: the rate's atan2(), when put off (rate-view.h).
 * @trunk: the direction, unit vector, body frame, or NaN.
 *
 * Called after motion_trunk_run(), once for each valid sample. Both values
 * lie motion_lag_ns() behind the sample, and are NaN until the smoother has
 * seen that much data.
 */
void motion_trunk_next(Motion *m, int job, double *rate_dps, RatePending *rate, double trunk[3])
{
        assert(m);
        assert(rate_dps);
        assert(rate);
        assert(trunk);

        if (job >= 0) {
                trunk_finish(m, (size_t) job, rate_dps, rate, trunk);
                return;
        }
        *rate_dps = m->have_trunk ? m->rate_dps : NAN;
        *rate = m->rate;
        if (!m->have_trunk)
                rate->per_s = 0;
        if (m->have_trunk)
                trunk_store(trunk, m->trunk);
        else
                trunk[0] = trunk[1] = trunk[2] = NAN;
}
