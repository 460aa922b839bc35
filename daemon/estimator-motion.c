/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "estimator-private.h"
#include "macro.h"

#define DEG_PER_RAD (180.0 / M_PI)

/* Both paths work on block averages at about this rate: enough for steps at
 * up to 2.5 Hz and for the trunk's rate, and they cost the same for a 50 Hz
 * and a 1 kHz sensor. */
#define BLOCK_RATE_HZ 50.0

/* The window is judged in this many parts for the amplitude
 * (walk_sustained() spells out 4). */
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

/*
 * A cheap first look at the walking window: its vertical accelerations are
 * also kept as integers, v · WALK_Q_SCALE truncated, with exact running sums
 * of them and of their squares. Truncation moves each value by less than
 * 1 / WALK_Q_SCALE, and the standard deviation of a window by no more than
 * the largest of those moves (it is a norm of the deviations from the mean,
 * divided by √n), so a window whose integer standard deviation lies more than
 * WALK_Q_MARGIN under walk_min_rms is one that the exact evaluation would
 * refuse as well: it is refused without looking at its blocks. The rounding
 * of both computations (under 1e-4 m/s², even near WALK_Q_LIMIT) is well
 * inside the margin.
 * Values beyond WALK_Q_LIMIT (impossible for a worn sensor, whose samples
 * the pipeline limits to 8 g) keep their window on the exact path, and the
 * limits keep the sums inside an int64_t: (2^10 · 2^12)² · MAX_BLOCKS < 2^62.
 */
#define WALK_Q_SCALE  4096.0
#define WALK_Q_LIMIT  1024.0
#define WALK_Q_MARGIN (4.0 / WALK_Q_SCALE)

/* Autocorrelation lags summed side by side, at most (see walk_autocorr()). */
#define WALK_LAGS_AT_ONCE 16

struct Motion {
        double block_rate_hz;
        size_t block, in_block; /* samples per block, samples in the current one */
        double block_inv;       /* 1 / block when that is exact (block a power of two), or 0 */
        /* The last three raw and dynamic vectors, for their medians. */
        double hist[3][3];
        double dyn[3][3];
        size_t n_hist;

        /* Trunk path: block means of the median raw vector, smoothed forward
         * (EMA) as they come and backward over the last trunk_lag blocks. */
        double ema_a; /* e^(-1 / (block rate · τ)) */
        double ema_b; /* 1 - ema_a */
        double block_raw[3];
        bool have_fwd;
        double fwd_state[3];
        /* The forward values: a ring of fwd_size = trunk_lag + MOTION_BATCH,
         * each stored twice (at i and i + fwd_size), so that the last
         * trunk_lag + 1 lie in a row wherever the newest is, and a batch's
         * new values leave those of its earlier blocks alone. */
        double (*fwd)[3];
        size_t trunk_lag, fwd_size, fwd_head, fwd_count;
        /* The blocks of this batch whose backward pass is due (the newest
         * value's place in the ring), then its results (motion_trunk_run()). */
        size_t n_jobs;
        size_t job_at[MOTION_BATCH];
        double job_b[MOTION_BATCH][3];
        bool have_trunk;
        double trunk[3]; /* the last smoothed vector, unit length */
        double rate_dps;
        int64_t lag_ns; /* how far the trunk lies behind the sample */

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
        /* The running sums of v and u over the ring in the order of its
         * places, as walk_evaluate() adds them: sum[i] = sum[i - 1] + v[i].
         * A new block changes the sums from its place on only; those from
         * @sum_dirty on are out of date. */
        double (*sum)[4];
        size_t sum_dirty;
        double *r; /* scratch: autocorrelation for lags 0..max_lag + 2, and
                    * room for the rest of a group of WALK_LAGS_AT_ONCE */
        bool walking;
        bool avx2; /* walk_autocorr() and motion_trunk_run() may use AVX2 */
        /* The quick look (see WALK_Q_SCALE): sums over the ring of the
         * integer values and their squares, and how many entries are beyond
         * WALK_Q_LIMIT. */
        int64_t q_sum, q_sum2;
        size_t q_wild;
        /* n² · WALK_Q_SCALE² · (walk_min_rms − WALK_Q_MARGIN)², or -1 */
        double q_still_below;

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
        size_t block, trunk_lag, fwd_size, n_blocks, max_lag, n_walk, n_mem;
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
        fwd_size = trunk_lag + MOTION_BATCH;
        n_blocks = (size_t) blocks;
        max_lag = (size_t) ceil(block_rate_hz / p->walk_min_step_hz);
        /* A slow sensor cannot see steps: it never reports walking. */
        walk_enabled = block_rate_hz / p->walk_max_step_hz >= WALK_MIN_LAGS &&
                       max_lag + 2 < n_blocks && n_blocks >= WALK_QUARTERS;
        n_walk = walk_enabled ? n_blocks : 0;

        /* One allocation: the state, then its rings and scratch arrays. */
        /* Two copies of the forward ring and a spare value (see
         * trunk_backward4_avx2()), then u (3 each), v, lin, sum (4 each); r. */
        n_mem = 6 * fwd_size + 3 + 9 * n_walk +
                (walk_enabled ? max_lag + 2 + WALK_LAGS_AT_ONCE : 0);
        m = calloc(1, offsetof(Motion, mem) + n_mem * sizeof(double));
        if (!m)
                return -ENOMEM;

        m->fwd = (double(*)[3]) m->mem;
        m->u = (double(*)[3])(m->mem + 6 * fwd_size + 3);
        m->v = m->mem + 6 * fwd_size + 3 + 3 * n_walk;
        m->lin = m->v + n_walk;
        m->sum = (double(*)[4])(m->lin + n_walk);
        m->r = m->lin + 5 * n_walk;

        m->block = block;
        m->block_rate_hz = block_rate_hz;
        m->ema_a = exp(-1.0 / (block_rate_hz * tau));
        m->ema_b = 1 - m->ema_a;
        m->trunk_lag = trunk_lag;
        m->fwd_size = fwd_size;
        m->lag_ns = llround((double) trunk_lag / block_rate_hz * (double) NSEC_PER_SEC);
        m->walk_enabled = walk_enabled;
        m->n_blocks = n_blocks;
        m->max_lag = max_lag;
        m->walk_min_step_hz = p->walk_min_step_hz;
        m->walk_max_step_hz = p->walk_max_step_hz;
        m->walk_min_rms = p->walk_min_rms;
        m->walk_min_corr = p->walk_min_corr;
        m->cos_max_sway = cos(p->walk_max_sway_deg / DEG_PER_RAD);
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
 * direction and rate (motion_trunk_reset()). The ring of forward values
 * keeps its place: the blocks of this batch still to be smoothed need theirs.
 */
void motion_reset(Motion *m)
{
        assert(m);

        m->in_block = m->n_hist = 0;
        m->have_fwd = false;
        m->fwd_count = 0;
        m->block_raw[0] = m->block_raw[1] = m->block_raw[2] = 0;
        m->head = m->count = 0;
        m->sum_dirty = 0;
        m->block_v = 0;
        m->block_u[0] = m->block_u[1] = m->block_u[2] = 0;
        m->walking = false;
        m->q_sum = m->q_sum2 = 0;
        m->q_wild = 0;
}

/** motion_trunk_reset() - forget the trunk direction and rate. */
void motion_trunk_reset(Motion *m)
{
        assert(m);

        m->have_trunk = false;
        m->rate_dps = 0;
}

static double median3(double a, double b, double c)
{
        return MAX(MIN(a, b), MIN(MAX(a, b), c));
}

/* Push @v into the history @h of the last three vectors; @med gets their
 * per-axis median (@v itself until there are three). */
static inline void median_push(double h[3][3], size_t n_hist, const double v[3], double med[3])
{
        for (size_t k = 0; k < 3; k++) {
                h[2][k] = h[1][k];
                h[1][k] = h[0][k];
                h[0][k] = v[k];
                med[k] = n_hist < 3 ? v[k] : median3(h[0][k], h[1][k], h[2][k]);
        }
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
static int trunk_forward(Motion *m, const double x[3])
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

/* Two doubles, for two lanes at once; each lane is rounded as a double alone. */
typedef double Pair __attribute__((vector_size(16)));

static inline Pair pair_load(const double *p)
{
        Pair v;

        memcpy(&v, p, sizeof(v));
        return v;
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
#endif

/**
 * motion_trunk_run() - the backward passes of the blocks fed since the last
 * call (see trunk_forward()).
 * @m: the state.
 */
void motion_trunk_run(Motion *m)
{
        assert(m);

        for (size_t i = 0; i < m->n_jobs; i += 4) {
                size_t last = m->n_jobs - 1;
                const size_t j[4] = { i, MIN(i + 1, last), MIN(i + 2, last), MIN(i + 3, last) };

#if defined(__x86_64__)
                if (m->avx2) {
                        trunk_backward4_avx2(m, j);
                        continue;
                }
#endif
                trunk_backward4(m, j);
        }
        m->n_jobs = 0;
}

/* The smoothed vector @b of a block: the trunk's new direction and rate. */
static void trunk_finish(Motion *m, const double b_in[3])
{
        double b[3] = { b_in[0], b_in[1], b_in[2] }, n, c[3];

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

/**
 * motion_trunk_next() - the trunk after a sample of the batch, in order.
 * @m: the state.
 * @job: what motion_feed() returned for the sample.
 * @rate_dps: the angular rate, degrees per second, or NaN.
 * @trunk: the direction, unit vector, or NaN.
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

/*
 * The trunk kept its direction over the window: walking, not bending. Each
 * direction u[i] (in any order) goes through sway_check(); the window passes
 * when its mean direction has a length and no u[i] lies further from it
 * than walk_max_sway_deg.
 */
typedef struct Sway {
        double mean[3]; /* the sum of the directions u[i], in the order of i */
        double n, c, sure;
        bool ok;
} Sway;

static void sway_begin(const Motion *m, Sway *s, double x, double y, double z)
{
        *s = (Sway){ .mean = { x, y, z }, .c = m->cos_max_sway };
        s->n = norm3(s->mean);
        s->ok = s->n > 0;
        /*
         * d / n < c, without the division where the answer is plain: d >= c·n
         * (in real numbers) means that d / n, rounded, is not below c, as
         * rounding keeps order and c is a double. @sure lies above c·n by
         * more than its rounding (both positive and normal), so a d at or
         * above it passes; the rest are divided as ever.
         */
        s->sure = s->c * s->n * (1 + 0x1p-50);
        if (!(s->c > 0 && s->sure >= DBL_MIN && isfinite(s->sure)))
                s->sure = INFINITY;
}

static inline void sway_check(Sway *s, const double u[3])
{
        double d = dot3(u, s->mean);

        if (!(d >= s->sure) && d / s->n < s->c)
                s->ok = false;
}

/*
 * The normalised autocorrelation r[k] of lin, the sums of lin[i]·lin[i + k]
 * over i divided by the count and the variance. Each sum adds its products
 * in the order of i, as a lag at a time would, so the sums are the same to
 * the bit; 8 lags (16 with AVX2) share a loop, two (four) to a vector, so
 * that their additions overlap. Vector lanes are rounded each as a double
 * alone, and there is no FMA.
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
/* The lags [k, k + 16), all below n. Only this function uses AVX2. */
__attribute__((target("avx2"))) static void autocorr16_avx2(Motion *m, double var, size_t k)
{
        typedef double Quad __attribute__((vector_size(32)));
        const double *lin = m->lin;
        Quad a0 = { 0, 0, 0, 0 }, a1 = { 0, 0, 0, 0 }, a2 = { 0, 0, 0, 0 }, a3 = { 0, 0, 0, 0 };
        size_t common = m->n_blocks - (k + 15);

        for (size_t i = 0; i < common; i++) {
                const double *y = lin + i + k;
                Quad x = { lin[i], lin[i], lin[i], lin[i] }, y0, y1, y2, y3;

                memcpy(&y0, y, sizeof(y0));
                memcpy(&y1, y + 4, sizeof(y1));
                memcpy(&y2, y + 8, sizeof(y2));
                memcpy(&y3, y + 12, sizeof(y3));
                a0 += x * y0;
                a1 += x * y1;
                a2 += x * y2;
                a3 += x * y3;
        }
        autocorr_finish(m, var, k, 16, common,
                        (double[]){ a0[0], a0[1], a0[2], a0[3], a1[0], a1[1], a1[2], a1[3], a2[0],
                                    a2[1], a2[2], a2[3], a3[0], a3[1], a3[2], a3[3] });
}
#endif

/* The lags [@from, @to), all below n, and maybe a few more (r has room for
 * WALK_LAGS_AT_ONCE - 1 of them). Return: the first lag not computed. */
static size_t walk_autocorr(Motion *m, double var, size_t from, size_t to)
{
        const double *lin = m->lin;
        size_t n = m->n_blocks, k = from;

#if defined(__x86_64__)
        if (m->avx2)
                for (; k < to && k + 16 <= n; k += 16)
                        autocorr16_avx2(m, var, k);
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

/* Periodicity: the first peak of the autocorrelation after it has gone
 * negative is the step period; it must be high enough and, refined by a
 * parabola through its neighbours, within the step frequencies. The
 * autocorrelation is computed as far as the search looks, a few lags ahead. */
static bool walk_periodic(Motion *m, double var)
{
        size_t last = m->max_lag + 2, have = 0;
        bool crossed = false;

        for (size_t k = 1; k < last; k++) {
                double den, delta, freq;

                if (have < k + 2)
                        have = walk_autocorr(m, var, have, k + 2);
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
        const double *l0 = m->lin, *l1 = l0 + q, *l2 = l1 + q, *l3 = l2 + q;
        double mean[WALK_QUARTERS], var[WALK_QUARTERS], s0 = 0, s1 = 0, s2 = 0, s3 = 0;

        /* The four quarters side by side, each summed in its own order. */
        for (size_t i = 0; i < q; i++) {
                s0 += l0[i];
                s1 += l1[i];
                s2 += l2[i];
                s3 += l3[i];
        }
        mean[0] = s0 / (double) q;
        mean[1] = s1 / (double) q;
        mean[2] = s2 / (double) q;
        mean[3] = s3 / (double) q;
        s0 = s1 = s2 = s3 = 0;
        for (size_t i = 0; i < q; i++) {
                s0 += (l0[i] - mean[0]) * (l0[i] - mean[0]);
                s1 += (l1[i] - mean[1]) * (l1[i] - mean[1]);
                s2 += (l2[i] - mean[2]) * (l2[i] - mean[2]);
                s3 += (l3[i] - mean[3]) * (l3[i] - mean[3]);
        }
        var[0] = s0;
        var[1] = s1;
        var[2] = s2;
        var[3] = s3;
        for (size_t j = 0; j < WALK_QUARTERS; j++)
                if (!(sqrt(var[j] / (double) q) >= m->walk_min_rms))
                        return false;
        return true;
}

/* The quick look (see WALK_Q_SCALE): true when the window certainly moves
 * too little for walking. */
static bool walk_surely_still(const Motion *m)
{
        double s1 = (double) m->q_sum;

        /* n² · WALK_Q_SCALE² · var = n · Σq² − (Σq)², against the same
         * factor times (walk_min_rms − WALK_Q_MARGIN)²: no division, no
         * root. Its rounding, a few 2^-53 of n · Σq², is about 2^-15 m/s²
         * of standard deviation at the very worst. */
        return m->q_wild == 0 &&
               (double) m->n_blocks * (double) m->q_sum2 - s1 * s1 < m->q_still_below;
}

static void walk_evaluate(Motion *m)
{
        size_t n = m->n_blocks, older = n - m->head;
        double mean = 0, var = 0, x = 0, y = 0, z = 0;
        Sway sway;

        if (walk_surely_still(m)) {
                m->walking = false;
                return;
        }

        /* Each sum is a chain of additions, in the order it always had;
         * side by side, chains overlap. The mean, with the sum of the
         * directions for the sway, from where the running sums are out of
         * date; the variance with the sway's checks (a check cannot change
         * anything but the verdict, so all are made). */
        if (m->sum_dirty > 0) {
                mean = m->sum[m->sum_dirty - 1][0];
                x = m->sum[m->sum_dirty - 1][1];
                y = m->sum[m->sum_dirty - 1][2];
                z = m->sum[m->sum_dirty - 1][3];
        }
        for (size_t i = m->sum_dirty; i < n; i++) {
                m->sum[i][0] = mean += m->v[i];
                m->sum[i][1] = x += m->u[i][0];
                m->sum[i][2] = y += m->u[i][1];
                m->sum[i][3] = z += m->u[i][2];
        }
        m->sum_dirty = n;
        mean = m->sum[n - 1][0] / (double) n;
        sway_begin(m, &sway, m->sum[n - 1][1], m->sum[n - 1][2], m->sum[n - 1][3]);

        /* The ring in time order: the oldest entry sits at head. */
        for (size_t i = 0; i < older; i++) {
                m->lin[i] = m->v[m->head + i] - mean;
                var += m->lin[i] * m->lin[i];
                sway_check(&sway, m->u[m->head + i]);
        }
        for (size_t i = older; i < n; i++) {
                m->lin[i] = m->v[i - older] - mean;
                var += m->lin[i] * m->lin[i];
                sway_check(&sway, m->u[i - older]);
        }
        var /= (double) n;

        m->walking = sqrt(var) >= m->walk_min_rms && var > 0 && walk_sustained(m) && sway.ok &&
                     walk_periodic(m, var);
}

/* Add @v to the quick look's sums, or remove it (@add false). */
static void walk_q_update(Motion *m, double v, bool add)
{
        int64_t q;

        if (!(fabs(v) <= WALK_Q_LIMIT)) {
                if (add)
                        m->q_wild++;
                else
                        m->q_wild--;
                return;
        }
        q = (int64_t) (v * WALK_Q_SCALE);
        if (add) {
                m->q_sum += q;
                m->q_sum2 += q * q;
        } else {
                m->q_sum -= q;
                m->q_sum2 -= q * q;
        }
}

/* One block of the vertical acceleration (the raw vector along gravity) and
 * of the gravity direction into the walking window. */
static void walk_feed(Motion *m, double v, const double u[3])
{
        if (m->count == m->n_blocks)
                walk_q_update(m, m->v[m->head], false);
        walk_q_update(m, v, true);
        m->v[m->head] = v;
        memcpy(m->u[m->head], u, sizeof(m->u[0]));
        m->sum_dirty = MIN(m->sum_dirty, m->head);
        m->head = m->head + 1 == m->n_blocks ? 0 : m->head + 1;
        m->count = MIN(m->count + 1, m->n_blocks);
        if (m->count == m->n_blocks)
                walk_evaluate(m);
}

/* @sum / block: as a product where that is the same. */
static inline double block_mean(const Motion *m, double sum)
{
        return m->block_inv > 0 ? sum * m->block_inv : sum / (double) m->block;
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
 *
 * Return: the trunk job of the sample, for motion_trunk_next(), or -1.
 */
int motion_feed(Motion *m, const double raw[3], const double gravity[3], MotionResult *ret)
{
        double d[3], med[3], gn = norm3(gravity);
        int job = -1;

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
                        x[k] = block_mean(m, m->block_raw[k]);
                job = trunk_forward(m, x);

                un = norm3(m->block_u);
                for (size_t k = 0; k < 3; k++)
                        u[k] = un > 0 ? m->block_u[k] / un : 0;
                if (m->walk_enabled)
                        walk_feed(m, block_mean(m, m->block_v), u);

                m->in_block = 0;
                m->block_v = 0;
                for (size_t k = 0; k < 3; k++)
                        m->block_raw[k] = m->block_u[k] = 0;
        }

        ret->walking = m->walking;
        return job;
}
