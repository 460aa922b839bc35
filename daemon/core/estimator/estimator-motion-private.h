/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inside of struct Motion (see estimator-private.h for its interface):
 * the walking window's constants, the struct, and the functions the motion
 * files share among themselves. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"

/*
 * Shared by estimator-motion.c (motion_feed()), estimator-trunk.c (trunk
 * smoothing), estimator-walk.c (walking detection) and estimator-autocorr.c
 * (its autocorrelation) only.
 */

/* Below this magnitude (m/s²) a vector carries no usable direction. */
#define MIN_NORM 1.0

/* The window is judged in this many parts for the amplitude
 * (walk_sustained() spells out 4). */
#define WALK_QUARTERS 4

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

/* A walk goes on while the step's peak is at least this share of
 * walk_min_corr: a turn or a few uneven steps do not end it. */
#define WALK_KEEP_CORR 0.7

/* A peak at half the highest one's lag at least this high, relative to it,
 * is the step of that stride. */
#define WALK_STEP_OF_STRIDE 0.7

/* The statistics of a slow sensor's readings per block (see struct Motion). */
#define WALK_RD 5

/* Spare room after the autocorrelation (see motion_walk_autocorr()). */
#define WALK_LAGS_AT_ONCE 16

/*
 * The sure look (estimator-walk-sure.c, estimator-walk-sums.c): a window that is not surely still
 * is judged from exact integer sums kept as blocks come and go, and only
 * when that cannot tell is it evaluated in full. Its integers are
 * floor(v · WALK_SURE_SCALE), for |v| <= WALK_SURE_LIMIT (13 g; the
 * pipeline limits a worn sensor to 8 g), over at most WALK_SURE_MAX_BLOCKS
 * blocks: products under 2^46, sums of them under 2^58, all exact in an
 * int64_t.
 */
#define WALK_SURE_SCALE      65536.0
#define WALK_SURE_LIMIT      128.0
#define WALK_SURE_MAX_BLOCKS 4096

/* The alignment of struct Motion (motion_new()): a cache line. The fields
 * read or written as 16-byte vectors (pairs of doubles, x and y, or of
 * sums, as the compiler pairs them) are aligned to 16 bytes, the batch's
 * job arrays to 32 (the AVX2 lanes of four jobs), so that no such access
 * spans two lines wherever malloc() puts the state and whatever fields come
 * before. A store across two lines is not forwarded to the load that reads
 * it back next: the load waits for the store to reach the cache. Before,
 * the fields' offsets within their lines were left to chance, and adding 32
 * bytes early in the struct made analyze of the 1-hour file 4 ms (9 %)
 * slower, the quick look's sums (q_sum, q_sum2: one 16-byte read, add and
 * write) across a line; with the alignment, padding of 8 to 40 bytes in two
 * places changes nothing. */
#define MOTION_ALIGN 64

struct Motion {
        double block_rate_hz;
        size_t block, in_block; /* samples per block, samples in the current one */
        double block_inv;       /* 1 / block when that is exact (block a power of two), or 0 */
        /* The two raw and dynamic vectors before the newest, the newer
         * first, for the medians of three (x, y, z and a spare 0). */
        double hist[2][4];
        double dyn[2][4];
        size_t n_hist;

        /* Trunk path: block means of the median raw vector, smoothed forward
         * (EMA) as they come and backward over the last trunk_lag blocks. */
        double ema_a; /* e^(-1 / (block rate · τ)) */
        double ema_b; /* 1 - ema_a */
        /* Each twice, for x and y as a pair (trunk_forward()). */
        _Alignas(16) double ema_aa[2];
        _Alignas(16) double ema_bb[2];
        _Alignas(16) double block_raw[3];
        bool have_fwd;
        _Alignas(16) double fwd_state[3];
        /* The forward values, each axis in an array of its own (fwd + axis
         * · fwd_span), in the order they came, the next at fwd_head. When
         * an array is full, its last fwd_size = trunk_lag + MOTION_BATCH
         * values move to its start (trunk_slide()): all that the jobs of a
         * batch (at most MOTION_BATCH blocks) and the next block's pass
         * read. So the last trunk_lag + 1 lie in a row wherever the newest
         * is, those of blocks in a row too, each value stored once (a
         * ring stored each twice, and some a third time). The three axes
         * of ema_b · value follow (fwd + (3 + axis) · fwd_span), laid out
         * alike. */
        double *fwd;
        size_t fwd_span;
        size_t trunk_lag, fwd_size, fwd_head, fwd_count;
        /* The blocks of this batch whose backward pass is due (the newest
         * value's place in fwd, moved back with it by trunk_slide()), then
         * its results (motion_trunk_run()). */
        size_t n_jobs;
        size_t job_at[MOTION_BATCH];
        _Alignas(32) double job_b[3][MOTION_BATCH]; /* axis by axis */
        /* What motion_trunk_prepare() works out for each job of the batch at once:
         * |b| (job_n), b / |b| (job_u[axis][1 + job], with job_u[axis][0]
         * the trunk before the batch), and y, x and the rate's bound
         * against the direction of the job before (job_y, job_x, job_hi).
         * trunk_src: which job's direction m->trunk is (-1: the one it was
         * when they were prepared). */
        _Alignas(32) double job_n[MOTION_BATCH];
        double job_u[3][MOTION_BATCH + 1];
        _Alignas(32) double job_y[MOTION_BATCH];
        _Alignas(32) double job_x[MOTION_BATCH];
        _Alignas(32) double job_hi[MOTION_BATCH];
        int trunk_src;
        bool have_trunk;
        bool trunk_force_ok;          /* the last smoothed vector was close to g */
        _Alignas(16) double trunk[3]; /* the last smoothed vector, unit length */
        double rate_dps;              /* while rate is pending, a bound above it */
        RatePending rate;             /* the rate's atan2(), put off (rate-view.h) */
        int64_t lag_ns;               /* how far the trunk lies behind the sample */

        /* Walking: a ring of @n_blocks block means. The walking blocks lie
         * on a grid of sample time, one every walk_period_ns (the nominal
         * block period), so that samples at irregular intervals (as a
         * Bluetooth sensor delivers them) still make an even time axis: a
         * block is the mean of the samples in its period, or, when none
         * came, the block before it again. */
        /* The sway is judged on the trunk's direction, the forward half of
         * the trunk smoother (an EMA of time constant τ): it shows a real
         * turn of the trunk at least in full (the kinematic acceleration
         * adds to it), and damps the steps' linear accelerations by
         * √(1 + ω²τ²), 2.6 times at 1.8 Hz. So rapid repeated bending at a
         * step rate is not walking, whose smoothed gravity no longer sways. */
        /* A sensor slower than 1.5 blocks' rate (block = 1) has a block
         * for each sample, at best, and samples that do not keep the grid's
         * time: a Bluetooth sensor's come in bursts, tens of ms early or
         * late, and a nominal rate is seldom the real one. Its blocks
         * are the stream, linear between its samples, at each block's
         * end: a sample that came late is not held into the next block,
         * which would shift it by up to a block (and scramble the
         * rhythm: the step's autocorrelation falls from 0.5 to 0.35 on
         * real chest recordings). Faster sensors average their blocks. */
        int64_t walk_prev_ns; /* the last sample's time and vertical value */
        double walk_prev_v;
        /* block = 1: the last readings the walking blocks took, newest
         * first, and their times (see motion_walk_reading()). */
        double walk_hist[3][3];
        int64_t walk_hist_ns[3];
        size_t walk_n_hist;
        /* block = 1: the readings themselves, unsmoothed, per block of
         * the ring (rd, beside v): how many the block took, how many of
         * those read under WALK_FLIGHT_G (walk_running()), the sum of their
         * vertical values and of its squares, and the sum of the squared
         * differences of each to the reading before it (walk_rough()).
         * rd_acc gathers those of the block under way, rd_prev is the last
         * reading's vertical value (rd_have_prev: there is one), and
         * n_read and n_read_flight count the ring's readings (whole
         * numbers, kept as doubles). */
        double (*rd)[WALK_RD];
        _Alignas(16) double rd_acc[WALK_RD];
        double rd_prev;
        bool rd_have_prev;
        double n_read, n_read_flight;
        /* walk_next_ns: the end of the block under way, INT64_MIN while
         * there is none (walk_have_t false). */
        int64_t walk_period_ns, walk_next_ns;
        bool walk_have_t;
        size_t walk_in_block;
        double walk_last_v;
        /* The last block's sway direction before it is made unit length
         * (see motion_walk_feed_raw()). */
        _Alignas(16) double walk_last_s[3];
        bool walk_enabled;
        bool walk_fast, walk_slow; /* walk_enabled, with block > 1 and block = 1 */
        double walk_min_step_hz, walk_max_step_hz, walk_min_rms, walk_min_corr;
        double cos_max_sway;
        double block_v;
        _Alignas(16) double block_u[3];
        size_t n_blocks, head, count;
        size_t max_lag;
        double *v;      /* vertical acceleration, m/s² */
        double (*u)[3]; /* direction of gravity, unit vectors */
        /* The last @u_raw entries of u before head are not unit vectors yet
         * but what they are made of (see motion_walk_feed_raw()). */
        size_t u_raw;
        double *lin; /* scratch: the ring in time order, minus its mean */
        /* The running sums of v and u over the ring in the order of its
         * places, as walk_evaluate() adds them: sum[i] = sum[i - 1] + v[i].
         * A new block changes the sums from its place on only; those from
         * @sum_dirty on are out of date. */
        double (*sum)[4];
        size_t sum_dirty;
        double *r; /* scratch: autocorrelation for lags 0..n_blocks - 1 (the stride
                    * check looks past max_lag), and WALK_LAGS_AT_ONCE spare */
        bool walking;
        bool avx2; /* motion_walk_autocorr() and motion_trunk_run() may use AVX2 */
        /* The quick look (see WALK_Q_SCALE): sums over the ring of the
         * integer values and their squares, and how many entries are beyond
         * WALK_Q_LIMIT. */
        _Alignas(16) int64_t q_sum;
        int64_t q_sum2;
        size_t q_wild;
        /* How many blocks of the ring read less than WALK_FLIGHT_G: the
         * wearer in the air (see walk_running()). */
        size_t n_flight;
        /* n² · WALK_Q_SCALE² · (walk_min_rms − WALK_Q_MARGIN)², or -1 */
        double q_still_below;

        /* The sure look (see WALK_SURE_SCALE), kept while @sure_valid: the
         * window's integers at each ring place, twice (sq[i] = sq[i + n]),
         * the sums of their products P_k = Σ q_t · q_t+k in time order for
         * the lags 0..max_lag + 2 (sp) with the sums of the first and the
         * last n − k integers, A_k + B_k (sab), their sum (sq_all), the
         * sums and sums of squares of each quarter in time order, how many
         * values lie beyond WALK_SURE_LIMIT, and for the sway a direction
         * @sure_rho, a lower bound @sure_dmin of u · rho over the window,
         * the sum of the u added and removed since (sure_su) and how many
         * blocks ago rho was chosen; @sure_still, for how many windows in a
         * row the sums were kept though surely still (or running). s_lo and
         * s_hi: scratch, bounds of r[k]; s_rdk and s_nk: 1 / (n − k) and
         * n / (n − k), rounded. @sure_on: the look applies (block > 1, n <=
         * WALK_SURE_MAX_BLOCKS); @n_sure counts the windows it decided. */
        int64_t *sq, *sp, *sab, sq_all;
        double *s_lo, *s_hi, *s_rdk, *s_nk;
        _Alignas(16) int64_t sq_sum[WALK_QUARTERS];
        _Alignas(16) int64_t sq_sum2[WALK_QUARTERS];
        size_t sq_wild;
        _Alignas(16) double sure_rho[3];
        double sure_dmin;
        _Alignas(16) double sure_su[3];
        size_t sure_age, sure_still;
        /* η, and walk_sure_sq_bounds() of a quarter against walk_min_rms / 2
         * (set by walk_sure_rebuild()). */
        double sure_eta, sure_q_hi2, sure_q_lo2;
        bool sure_valid, sure_on;
        size_t n_sure;

        _Alignas(64) double mem[]; /* what fwd, u, v, lin, r and rd point into */
};

/** motion_trunk_prepare() - the direction and rate of the jobs [0, n_jobs) at once
 * (estimator-trunk.c). */
void motion_trunk_prepare(Motion *m);
/** motion_walk_blocks_until() - the walking blocks whose periods end by @t_ns
 * (estimator-walk.c). */
void motion_walk_blocks_until(Motion *m, int64_t t_ns, double v);
/** motion_walk_feed() - one block into the walking window (the tests' reference). */
void motion_walk_feed(Motion *m, double v, const double u[3]);
/** motion_walk_feed_raw() - the same, its direction @s / |s| (0 when |s| is not > 0). */
void motion_walk_feed_raw(Motion *m, double v, const double s[3]);
/** motion_walk_unit() - the direction of @s: s / |s|, or 0 when |s| is not > 0. */
static inline void motion_walk_unit(double u[3], const double s[3])
{
        double l = norm3(s);

        for (size_t k = 0; k < 3; k++)
                u[k] = l > 0 ? s[k] / l : 0;
}
/**
 * motion_walk_block_mean() - block_v / walk_in_block, the mean of a block's
 * vertical values (block > 1, walk_in_block > 0).
 *
 * A whole block of samples, their number a power of two: its inverse
 * (block_inv) is exact, and x · 2^-k and x / 2^k are the one correctly
 * rounded value of the same real number, whatever x (subnormal, infinite
 * or NaN too); the multiplication has the shorter latency.
 */
static inline double motion_walk_block_mean(const Motion *m)
{
        return m->walk_in_block == m->block && m->block_inv != 0
                       ? m->block_v * m->block_inv
                       : m->block_v / (double) m->walk_in_block;
}
/** walk_u_settle() - the ring's directions u all unit vectors (see u_raw). */
void walk_u_settle(Motion *m);
/** motion_walk_reading() - whether a slow sensor's sample is a new reading. */
bool motion_walk_reading(Motion *m, int64_t *t_ns, const double raw[3], double smooth[3]);
/** motion_walk_read() - a slow sensor's reading into its block's statistics. */
void motion_walk_read(Motion *m, double v);
/** motion_walk_autocorr() - the autocorrelation r[from..to) of m->lin (estimator-autocorr.c). */
size_t motion_walk_autocorr(Motion *m, double var, size_t from, size_t to);
/** walk_sure_rebuild() - the sure look's sums from the ring (estimator-walk-sums.c). */
void walk_sure_rebuild(Motion *m);
/** walk_sure_anchor() - the sway's direction anew, from the ring. */
void walk_sure_anchor(Motion *m);
/** walk_sure_lags() - bounds s_lo, s_hi of the full evaluation's r[0..max_lag + 2]. */
bool walk_sure_lags(Motion *m, double p0, double d, double sig_lo, double sig_hi, double eta);
/** walk_sure_block() - a block about to replace the ring's oldest, into the sure look's sums. */
void walk_sure_block(Motion *m, double v, const double u[3]);
/** walk_sure() - the window's verdict from the sure look: 1 walking, 0 not, -1 cannot tell. */
int walk_sure(Motion *m);
/** walk_sure_at_least_sq() - whether the standard deviation of @cnt integers (sum @s, of
 * squares @s2) as the full evaluation works it out is at least @min: 1, 0, -1 cannot tell. */
int walk_sure_at_least_sq(double cnt, int64_t s, int64_t s2, double eta, double min);
/** walk_sure_sq_bounds() - the squared bounds walk_sure_at_least_sq() compares with. */
void walk_sure_sq_bounds(double cnt, double eta, double min, double *hi2, double *lo2);
/** walk_sure_may_peak() - the lags that are not surely no peak, as bits. */
void walk_sure_may_peak(const Motion *m, size_t from, size_t last, uint64_t *may);
