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

#include "core/estimator/estimator-private.h"
#include "util/macro.h"

#define DEG_PER_RAD (180.0 / M_PI)

/* The smoothed vector of a turning trunk is gravity plus what is left of
 * the centripetal part, within a few m/s² of g. Further from g, the
 * sensor's own acceleration (the impacts and bounce of running, a jump, a
 * fall onto a bed) dominates it, and the change of its direction is no
 * rotation of the trunk: the rate is then not known (NaN). */
#define TRUNK_MAX_FORCE_DEVIATION 0.25

static double dot3(const double a[3], const double b[3])
{
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm3(const double v[3])
{
        return sqrt(dot3(v, v));
}

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
int trunk_forward(Motion *m, const double x[3])
{
        size_t k;

        if (!m->have_fwd) {
                memcpy(m->fwd_state, x, sizeof(m->fwd_state));
                m->have_fwd = true;
        }
        for (size_t j = 0; j < 3; j++)
                m->fwd_state[j] = m->ema_a * m->fwd_state[j] + m->ema_b * x[j];
        k = m->fwd_head;
        memcpy(m->fwd[k], m->fwd_state, sizeof(m->fwd[0]));
        memcpy(m->fwd[k + m->fwd_size], m->fwd_state, sizeof(m->fwd[0]));
        m->fwd_head = k + 1 == m->fwd_size ? 0 : k + 1;
        m->fwd_count = MIN(m->fwd_count + 1, m->trunk_lag + 1);
        if (m->fwd_count <= m->trunk_lag)
                return -1;

        assert(m->n_jobs < MOTION_BATCH);
        m->job_at[m->n_jobs] = k;
        return (int) m->n_jobs++;
}

/* The backward passes of the jobs @j[0..3] (repeated ones are fine): from
 * the newest forward value to the oldest, b = a·b + (1 - a)·value. */
static void trunk_backward4(Motion *m, const size_t j[4])
{
        const double a = m->ema_a, ab = m->ema_b;
        const Pair pa = { a, a }, pab = { ab, ab };
        /* The newest value of each, in the second copy of the ring: the
         * older ones lie before it. */
        const double *p0 = m->fwd[m->job_at[j[0]] + m->fwd_size];
        const double *p1 = m->fwd[m->job_at[j[1]] + m->fwd_size];
        const double *p2 = m->fwd[m->job_at[j[2]] + m->fwd_size];
        const double *p3 = m->fwd[m->job_at[j[3]] + m->fwd_size];
        /* x and y in a vector, z alone: twelve independent chains. */
        Pair b0 = pair_load(p0), b1 = pair_load(p1), b2 = pair_load(p2), b3 = pair_load(p3);
        double z0 = p0[2], z1 = p1[2], z2 = p2[2], z3 = p3[2];

        for (size_t i = 1; i <= m->trunk_lag; i++) {
                p0 -= 3;
                p1 -= 3;
                p2 -= 3;
                p3 -= 3;
                b0 = pa * b0 + pab * pair_load(p0);
                b1 = pa * b1 + pab * pair_load(p1);
                b2 = pa * b2 + pab * pair_load(p2);
                b3 = pa * b3 + pab * pair_load(p3);
                z0 = a * z0 + ab * p0[2];
                z1 = a * z1 + ab * p1[2];
                z2 = a * z2 + ab * p2[2];
                z3 = a * z3 + ab * p3[2];
        }
        /* A repeated job gets the same values each time. */
        m->job_b[j[3]][0] = b3[0];
        m->job_b[j[3]][1] = b3[1];
        m->job_b[j[3]][2] = z3;
        m->job_b[j[2]][0] = b2[0];
        m->job_b[j[2]][1] = b2[1];
        m->job_b[j[2]][2] = z2;
        m->job_b[j[1]][0] = b1[0];
        m->job_b[j[1]][1] = b1[1];
        m->job_b[j[1]][2] = z1;
        m->job_b[j[0]][0] = b0[0];
        m->job_b[j[0]][1] = b0[1];
        m->job_b[j[0]][2] = z0;
}

#if defined(__x86_64__)
/* trunk_backward4() with each value's x, y, z in one 4-lane vector (the
 * fourth lane reads the next value's x, or the ring's padding, and is not
 * used). Only this function uses AVX2. */
__attribute__((target("avx2"))) static void trunk_backward4_avx2(Motion *m, const size_t j[4])
{
        typedef double Quad __attribute__((vector_size(32)));
        const double a = m->ema_a, ab = m->ema_b;
        const Quad pa = { a, a, a, a }, pab = { ab, ab, ab, ab };
        const double *p[4];
        Quad b0, b1, b2, b3, y0, y1, y2, y3;

        for (size_t q = 0; q < 4; q++)
                p[q] = m->fwd[m->job_at[j[q]] + m->fwd_size];
        memcpy(&b0, p[0], sizeof(b0));
        memcpy(&b1, p[1], sizeof(b1));
        memcpy(&b2, p[2], sizeof(b2));
        memcpy(&b3, p[3], sizeof(b3));
        for (size_t i = 1; i <= m->trunk_lag; i++) {
                memcpy(&y0, p[0] - 3 * i, sizeof(y0));
                memcpy(&y1, p[1] - 3 * i, sizeof(y1));
                memcpy(&y2, p[2] - 3 * i, sizeof(y2));
                memcpy(&y3, p[3] - 3 * i, sizeof(y3));
                b0 = pa * b0 + pab * y0;
                b1 = pa * b1 + pab * y1;
                b2 = pa * b2 + pab * y2;
                b3 = pa * b3 + pab * y3;
        }
        /* A repeated job gets the same values each time. */
        for (size_t k = 0; k < 3; k++) {
                m->job_b[j[3]][k] = b3[k];
                m->job_b[j[2]][k] = b2[k];
                m->job_b[j[1]][k] = b1[k];
                m->job_b[j[0]][k] = b0[k];
        }
}

/* trunk_backward4_avx2() for the eight jobs @j[0..7]: a step's
 * multiplication and addition wait for the one before, so four passes left
 * the multipliers idle half of the time. Only this function uses AVX2. */
__attribute__((target("avx2"))) static void trunk_backward8_avx2(Motion *m, const size_t j[8])
{
        typedef double Quad __attribute__((vector_size(32)));
        const double a = m->ema_a, ab = m->ema_b;
        const Quad pa = { a, a, a, a }, pab = { ab, ab, ab, ab };
        const double *p[8];
        Quad b[8], y[8];

        for (size_t q = 0; q < 8; q++) {
                p[q] = m->fwd[m->job_at[j[q]] + m->fwd_size];
                memcpy(&b[q], p[q], sizeof(b[q]));
        }
        for (size_t i = 1; i <= m->trunk_lag; i++) {
                memcpy(&y[0], p[0] - 3 * i, sizeof(y[0]));
                memcpy(&y[1], p[1] - 3 * i, sizeof(y[1]));
                memcpy(&y[2], p[2] - 3 * i, sizeof(y[2]));
                memcpy(&y[3], p[3] - 3 * i, sizeof(y[3]));
                memcpy(&y[4], p[4] - 3 * i, sizeof(y[4]));
                memcpy(&y[5], p[5] - 3 * i, sizeof(y[5]));
                memcpy(&y[6], p[6] - 3 * i, sizeof(y[6]));
                memcpy(&y[7], p[7] - 3 * i, sizeof(y[7]));
                b[0] = pa * b[0] + pab * y[0];
                b[1] = pa * b[1] + pab * y[1];
                b[2] = pa * b[2] + pab * y[2];
                b[3] = pa * b[3] + pab * y[3];
                b[4] = pa * b[4] + pab * y[4];
                b[5] = pa * b[5] + pab * y[5];
                b[6] = pa * b[6] + pab * y[6];
                b[7] = pa * b[7] + pab * y[7];
        }
        /* A repeated job gets the same values each time. */
        for (size_t q = 8; q-- > 0;)
                for (size_t k = 0; k < 3; k++)
                        m->job_b[j[q]][k] = b[q][k];
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
                size_t last = m->n_jobs - 1;
                const size_t j[8] = { i,
                                      MIN(i + 1, last),
                                      MIN(i + 2, last),
                                      MIN(i + 3, last),
                                      MIN(i + 4, last),
                                      MIN(i + 5, last),
                                      MIN(i + 6, last),
                                      MIN(i + 7, last) };

#if defined(__x86_64__)
                if (m->avx2 && m->n_jobs - i > 4) {
                        trunk_backward8_avx2(m, j);
                        i += 8;
                        continue;
                }
                if (m->avx2) {
                        trunk_backward4_avx2(m, j);
                        i += 4;
                        continue;
                }
#endif
                trunk_backward4(m, j);
                i += 4;
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
        if (m->have_trunk && !(ok && m->trunk_force_ok))
                m->rate_dps = NAN;
        else if (m->have_trunk) {
                /* atan2(|a × b|, a · b) keeps its precision for tiny angles. */
                c[0] = m->trunk[1] * b[2] - m->trunk[2] * b[1];
                c[1] = m->trunk[2] * b[0] - m->trunk[0] * b[2];
                c[2] = m->trunk[0] * b[1] - m->trunk[1] * b[0];
                m->rate_dps = atan2(norm3(c), dot3(m->trunk, b)) * DEG_PER_RAD * m->block_rate_hz;
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
 *            the smoothed vector is more than 25 % away from g).
 * @trunk: the direction, unit vector, body frame, or NaN.
 *
 * Called after motion_trunk_run(), once for each valid sample. Both values
 * lie motion_lag_ns() behind the sample, and are NaN until the smoother has
 * seen that much data.
 */
void motion_trunk_next(Motion *m, int job, double *rate_dps, double trunk[3])
{
        assert(m);
        assert(rate_dps);
        assert(trunk);

        if (job >= 0)
                trunk_finish(m, m->job_b[job]);
        *rate_dps = m->have_trunk ? m->rate_dps : NAN;
        for (size_t k = 0; k < 3; k++)
                trunk[k] = m->have_trunk ? m->trunk[k] : NAN;
}
