/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "core/estimator/angle-view.h"
#include "core/estimator/estimator.h"
#include "util/macro.h"

/* Private to the estimator's files, and to the pipeline. */

/** estimator_feed_many() - estimator_feed() for @n samples, in less time. */
void estimator_feed_many(Estimator *e, const Frame *raw, const Frame *filtered, size_t n,
                         PostureSample *out);

/* Two doubles, for two lanes at once; each lane is rounded as a double alone. */
typedef double Pair __attribute__((vector_size(16)));

/* Worn or not (estimator-worn.c; see estimator.h). */
typedef struct Worn Worn;

int worn_new(Worn **ret, const EstimatorParams *p, double rate_hz);
Worn *worn_free(Worn *w);
void worn_reset(Worn *w);

typedef struct WornBlock {
        double mean[3];
        double within; /* variance about the mean, summed over the axes */
        double n;
} WornBlock;

/* Here, not in estimator-worn.c, for worn_feed() inline in the feeding. */
struct Worn {
        size_t block;    /* samples a block */
        size_t n_blocks; /* ring size: blocks in not_worn_s (at least WORN_ON_BLOCKS) */
        size_t head, count;
        bool enabled; /* not_worn_s > 0 */
        bool worn;
        bool judged;  /* the first WORN_ON_BLOCKS were judged */
        size_t quiet; /* blocks since the last WORN_ON_BLOCKS with motion */
        size_t in_block;
        double sum[3], sum2[3];
        double cos_max_tilt;
        WornBlock ring[];
};

/** worn_block_done() - the block is complete: judge (estimator-worn.c). */
void worn_block_done(Worn *w);

/** worn_get() - the last decision. */
static inline bool worn_get(const Worn *w)
{
        return w->worn;
}

/** worn_feed() - one valid body-frame sample. Return: whether the sensor is worn. */
static inline bool worn_feed(Worn *w, const double raw[3])
{
        double z = raw[2];
        Pair xy, sum, sum2;

        /* The same sums, axis by axis, each as before: x and y as a pair,
         * each lane its scalar product and sum. */
        memcpy(&xy, raw, sizeof(xy));
        memcpy(&sum, w->sum, sizeof(sum));
        memcpy(&sum2, w->sum2, sizeof(sum2));
        sum += xy;
        sum2 += xy * xy;
        memcpy(w->sum, &sum, sizeof(sum));
        memcpy(w->sum2, &sum2, sizeof(sum2));
        w->sum[2] += z;
        w->sum2[2] += z * z;
        if (++w->in_block == w->block)
                worn_block_done(w);
        return w->worn;
}

/*
 * The estimator's view of motion: the dynamic part without single-sample
 * glitches, the trunk's direction and angular rate compensated for the
 * kinematic acceleration of the sensor, and walking recognised from the
 * periodicity of the vertical acceleration. See estimator.h.
 */

typedef struct Motion Motion;

/* The most samples between two motion_trunk_run() calls. */
#define MOTION_BATCH 64
/* The backward passes of this many blocks in a row run at once. */
#define TRUNK_RUN 8

/**
 * struct MotionResult - what motion_feed() finds at once.
 * @walking: the last window looks like walking.
 * @dynamic: raw minus gravity, the per-axis median of its last three values.
 */
typedef struct MotionResult {
        bool walking;
        double dynamic[3];
} MotionResult;

/** motion_new() - state for @rate_hz samples. */
int motion_new(Motion **ret, const EstimatorParams *p, double rate_hz);

/** motion_free() - accepts NULL; returns NULL. */
Motion *motion_free(Motion *m);

static inline void motion_freep(Motion **m)
{
        motion_free(*m);
}

/*
 * The samples come in batches of at most MOTION_BATCH, in two passes: first
 * motion_feed() for each valid sample (and motion_reset() where the stream
 * has a gap), then motion_trunk_run(), then, in the same order,
 * motion_trunk_next() for each valid sample (and motion_trunk_reset() at
 * each gap). The trunk's smoothing runs for the whole batch at once, and its
 * results are the same as sample by sample.
 */

/** motion_reset() - forget the past, e.g. after a gap in the stream. */
void motion_reset(Motion *m);

/** motion_feed() - one valid sample at @t_ns, body frame: raw, filtered and smoothed gravity. */
int motion_feed(Motion *m, int64_t t_ns, const double raw[3], const double gravity[3],
                const double up[3], MotionResult *ret);

/** motion_trunk_run() - the trunk smoothing for the batch fed so far. */
void motion_trunk_run(Motion *m);

/** motion_trunk_next() - the trunk after the next sample of the batch. */
void motion_trunk_next(Motion *m, int job, double *rate_dps, RatePending *rate, double trunk[3]);

/** motion_trunk_reset() - the trunk side of motion_reset(), in the second pass. */
void motion_trunk_reset(Motion *m);

/** motion_lag_ns() - how far the trunk's rate and direction lie behind the sample. */
int64_t motion_lag_ns(const Motion *m);

/** motion_params_are_valid() - the walking and trunk parameters of @p are usable. */
bool motion_params_are_valid(const EstimatorParams *p);

/** motion_trunk_tau_s() - sqrt(sensor_height_m / g): the trunk smoother's time constant. */
double motion_trunk_tau_s(const EstimatorParams *p);

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
        double block_raw[3];
        bool have_fwd;
        double fwd_state[3];
        /* The forward values: a ring of fwd_size = trunk_lag + MOTION_BATCH,
         * each axis in an array of its own (fwd + axis · fwd_span), each
         * value stored twice (at i and i + fwd_size), and the first
         * TRUNK_RUN of them a third time (at i + 2 · fwd_size), so that the
         * last trunk_lag + 1 lie in a row wherever the newest is, those of
         * TRUNK_RUN blocks in a row too, and a batch's new values leave
         * those of its earlier blocks alone. The three axes of ema_b · value
         * follow (fwd + (3 + axis) · fwd_span), laid out alike. */
        double *fwd;
        size_t fwd_span;
        size_t trunk_lag, fwd_size, fwd_head, fwd_count;
        /* The blocks of this batch whose backward pass is due (the newest
         * value's place in the ring), then its results (motion_trunk_run()). */
        size_t n_jobs;
        size_t job_at[MOTION_BATCH];
        double job_b[MOTION_BATCH][3];
        bool have_trunk;
        bool trunk_force_ok; /* the last smoothed vector was close to g */
        double trunk[3];     /* the last smoothed vector, unit length */
        double rate_dps;     /* while rate is pending, a bound above it */
        RatePending rate;    /* the rate's atan2(), put off (rate-view.h) */
        int64_t lag_ns;      /* how far the trunk lies behind the sample */

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
        double rd_acc[WALK_RD];
        double rd_prev;
        bool rd_have_prev;
        double n_read, n_read_flight;
        int64_t walk_period_ns, walk_next_ns;
        bool walk_have_t;
        size_t walk_in_block;
        double walk_last_v, walk_last_u[3];
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
        double *r; /* scratch: autocorrelation for lags 0..n_blocks - 1 (the stride
                    * check looks past max_lag), and WALK_LAGS_AT_ONCE spare */
        bool walking;
        bool avx2; /* motion_walk_autocorr() and motion_trunk_run() may use AVX2 */
        /* The quick look (see WALK_Q_SCALE): sums over the ring of the
         * integer values and their squares, and how many entries are beyond
         * WALK_Q_LIMIT. */
        int64_t q_sum, q_sum2;
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
        int64_t sq_sum[WALK_QUARTERS], sq_sum2[WALK_QUARTERS];
        size_t sq_wild;
        double sure_rho[3], sure_dmin, sure_su[3];
        size_t sure_age, sure_still;
        bool sure_valid, sure_on;
        size_t n_sure;

        double mem[]; /* what fwd, u, v, lin, r and rd point into */
};

/* The median of three values. */
static inline double median3(double a, double b, double c)
{
        return MAX(MIN(a, b), MIN(MAX(a, b), c));
}

static inline Pair pair_load(const double *p)
{
        Pair v;

        memcpy(&v, p, sizeof(v));
        return v;
}

/** motion_walk_feed() - one block into the walking window. */
void motion_walk_feed(Motion *m, double v, const double u[3]);
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
/** walk_sure_may_peak() - the lags that are not surely no peak, as bits. */
void walk_sure_may_peak(const Motion *m, size_t from, size_t last, uint64_t *may);

/*
 * What estimator_angles() derives from the neutral vector alone, worked out
 * once per neutral instead of once per sample: the same operations on the
 * same values, so the angles are the same to the bit.
 */
typedef enum RotationKind {
        ROTATION_NONE,    /* no neutral: upright is (0, 1, 0) */
        ROTATION_INVALID, /* a neutral without a direction: NaN angles */
        ROTATION_FLIP,    /* neutral straight down: a half turn about x */
        ROTATION_RODRIGUES,
} RotationKind;

typedef struct Rotation {
        RotationKind kind;
        double v[3];  /* unit(neutral) × (0, 1, 0) */
        double one_c; /* 1 + unit(neutral) · (0, 1, 0) */
} Rotation;

/* classify()'s limits (angle-view.h): reclined_deg, extreme_deg,
 * flexion_deg, slouch_deg (sines) and lateral_deg (cosine). */
typedef struct ClassLimits {
        AngleLimit reclined, extreme, flexed, slouched, lateral;
        /* The upright band: sines strictly between these are upright,
         * when |lateral| is below lateral_deg (empty: NaN). */
        double upright_sin_lo, upright_sin_hi;
} ClassLimits;

typedef struct WindowEntry {
        double g[3]; /* filtered gravity, body frame */
        double d2;   /* |raw - filtered|² */
} WindowEntry;

struct Estimator {
        EstimatorParams params;
        double rate_hz;

        /* Ring of the last still_window_s of samples, with running sums that
         * are recomputed exactly each time the ring wraps, so rounding errors
         * cannot build up over a long session. */
        size_t size;  /* capacity: samples per still window */
        size_t count; /* valid entries, <= size */
        size_t head;  /* next slot to write */
        double sum_g[3];
        double sum_d2;

        bool calibrated;
        double neutral[3];
        NeutralHow how;
        int64_t neutral_t_ns; /* sample time it was set at */
        int64_t last_t_ns;    /* of the last sample */
        bool neutral_changed; /* since the last sample went out */
        bool was_worn;        /* the last sample's judgement */
        Rotation rotation;    /* for neutral, or ROTATION_NONE before calibration */

        /* The motion path's trunk direction changes once per block: it is
         * rotated once, and kept for the samples in between with whether it
         * lies, with the generation of the rotation it is rotated by
         * (rotation_gen counts neutrals). */
        bool have_trunk, trunk_lying;
        unsigned trunk_gen, rotation_gen;
        double trunk_in[3], trunk[3];
        double upright_cos2; /* lying_upright_cos2() */
        /* feed_second(): the last sample was valid and went the whole way,
         * and the rate it got. */
        bool trunk_cached;
        double trunk_rate;
        RatePending trunk_rate_pending;
        /* The mount is the identity, bit for bit (see mount_apply2()). */
        bool mount_identity;
        bool avx;              /* rotate_probe_many() may use AVX */
        bool upright_shortcut; /* feed_class()'s, on (off in a test) */
        int64_t motion_lag_ns; /* motion_lag_ns(), a constant */
        ClassLimits limits;

        Motion *motion; /* dynamic part, trunk rate, walking */
        Worn *worn;

        /* Without a neutral: the still posture being held (its first still
         * window's mean gravity) and the still seconds it has been held. */
        bool have_held;
        double held[3];
        double held_s;

        /* Walking since the last look at it: the sum of gravity, and seconds. */
        double walk_sum[3];
        double walk_s;

        /* The angle rules' gravity: a ring of the last posture_smooth_s of
         * filtered gravity and its running sum, recomputed exactly each
         * time the ring wraps (see "Gravity" in estimator.h). */
        double (*smooth)[3];
        size_t smooth_size, smooth_count, smooth_head;
        double smooth_sum[3];

        WindowEntry window[];
};

/* mount_matrix_apply(), inline: the same arithmetic, without a call twice a sample. */
static inline void mount_apply(const MountMatrix *mm, const float in[3], double out[3])
{
        for (size_t i = 0; i < 3; i++)
                out[i] = mm->m[i][0] * in[0] + mm->m[i][1] * in[1] + mm->m[i][2] * in[2];
}

/*
 * mount_apply() of the frames @a and @b into @ra and @rb, where @identity
 * says @mm is mount_matrix_identity bit for bit (its zeros +0.0). Then a
 * row i is (in0·m0 + in1·m1) + in2·m2 with one factor 1 and two +0.0:
 * in_i · 1 is in_i exactly (a float widened to a double, then times one),
 * and in_j · (+0.0) is a zero for a finite in_j. Adding zeros to a non-zero
 * value gives that value exactly, in either order, and so does a zero sum
 * of zeros added to it: for finite, non-zero inputs the row is in_i, and
 * the copy is the same to the bit. Anything else (a zero, whose sign the
 * sum of signed zeros decides; an infinity or NaN, which times zero is
 * NaN) takes the products.
 * The six inputs are all finite and non-zero exactly when their product,
 * in doubles, is finite and non-zero: a non-zero float lies between 2^-149
 * and 2^128, so every partial product of up to six of them lies between
 * 2^-894 and 2^768, inside the normal doubles, where rounding keeps a
 * value non-zero and finite; an infinity stays infinite or, times a zero,
 * becomes NaN, a NaN stays NaN, and a zero with finite factors stays zero.
 * Return: true when the copy was taken, so @ra and @rb are finite.
 */
static inline bool mount_apply2(const MountMatrix *mm, bool identity, const float a[3],
                                const float b[3], double ra[3], double rb[3])
{
        double x[6] = { a[0], a[1], a[2], b[0], b[1], b[2] };
        double p = x[0] * x[1] * x[2] * x[3] * x[4] * x[5];

        if (identity && p != 0 && isfinite(p)) {
                memcpy(ra, x, 3 * sizeof(double));
                memcpy(rb, x + 3, 3 * sizeof(double));
                return true;
        }
        mount_apply(mm, a, ra);
        mount_apply(mm, b, rb);
        return false;
}

/*
 * mount_apply2() of the values of the frames @a and @b. With SSE, the
 * test of mount_apply2() is made on the floats themselves: each of the six
 * finite and not zero, 0 < |x| <= FLT_MAX (a NaN fails both comparisons,
 * an infinity the second; subnormals compare as themselves, the MXCSR's
 * DAZ being off), the very condition mount_apply2()'s product proves; then
 * the copy is the widening of each float, which CVTPS2PD and CVTSS2SD make
 * exactly. The fourth lane read (the frame's flags) is not looked at.
 */
static inline bool mount_frames(const MountMatrix *mm, bool identity, const Frame *a,
                                const Frame *b, double ra[3], double rb[3])
{
#if defined(__x86_64__)
        const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
        const __m128 zero = _mm_setzero_ps(), max = _mm_set1_ps(FLT_MAX);
        __m128 va = _mm_loadu_ps((const float *) ((const char *) a + offsetof(Frame, v)));
        __m128 vb = _mm_loadu_ps((const float *) ((const char *) b + offsetof(Frame, v)));
        __m128 xa = _mm_and_ps(va, abs_mask), xb = _mm_and_ps(vb, abs_mask);
        int ok = _mm_movemask_ps(
                _mm_and_ps(_mm_and_ps(_mm_cmpgt_ps(xa, zero), _mm_cmple_ps(xa, max)),
                           _mm_and_ps(_mm_cmpgt_ps(xb, zero), _mm_cmple_ps(xb, max))));

        if (identity && (ok & 7) == 7) {
                _mm_storeu_pd(ra, _mm_cvtps_pd(va));
                _mm_storeu_pd(rb, _mm_cvtps_pd(vb));
                ra[2] = a->v[2];
                rb[2] = b->v[2];
                return true;
        }
#endif
        return mount_apply2(mm, identity, a->v, b->v, ra, rb);
}

/* The neutral's rotation (estimator-angles.c), for estimator_angles() and the neutral. */
void rotation_prepare(Rotation *rot, const double neutral[3]);

/* cross3() of estimator-angles.c, for rotate(). */
static inline void rotation_cross3(const double a[3], const double b[3], double out[3])
{
        out[0] = a[1] * b[2] - a[2] * b[1];
        out[1] = a[2] * b[0] - a[0] * b[2];
        out[2] = a[0] * b[1] - a[1] * b[0];
}

/* Inline: twice a sample, the gravity and the trunk. */
/* @g rotated by @rot into @r (NaN for an invalid rotation). */
static inline void rotate(const double g[3], const Rotation *rot, double r[3])
{
        switch (rot->kind) {
        case ROTATION_RODRIGUES: {
                /* R g = g + v × g + v × (v × g) / (1 + c), each component
                 * written out (as a loop would compute it). */
                double vg[3], vvg[3];

                rotation_cross3(rot->v, g, vg);
                rotation_cross3(rot->v, vg, vvg);
                r[0] = g[0] + vg[0] + vvg[0] / rot->one_c;
                r[1] = g[1] + vg[1] + vvg[1] / rot->one_c;
                r[2] = g[2] + vg[2] + vvg[2] / rot->one_c;
                break;
        }
        case ROTATION_INVALID:
                r[0] = r[1] = r[2] = NAN;
                break;
        case ROTATION_FLIP:
                r[0] = g[0];
                r[1] = -g[1];
                r[2] = -g[2];
                break;
        default: /* ROTATION_NONE */
                r[0] = g[0];
                r[1] = g[1];
                r[2] = g[2];
                break;
        }
}

/* Lying from a rotated vector (estimator-angles.c), mostly without its angles. */
double lying_upright_cos2(const EstimatorParams *p);
bool vector_is_lying(const EstimatorParams *p, double upright_cos2, const double r[3]);
/* vector_is_lying()'s shortcut (see there), inline: once a sample. */
static inline bool rotated_clearly_upright(double upright_cos2, const double r[3])
{
        double y2 = r[1] * r[1];

        return r[1] > 0 && y2 >= DBL_MIN && y2 > upright_cos2 * (r[0] * r[0] + y2 + r[2] * r[2]);
}
bool view_is_lying(const EstimatorParams *p, double upright_cos2, AngleView *v);
/* rotate(), angle_probe() and rotated_clearly_upright() of samples' gravity (estimator-rotate.c).
 */
void rotate_probe_many(const Rotation *rot, double upright_cos2, bool avx, const bool *valid,
                       PostureSample *s, size_t n, bool *upright);

/* The neutral (estimator-neutral.c), for the feeding in estimator.c. */
bool near_upright(const Estimator *e, const double v[3]);

/* The dynamic RMS over the still window (inline: once a sample). */
static inline double window_rms(const Estimator *e)
{
        if (e->count == 0)
                return 0;
        /* The running sum can dip a hair below zero through cancellation. */
        return sqrt(MAX(e->sum_d2, 0.0) / (double) e->count);
}
int calibrate_how(Estimator *e, NeutralHow how);
void held_neutral(Estimator *e, const PostureSample *s);
