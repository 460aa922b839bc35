/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "estimator-private.h"
#include "macro.h"

#define DEG_PER_RAD (180.0 / M_PI)

/* Both paths work on block averages at about this rate: enough for steps at
 * up to 2.5 Hz and for the trunk's rate, and they cost the same for a 50 Hz
 * and a 1 kHz sensor. */
#define BLOCK_RATE_HZ 50.0

/* The window is judged in this many parts for the amplitude. */
#define WALK_QUARTERS 4

/* Fewer lags than this per step period cannot locate a peak. */
#define WALK_MIN_LAGS 3.0

/* Refuse windows that would need absurd amounts of memory. */
#define MAX_BLOCKS 100000.0

/* The backward half of the trunk smoother looks this many time constants
 * ahead; what lies beyond weighs e^-4, under 2 %. */
#define TRUNK_LAG_TAUS 4.0

/* Below this magnitude (m/s²) a vector carries no usable direction. */
#define MIN_NORM 1.0

struct Motion {
        double block_rate_hz;
        size_t block, in_block; /* samples per block, samples in the current one */
        /* The last three raw and dynamic vectors, for their medians. */
        double hist[3][3];
        double dyn[3][3];
        size_t n_hist;

        /* Trunk path: block means of the median raw vector, smoothed forward
         * (EMA) as they come and backward over the last trunk_lag blocks. */
        double ema_a; /* e^(-1 / (block rate · τ)) */
        double block_raw[3];
        bool have_fwd;
        double fwd_state[3];
        double (*fwd)[3]; /* ring of trunk_lag + 1 forward values */
        size_t trunk_lag, fwd_head, fwd_count;
        bool have_trunk;
        double trunk[3]; /* the last smoothed vector, unit length */
        double rate_dps;

        /* Walking: a ring of @n_blocks block means. */
        bool walk_enabled;
        double walk_min_step_hz, walk_max_step_hz, walk_min_rms, walk_min_corr;
        double cos_max_sway;
        double block_v, block_u[3];
        size_t n_blocks, head, count;
        size_t max_lag;
        double *v;      /* vertical acceleration, m/s² */
        double (*u)[3]; /* direction of gravity, unit vectors */
        double *lin;    /* scratch: the ring in time order, minus its mean */
        double *r;      /* scratch: autocorrelation for lags 0..max_lag + 2 */
        bool walking;

        double mem[]; /* what fwd, u, v, lin and r point into */
};

static double dot3(const double a[3], const double b[3])
{
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm3(const double v[3])
{
        return sqrt(dot3(v, v));
}

/**
 * motion_params_are_valid() - see estimator-private.h.
 * @p: the estimator parameters.
 *
 * Return: true when the trunk and walking parameters are usable.
 */
bool motion_params_are_valid(const EstimatorParams *p)
{
        const double v[] = { p->sensor_height_m,  p->walk_window_s, p->walk_min_step_hz,
                             p->walk_max_step_hz, p->walk_min_rms,  p->walk_min_corr,
                             p->walk_max_sway_deg };

        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                if (!isfinite(v[i]) || v[i] < 0)
                        return false;

        return p->sensor_height_m > 0 && p->walk_min_step_hz > 0 &&
               p->walk_min_step_hz < p->walk_max_step_hz &&
               /* The autocorrelation needs two of the slowest steps. */
               p->walk_window_s * p->walk_min_step_hz >= 2.0 && p->walk_min_corr <= 1.0 &&
               p->walk_max_sway_deg <= 180.0;
}

/**
 * motion_trunk_tau_s() - the time constant of the trunk smoother.
 * @p: the estimator parameters.
 *
 * Return: sqrt(sensor_height_m / g), seconds.
 */
double motion_trunk_tau_s(const EstimatorParams *p)
{
        return sqrt(p->sensor_height_m / STANDARD_GRAVITY);
}

/**
 * motion_new() - state for @rate_hz samples.
 * @ret: the new state.
 * @p: the estimator parameters (sensor_height_m and walk_*).
 * @rate_hz: the nominal sample rate.
 *
 * Return: 0, -EINVAL for bad parameters, -ENOMEM.
 */
int motion_new(Motion **ret, const EstimatorParams *p, double rate_hz)
{
        size_t block, trunk_lag, n_blocks, max_lag, n_walk;
        double block_rate_hz, tau, lag, blocks;
        bool walk_enabled;
        Motion *m;

        assert(ret);
        assert(p);

        if (!motion_params_are_valid(p) || !isfinite(rate_hz) || rate_hz <= 0)
                return -EINVAL;

        block = (size_t) MAX(round(rate_hz / BLOCK_RATE_HZ), 1.0);
        block_rate_hz = rate_hz / (double) block;
        tau = motion_trunk_tau_s(p);
        lag = ceil(TRUNK_LAG_TAUS * tau * block_rate_hz);
        blocks = round(p->walk_window_s * block_rate_hz);
        if (!(lag <= MAX_BLOCKS) || !(blocks <= MAX_BLOCKS))
                return -EINVAL;
        trunk_lag = (size_t) lag;
        n_blocks = (size_t) blocks;
        max_lag = (size_t) ceil(block_rate_hz / p->walk_min_step_hz);
        /* A slow sensor cannot see steps: it never reports walking. */
        walk_enabled = block_rate_hz / p->walk_max_step_hz >= WALK_MIN_LAGS &&
                       max_lag + 2 < n_blocks && n_blocks >= WALK_QUARTERS;
        n_walk = walk_enabled ? n_blocks : 0;

        /* One allocation: the state, then its rings and scratch arrays. */
        m = calloc(1, offsetof(Motion, mem) + (3 * (trunk_lag + 1) + 5 * n_walk +
                                               (walk_enabled ? max_lag + 3 : 0)) *
                                                      sizeof(double));
        if (!m)
                return -ENOMEM;

        m->fwd = (double(*)[3]) m->mem;
        m->u = (double(*)[3])(m->mem + 3 * (trunk_lag + 1));
        m->v = m->mem + 3 * (trunk_lag + 1) + 3 * n_walk;
        m->lin = m->v + n_walk;
        m->r = m->lin + n_walk;

        m->block = block;
        m->block_rate_hz = block_rate_hz;
        m->ema_a = exp(-1.0 / (block_rate_hz * tau));
        m->trunk_lag = trunk_lag;
        m->walk_enabled = walk_enabled;
        m->n_blocks = n_blocks;
        m->max_lag = max_lag;
        m->walk_min_step_hz = p->walk_min_step_hz;
        m->walk_max_step_hz = p->walk_max_step_hz;
        m->walk_min_rms = p->walk_min_rms;
        m->walk_min_corr = p->walk_min_corr;
        m->cos_max_sway = cos(p->walk_max_sway_deg / DEG_PER_RAD);

        *ret = m;
        return 0;
}

/** motion_free() - free @m (NULL is fine). Return: NULL. */
Motion *motion_free(Motion *m)
{
        free(m);
        return NULL;
}

/** motion_reset() - forget all samples seen so far. */
void motion_reset(Motion *m)
{
        assert(m);

        m->in_block = m->n_hist = 0;
        m->have_fwd = m->have_trunk = false;
        m->fwd_head = m->fwd_count = 0;
        m->rate_dps = 0;
        m->block_raw[0] = m->block_raw[1] = m->block_raw[2] = 0;
        m->head = m->count = 0;
        m->block_v = 0;
        m->block_u[0] = m->block_u[1] = m->block_u[2] = 0;
        m->walking = false;
}

static double median3(double a, double b, double c)
{
        return MAX(MIN(a, b), MIN(MAX(a, b), c));
}

/* Push @v into the history @h of the last three vectors; @med gets their
 * per-axis median (@v itself until there are three). */
static void median_push(double h[3][3], size_t n_hist, const double v[3], double med[3])
{
        memmove(h[1], h[0], 2 * sizeof(h[0]));
        memcpy(h[0], v, sizeof(h[0]));
        for (size_t k = 0; k < 3; k++)
                med[k] = n_hist < 3 ? v[k] : median3(h[0][k], h[1][k], h[2][k]);
}

/* One block mean of the (median) raw vector into the trunk smoother: a
 * forward EMA, then the same EMA run backwards over the last trunk_lag
 * forward values, which gives the zero-phase kernel e^(-|t|/τ) / 2τ for the
 * block trunk_lag blocks back. Its transfer 1 / (1 + (ωτ)²) undoes the
 * tangential acceleration r·θ'' exactly when τ² = r / g (see estimator.h).
 * The rate is the angle between two successive smoothed directions. */
static void trunk_feed(Motion *m, const double x[3])
{
        double b[3], n, c[3];
        size_t k;

        if (!m->have_fwd) {
                memcpy(m->fwd_state, x, sizeof(m->fwd_state));
                m->have_fwd = true;
        }
        for (size_t j = 0; j < 3; j++)
                m->fwd_state[j] = m->ema_a * m->fwd_state[j] + (1 - m->ema_a) * x[j];
        memcpy(m->fwd[m->fwd_head], m->fwd_state, sizeof(m->fwd[0]));
        m->fwd_head = (m->fwd_head + 1) % (m->trunk_lag + 1);
        m->fwd_count = MIN(m->fwd_count + 1, m->trunk_lag + 1);
        if (m->fwd_count <= m->trunk_lag)
                return;

        /* Newest to oldest; the oldest sits at fwd_head now. */
        memcpy(b, m->fwd_state, sizeof(b));
        for (size_t i = 1; i <= m->trunk_lag; i++) {
                k = (m->fwd_head + m->trunk_lag + 1 - 1 - i) % (m->trunk_lag + 1);
                for (size_t j = 0; j < 3; j++)
                        b[j] = m->ema_a * b[j] + (1 - m->ema_a) * m->fwd[k][j];
        }

        n = norm3(b);
        if (!(n >= MIN_NORM) || !isfinite(n)) {
                m->have_trunk = false;
                return;
        }
        for (size_t j = 0; j < 3; j++)
                b[j] /= n;

        if (m->have_trunk) {
                /* atan2(|a × b|, a · b) keeps its precision for tiny angles. */
                c[0] = m->trunk[1] * b[2] - m->trunk[2] * b[1];
                c[1] = m->trunk[2] * b[0] - m->trunk[0] * b[2];
                c[2] = m->trunk[0] * b[1] - m->trunk[1] * b[0];
                m->rate_dps = atan2(norm3(c), dot3(m->trunk, b)) * DEG_PER_RAD * m->block_rate_hz;
        } else
                m->rate_dps = 0;
        memcpy(m->trunk, b, sizeof(m->trunk));
        m->have_trunk = true;
}

/* The trunk kept its direction over the window: walking, not bending. */
static bool walk_sway_ok(const Motion *m)
{
        double mean[3] = { 0, 0, 0 }, n;

        for (size_t i = 0; i < m->n_blocks; i++)
                for (size_t k = 0; k < 3; k++)
                        mean[k] += m->u[i][k];
        n = norm3(mean);
        if (!(n > 0))
                return false;
        for (size_t i = 0; i < m->n_blocks; i++)
                if (dot3(m->u[i], mean) / n < m->cos_max_sway)
                        return false;
        return true;
}

/* Periodicity: the first peak of the autocorrelation after it has gone
 * negative is the step period; it must be high enough and, refined by a
 * parabola through its neighbours, within the step frequencies. */
static bool walk_periodic(Motion *m, double var)
{
        size_t n = m->n_blocks, last = m->max_lag + 2;
        bool crossed = false;

        for (size_t k = 0; k <= last; k++) {
                double sum = 0;

                for (size_t i = 0; i + k < n; i++)
                        sum += m->lin[i] * m->lin[i + k];
                m->r[k] = sum / (double) (n - k) / var;
        }

        for (size_t k = 1; k < last; k++) {
                double den, delta, freq;

                if (m->r[k] < 0)
                        crossed = true;
                if (!crossed || m->r[k] < m->r[k - 1] || m->r[k] <= m->r[k + 1])
                        continue;

                den = m->r[k - 1] - 2 * m->r[k] + m->r[k + 1];
                delta = den < 0 ? 0.5 * (m->r[k - 1] - m->r[k + 1]) / den : 0;
                freq = m->block_rate_hz / ((double) k + delta);
                return m->r[k] >= m->walk_min_corr && freq >= m->walk_min_step_hz &&
                       freq <= m->walk_max_step_hz;
        }
        return false;
}

/* Steps all through the window: each quarter of it moves enough on its own,
 * so a walk is recognised only once it has filled (most of) the window. */
static bool walk_sustained(const Motion *m)
{
        size_t q = m->n_blocks / WALK_QUARTERS;

        for (size_t j = 0; j < WALK_QUARTERS; j++) {
                double mean = 0, var = 0;

                for (size_t i = j * q; i < (j + 1) * q; i++)
                        mean += m->lin[i];
                mean /= (double) q;
                for (size_t i = j * q; i < (j + 1) * q; i++)
                        var += (m->lin[i] - mean) * (m->lin[i] - mean);
                if (!(sqrt(var / (double) q) >= m->walk_min_rms))
                        return false;
        }
        return true;
}

static void walk_evaluate(Motion *m)
{
        double mean = 0, var = 0;

        for (size_t i = 0; i < m->n_blocks; i++)
                mean += m->v[i];
        mean /= (double) m->n_blocks;

        /* The ring in time order: the oldest entry sits at head. */
        for (size_t i = 0; i < m->n_blocks; i++) {
                m->lin[i] = m->v[(m->head + i) % m->n_blocks] - mean;
                var += m->lin[i] * m->lin[i];
        }
        var /= (double) m->n_blocks;

        m->walking = sqrt(var) >= m->walk_min_rms && var > 0 && walk_sustained(m) &&
                     walk_sway_ok(m) && walk_periodic(m, var);
}

/* One block of the vertical acceleration (the raw vector along gravity) and
 * of the gravity direction into the walking window. */
static void walk_feed(Motion *m, double v, const double u[3])
{
        m->v[m->head] = v;
        memcpy(m->u[m->head], u, sizeof(m->u[0]));
        m->head = (m->head + 1) % m->n_blocks;
        m->count = MIN(m->count + 1, m->n_blocks);
        if (m->count == m->n_blocks)
                walk_evaluate(m);
}

/**
 * motion_feed() - one valid sample.
 * @m: the state.
 * @raw: the unfiltered acceleration, body frame, m/s².
 * @gravity: the low-passed acceleration, body frame, m/s².
 * @ret: the result; see struct MotionResult.
 *
 * The trunk and walking paths advance once per block; in between, @ret
 * repeats their last values.
 */
void motion_feed(Motion *m, const double raw[3], const double gravity[3], MotionResult *ret)
{
        double d[3], med[3], gn = norm3(gravity);

        assert(m);
        assert(raw);
        assert(gravity);
        assert(ret);

        m->n_hist = MIN(m->n_hist + 1, (size_t) 3);
        for (size_t k = 0; k < 3; k++)
                d[k] = raw[k] - gravity[k];
        median_push(m->dyn, m->n_hist, d, ret->dynamic);
        median_push(m->hist, m->n_hist, raw, med);

        for (size_t k = 0; k < 3; k++) {
                m->block_raw[k] += med[k];
                if (gn >= MIN_NORM)
                        m->block_u[k] += gravity[k] / gn;
        }
        m->block_v += gn >= MIN_NORM ? dot3(med, gravity) / gn : norm3(med);

        if (++m->in_block >= m->block) {
                double x[3], u[3], un;

                for (size_t k = 0; k < 3; k++)
                        x[k] = m->block_raw[k] / (double) m->block;
                trunk_feed(m, x);

                un = norm3(m->block_u);
                for (size_t k = 0; k < 3; k++)
                        u[k] = un > 0 ? m->block_u[k] / un : 0;
                if (m->walk_enabled)
                        walk_feed(m, m->block_v / (double) m->block, u);

                m->in_block = 0;
                m->block_v = 0;
                for (size_t k = 0; k < 3; k++)
                        m->block_raw[k] = m->block_u[k] = 0;
        }

        ret->walking = m->walking;
        ret->rate_dps = m->have_trunk ? m->rate_dps : NAN;
        for (size_t k = 0; k < 3; k++)
                ret->trunk[k] = m->have_trunk ? m->trunk[k] : NAN;
        ret->lag_s = (double) m->trunk_lag / m->block_rate_hz;
}
