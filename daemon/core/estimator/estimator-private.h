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

/** worn_feed() - one valid body-frame sample (worn_get() tells whether the sensor is worn). */
static inline void worn_feed(Worn *w, const double raw[3])
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
}

/*
 * The estimator's view of motion: the dynamic part without single-sample
 * glitches, the trunk's direction and angular rate compensated for the
 * kinematic acceleration of the sensor, and walking recognised from the
 * periodicity of the vertical acceleration. See estimator.h. The inside of
 * struct Motion is in estimator-motion-private.h.
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
 * @d2: dot3(dynamic, dynamic).
 */
typedef struct MotionResult {
        bool walking;
        double dynamic[3];
        double d2;
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
         * cannot build up over a long session: the exact sums are run_g and
         * run_d2, the entries written since the head was last at 0, summed
         * as they are written (see window_push()). */
        size_t size;    /* capacity: samples per still window */
        size_t count;   /* valid entries, <= size */
        size_t head;    /* next slot to write */
        double count_d; /* count, as a double */
        double sum_g[3];
        double sum_d2;
        double run_g[3];
        double run_d2;

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
        bool exact_only;       /* no steady-state runs (estimator.c; on in a test) */
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
         * time the ring wraps (see "Gravity" in estimator.h): that is
         * smooth_run, the entries written since the head was last at 0,
         * summed as they are written (smooth_push()). */
        double (*smooth)[3];
        size_t smooth_size, smooth_count, smooth_head;
        double smooth_sum[3];
        double smooth_run[3];

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
 * mount_apply2() of the values of the frames @a and @b. With SSE2, the
 * test of mount_apply2() is made on the floats' bits: a float is finite
 * and not zero, 0 < |x| <= FLT_MAX, exactly when its bits shifted left by
 * one (the sign dropped), s, lie in [2, 0xfefffffe] (0 is a zero,
 * 0xff000000 an infinity, above it the NaNs; subnormals are not zero here,
 * as in mount_apply2()'s doubles), the very condition mount_apply2()'s
 * product proves. s + 0x7ffffffe, in 32 bits, maps that range, in order,
 * onto the signed [INT32_MIN, 0x7efffffc], and every other s (0, or
 * 0xff000000 and above) onto [0x7efffffe, 0x7ffffffe], so one signed
 * comparison with 0x7efffffd finds the others (MOVMSKPS reads the sign of
 * each 32-bit lane of the mask). Then the copy is the widening of each
 * float, which CVTPS2PD and CVTSS2SD make exactly. The fourth lane read
 * (the frame's flags) is not looked at.
 */
static inline bool mount_frames(const MountMatrix *mm, bool identity, const Frame *a,
                                const Frame *b, double ra[3], double rb[3])
{
#if defined(__x86_64__)
        const __m128i bias = _mm_set1_epi32(0x7ffffffe), limit = _mm_set1_epi32(0x7efffffd);
        __m128 va = _mm_loadu_ps((const float *) ((const char *) a + offsetof(Frame, v)));
        __m128 vb = _mm_loadu_ps((const float *) ((const char *) b + offsetof(Frame, v)));
        __m128i sa = _mm_add_epi32(_mm_slli_epi32(_mm_castps_si128(va), 1), bias);
        __m128i sb = _mm_add_epi32(_mm_slli_epi32(_mm_castps_si128(vb), 1), bias);
        int other = _mm_movemask_ps(_mm_castsi128_ps(
                _mm_or_si128(_mm_cmpgt_epi32(sa, limit), _mm_cmpgt_epi32(sb, limit))));

        if (identity && (other & 7) == 0) {
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
/* The samples' gravity and its norm3(), and window_rms() of many windows
 * (estimator-batch.c), four at a time where @avx. */
void gravity_many(bool avx, PostureSample *s, double *n, size_t count);
void rms_many(bool avx, const double *sum, const double *n, double *rms, size_t count);
int calibrate_how(Estimator *e, NeutralHow how);
void held_neutral(Estimator *e, const PostureSample *s);
