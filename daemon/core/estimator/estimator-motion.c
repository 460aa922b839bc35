/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The motion path: its state, and motion_feed(), which takes each sample
 * into the dynamic part, the trunk smoother's blocks and the walking blocks. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimator/estimator-motion-feed.h"
#include "core/estimator/estimator-motion-private.h"
#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "util/macro.h"

/* Both paths work on block averages at about this rate: enough for steps at
 * up to 2.5 Hz and for the trunk's rate, and they cost the same for a 50 Hz
 * and a 1 kHz sensor. */
#define BLOCK_RATE_HZ 50.0

/* Fewer lags than this per step period cannot locate a peak. */
#define WALK_MIN_LAGS 3.0

/* Refuse windows that would need absurd amounts of memory. */
#define MAX_BLOCKS 100000.0

/* The backward half of the trunk smoother looks this many time constants
 * ahead; what lies beyond weighs e^-4, under 2 %. */
#define TRUNK_LAG_TAUS 4.0

/**
 * motion_params_are_valid() - whether the walking and trunk parameters are usable.
 * @p: the estimator parameters.
 *
 * Usable: finite and consistent (walk_min_step_hz < walk_max_step_hz, a
 * window of at least two of the slowest steps, sensor_height_m > 0, ...).
 *
 * Return: true when they are.
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
        size_t block, trunk_lag, fwd_size, fwd_span, n_blocks, max_lag, n_walk, n_mem;
        double block_rate_hz, tau, lag, blocks;
        bool walk_enabled;
        void *p_mem;
        size_t size;
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
        fwd_size = trunk_lag + MOTION_BATCH;
        n_blocks = (size_t) blocks;
        max_lag = (size_t) ceil(block_rate_hz / p->walk_min_step_hz);
        /* A slow sensor cannot see steps: it never reports walking. */
        walk_enabled = block_rate_hz / p->walk_max_step_hz >= WALK_MIN_LAGS &&
                       max_lag + 2 < n_blocks && n_blocks >= WALK_QUARTERS;
        n_walk = walk_enabled ? n_blocks : 0;

        /* One allocation: the state, then its rings and scratch arrays. */
        /* The forward buffer's three axes and their products (see struct
         * Motion), then u (3 each), v, lin, sum (4 each); r; rd (WALK_RD each). */
        /* The sure look's: sq (2 each), sp, sab, s_lo, s_hi, s_rdk, s_nk (max_lag + 3). */
        /* A move of fwd_size values every 2 · fwd_size blocks (see struct Motion). */
        fwd_span = 3 * fwd_size;
        n_mem = 6 * fwd_span + (9 + WALK_RD) * n_walk +
                (walk_enabled ? n_blocks + WALK_LAGS_AT_ONCE : 0) +
                (walk_enabled ? 2 * n_blocks + 6 * (max_lag + 3) : 0);
        /* On a cache line of its own: where a field lies in its line,
         * and so whether a pair of them read or written as one 16-byte
         * vector (struct Motion) crosses two, does not depend on malloc(). */
        size = offsetof(Motion, mem) + n_mem * sizeof(double);
        if (posix_memalign(&p_mem, MOTION_ALIGN, size) != 0)
                return -ENOMEM;
        m = memset(p_mem, 0, size);

        m->fwd = m->mem;
        m->fwd_span = fwd_span;
        m->u = (double(*)[3])(m->mem + 6 * fwd_span);
        m->v = m->mem + 6 * fwd_span + 3 * n_walk;
        m->lin = m->v + n_walk;
        m->sum = (double(*)[4])(m->lin + n_walk);
        m->r = m->lin + 5 * n_walk;
        m->rd = (double(*)[WALK_RD])(m->r + (walk_enabled ? n_blocks + WALK_LAGS_AT_ONCE : 0));
        /* Allocated memory: its type is what is stored in it. */
        m->sq = (int64_t *) (void *) (m->rd + n_walk);
        m->sp = m->sq + 2 * n_walk;
        m->sab = m->sp + (walk_enabled ? max_lag + 3 : 0);
        m->s_lo = (double *) (void *) (m->sab + (walk_enabled ? max_lag + 3 : 0));
        m->s_hi = m->s_lo + (walk_enabled ? max_lag + 3 : 0);
        m->s_rdk = m->s_hi + (walk_enabled ? max_lag + 3 : 0);
        m->s_nk = m->s_rdk + (walk_enabled ? max_lag + 3 : 0);

        m->block = block;
        m->block_rate_hz = block_rate_hz;
        m->ema_a = exp(-1.0 / (block_rate_hz * tau));
        m->ema_b = 1 - m->ema_a;
        m->ema_aa[0] = m->ema_aa[1] = m->ema_a;
        m->ema_bb[0] = m->ema_bb[1] = m->ema_b;
        m->trunk_lag = trunk_lag;
        m->fwd_size = fwd_size;
        m->lag_ns = llround((double) trunk_lag / block_rate_hz * (double) NSEC_PER_SEC);
        m->walk_enabled = walk_enabled;
        m->walk_period_ns = llround((double) block / rate_hz * (double) NSEC_PER_SEC);
        if (m->walk_period_ns <= 0)
                m->walk_enabled = false;
        m->walk_fast = m->walk_enabled && block > 1;
        m->walk_slow = m->walk_enabled && block == 1;
        m->walk_next_ns = INT64_MIN;
        m->n_blocks = n_blocks;
        m->max_lag = max_lag;
        m->walk_min_step_hz = p->walk_min_step_hz;
        m->walk_max_step_hz = p->walk_max_step_hz;
        m->walk_min_rms = p->walk_min_rms;
        m->walk_min_corr = p->walk_min_corr;
        m->cos_max_sway = cos(p->walk_max_sway_deg / DEG_PER_RAD);
        m->sure_on = block > 1 && n_blocks <= WALK_SURE_MAX_BLOCKS;
        if (p->walk_min_rms > WALK_Q_MARGIN) {
                double t = (p->walk_min_rms - WALK_Q_MARGIN) * (double) n_blocks * WALK_Q_SCALE;

                m->q_still_below = t * t;
        } else
                m->q_still_below = -1; /* never sure */
        /* Dividing by a power of two is multiplying by its inverse, exactly. */
        m->block_inv = (block & (block - 1)) == 0 ? 1.0 / (double) block : 0;
#if defined(__x86_64__)
        __builtin_cpu_init();
        m->avx2 = __builtin_cpu_supports("avx2");
#endif

        *ret = m;
        return 0;
}

/** motion_free() - free @m (NULL is fine). Return: NULL. */
Motion *motion_free(Motion *m)
{
        free(m);
        return NULL;
}

/** motion_lag_ns() - how far the trunk rate and direction lie behind the sample. */
int64_t motion_lag_ns(const Motion *m)
{
        assert(m);
        return m->lag_ns;
}

/**
 * motion_reset() - forget all samples seen so far, except for the trunk
 * direction and rate (motion_trunk_reset()). The buffer of forward values
 * keeps its place (fwd_head): the blocks of this batch still to be
 * smoothed need theirs.
 */
void motion_reset(Motion *m)
{
        assert(m);

        m->in_block = m->n_hist = 0;
        m->have_fwd = false;
        m->fwd_count = 0;
        m->block_raw[0] = m->block_raw[1] = m->block_raw[2] = 0;
        m->head = m->count = 0;
        m->u_raw = 0;
        m->sum_dirty = 0;
        m->block_v = 0;
        m->block_u[0] = m->block_u[1] = m->block_u[2] = 0;
        m->walk_have_t = false;
        m->walk_next_ns = INT64_MIN;
        m->walk_n_hist = 0;
        memset(m->rd_acc, 0, sizeof(m->rd_acc));
        m->rd_have_prev = false;
        m->n_read = m->n_read_flight = 0;
        m->walk_in_block = 0;
        m->walking = false;
        m->q_sum = m->q_sum2 = 0;
        m->q_wild = 0;
        m->n_flight = 0;
}

/** motion_trunk_reset() - forget the trunk direction and rate. */
void motion_trunk_reset(Motion *m)
{
        assert(m);

        m->have_trunk = false;
        m->rate_dps = 0;
        m->rate.per_s = 0;
}

/**
 * motion_feed() - one valid sample.
 * @m: the state.
 * @t_ns: its time (never before the last sample's), for the walking blocks.
 * @raw: the unfiltered acceleration, body frame, m/s².
 * @gravity: the low-passed acceleration, body frame, m/s²: raw minus it is
 *     the dynamic part.
 * @up: the smoothed gravity the angles see, body frame, m/s²: the vertical
 *     and the trunk's sway, for walking.
 * @ret: the result; see struct MotionResult.
 *
 * The trunk and walking paths advance once per block; in between, @ret
 * repeats their last values.
 *
 * Return: the trunk job of the sample, for motion_trunk_next(), or -1.
 */
int motion_feed(Motion *m, int64_t t_ns, const double raw[3], const double gravity[3],
                const double up[3], MotionResult *ret)
{
        assert(m);
        return motion_feed_inline(m, t_ns, raw, gravity, up, ret);
}
