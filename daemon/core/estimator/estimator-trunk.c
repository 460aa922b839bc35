/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trunk smoother of the motion path: the forward EMA of the block means,
 * the backward passes of a batch (with their AVX2 kernels), and the trunk's
 * direction and rate from their results. */
#include <assert.h>
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

/* A block mean into the forward EMA. Return: the job for its backward
 * pass, or -1 while fewer than trunk_lag + 1 values are in. */
static inline int trunk_forward(Motion *m, Pair xy, double z)
{
        const Pair a = { m->ema_a, m->ema_a }, b = { m->ema_b, m->ema_b };
        Pair sxy;
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
        f = m->fwd + k;
        f[0] = f[m->fwd_size] = m->fwd_state[0];
        f += m->fwd_span;
        f[0] = f[m->fwd_size] = m->fwd_state[1];
        f += m->fwd_span;
        f[0] = f[m->fwd_size] = m->fwd_state[2];
        /* The backward passes' products ema_b · value, each worked out once
         * here rather than in each of the trunk_lag passes that take it:
         * the same product of the same values. */
        sxy = b * sxy;
        f += m->fwd_span;
        f[0] = f[m->fwd_size] = sxy[0];
        f += m->fwd_span;
        f[0] = f[m->fwd_size] = sxy[1];
        f += m->fwd_span;
        f[0] = f[m->fwd_size] = m->ema_b * sz;
        if (k < TRUNK_RUN)
                for (size_t ax = 0; ax < 2 * 3; ax++)
                        m->fwd[ax * m->fwd_span + k + 2 * m->fwd_size] =
                                m->fwd[ax * m->fwd_span + k];
        m->fwd_head = k + 1 == m->fwd_size ? 0 : k + 1;
        m->fwd_count = MIN(m->fwd_count + 1, m->trunk_lag + 1);
        if (m->fwd_count <= m->trunk_lag)
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
 * is the product kept in the ring (trunk_forward()). */
static void trunk_backward1(Motion *m, size_t j)
{
        const double a = m->ema_a;

        for (size_t k = 0; k < 3; k++) {
                const double *p = m->fwd + k * m->fwd_span + m->job_at[j] + m->fwd_size;
                const double *pb = p + 3 * m->fwd_span;
                double b = p[0];

                for (size_t i = 1; i <= m->trunk_lag; i++)
                        b = a * b + pb[-(ptrdiff_t) i];
                m->job_b[j][k] = b;
        }
}

/* The jobs @j..@j + TRUNK_RUN - 1 exist and are blocks in a row. */
static bool trunk_in_a_row(const Motion *m, size_t j)
{
        if (j + TRUNK_RUN > m->n_jobs)
                return false;
        for (size_t q = 1; q < TRUNK_RUN; q++)
                if (m->job_at[j + q] != (m->job_at[j] + q) % m->fwd_size)
                        return false;
        return true;
}

/* trunk_backward1() for the TRUNK_RUN jobs from @j, blocks in a row (see
 * trunk_in_a_row()), lane by lane: the same operations on the same values.
 * Their newest values lie in a row from m->job_at[j] + fwd_size on (past
 * 2 · fwd_size, in the ring's third copy), and so do those i blocks older:
 * one vector holds four jobs' values of an axis. */
static void trunk_backward_run(Motion *m, size_t j)
{
        typedef double Run __attribute__((vector_size(TRUNK_RUN * sizeof(double))));
        const double a = m->ema_a;
        const Run pa = { a, a, a, a, a, a, a, a };
        Run b[3];
        const double *p[3];

        _Static_assert(TRUNK_RUN == 8, "a lane for each block of the run");
        for (size_t k = 0; k < 3; k++) {
                p[k] = m->fwd + k * m->fwd_span + m->job_at[j] + m->fwd_size;
                memcpy(&b[k], p[k], sizeof(b[k]));
        }
        for (size_t i = 1; i <= m->trunk_lag; i++)
                for (size_t k = 0; k < 3; k++) {
                        Run y;

                        memcpy(&y, p[k] + 3 * m->fwd_span - i, sizeof(y));
                        b[k] = pa * b[k] + y;
                }
        for (size_t q = 0; q < TRUNK_RUN; q++)
                for (size_t k = 0; k < 3; k++)
                        m->job_b[j + q][k] = b[k][q];
}

#if defined(__x86_64__)
/* trunk_backward_run() with AVX2, two 4-lane vectors an axis. Only this
 * function uses AVX2. */
__attribute__((target("avx2"))) static void trunk_backward_run_avx2(Motion *m, size_t j)
{
        const __m256d pa = _mm256_set1_pd(m->ema_a);
        const double *px = m->fwd + m->job_at[j] + m->fwd_size;
        const double *py = px + m->fwd_span, *pz = py + m->fwd_span;
        /* The products (1 - a)·value (trunk_forward()). */
        const double *qx = pz + m->fwd_span, *qy = qx + m->fwd_span, *qz = qy + m->fwd_span;
        __m256d x0 = _mm256_loadu_pd(px), x1 = _mm256_loadu_pd(px + 4);
        __m256d y0 = _mm256_loadu_pd(py), y1 = _mm256_loadu_pd(py + 4);
        __m256d z0 = _mm256_loadu_pd(pz), z1 = _mm256_loadu_pd(pz + 4);
        double b[3][TRUNK_RUN];

        /* b = a·b + (1 - a)·value: a product, then the sum, as in
         * trunk_backward1() (no fused multiply-add). */
        for (size_t i = 1; i <= m->trunk_lag; i++) {
                x0 = _mm256_add_pd(_mm256_mul_pd(pa, x0), _mm256_loadu_pd(qx - i));
                x1 = _mm256_add_pd(_mm256_mul_pd(pa, x1), _mm256_loadu_pd(qx + 4 - i));
                y0 = _mm256_add_pd(_mm256_mul_pd(pa, y0), _mm256_loadu_pd(qy - i));
                y1 = _mm256_add_pd(_mm256_mul_pd(pa, y1), _mm256_loadu_pd(qy + 4 - i));
                z0 = _mm256_add_pd(_mm256_mul_pd(pa, z0), _mm256_loadu_pd(qz - i));
                z1 = _mm256_add_pd(_mm256_mul_pd(pa, z1), _mm256_loadu_pd(qz + 4 - i));
        }
        _mm256_storeu_pd(b[0], x0);
        _mm256_storeu_pd(b[0] + 4, x1);
        _mm256_storeu_pd(b[1], y0);
        _mm256_storeu_pd(b[1] + 4, y1);
        _mm256_storeu_pd(b[2], z0);
        _mm256_storeu_pd(b[2] + 4, z1);
        for (size_t q = 0; q < TRUNK_RUN; q++)
                for (size_t k = 0; k < 3; k++)
                        m->job_b[j + q][k] = b[k][q];
}
#endif

/**
 * motion_trunk_run() - the backward passes of the blocks fed since the last
 * call (see trunk_forward()).
 * @m: the state.
 */
void motion_trunk_run(Motion *m)
{
        assert(m);

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
        m->n_jobs = 0;
}

/* The smoothed vector @b of a block: the trunk's new direction and rate. */
static void trunk_finish(Motion *m, const double b_in[3])
{
        double b[3] = { b_in[0], b_in[1], b_in[2] }, n, c[3];
        bool ok;

        n = norm3(b);
        if (!(n >= MIN_NORM) || !isfinite(n)) {
                m->have_trunk = false;
                return;
        }
        for (size_t j = 0; j < 3; j++)
                b[j] /= n;

        ok = fabs(n - STANDARD_GRAVITY) <= TRUNK_MAX_FORCE_DEVIATION * STANDARD_GRAVITY;
        m->rate.per_s = 0;
        if (m->have_trunk && !(ok && m->trunk_force_ok))
                m->rate_dps = NAN;
        else if (m->have_trunk) {
                /* atan2(|a × b|, a · b) keeps its precision for tiny angles.
                 * It is put off (rate-view.h): rate_pending_value() works
                 * out atan2(y, x) · (180 / π) · block_rate_hz where the
                 * value is needed, with a bound above it for comparisons. */
                c[0] = m->trunk[1] * b[2] - m->trunk[2] * b[1];
                c[1] = m->trunk[2] * b[0] - m->trunk[0] * b[2];
                c[2] = m->trunk[0] * b[1] - m->trunk[1] * b[0];
                m->rate.y = norm3(c);
                m->rate.x = dot3(m->trunk, b);
                m->rate.per_s = m->block_rate_hz;
                m->rate_dps = rate_pending_bound(m->rate.y, m->rate.x, m->block_rate_hz);
        } else
                m->rate_dps = 0;
        memcpy(m->trunk, b, sizeof(m->trunk));
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

        if (job >= 0)
                trunk_finish(m, m->job_b[job]);
        *rate_dps = m->have_trunk ? m->rate_dps : NAN;
        *rate = m->rate;
        if (!m->have_trunk)
                rate->per_s = 0;
        for (size_t k = 0; k < 3; k++)
                trunk[k] = m->have_trunk ? m->trunk[k] : NAN;
}
