/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Worn or not (DESIGN.md "Worn or not"): a sensor on a body always shows
 * physiological micro-motion (breathing tilts the chest, the heart and
 * postural sway shake it) above the noise of the sensor itself; one on a
 * desk, a charger or a shelf shows the noise alone. See estimator.h.
 *
 * The raw body-frame samples are cut into blocks of WORN_BLOCK_S. For a
 * run of blocks, "within" is the mean variance of the samples about their
 * block's mean (summed over the axes) and "between" the variance of the
 * block means. Sensor noise is white: it gives a per-axis within SD of no
 * more than WORN_NOISE_CEILING and block means that vary by within / n
 * (n samples a block), so n · between / within stays near 1. Motion shows
 * as either: broadband motion raises within above the ceiling, slow motion
 * (breathing, sway) raises the ratio above WORN_MIN_RATIO.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimator/estimator-private.h"
#include "util/macro.h"

/* Block length, s: a breath (3-6 s) spans several blocks. */
#define WORN_BLOCK_S 0.5
/* Blocks judged for "worn again": 2 s. */
#define WORN_ON_BLOCKS 4
/*
 * Per-axis RMS noise, m/s², above that of the common consumer MEMS
 * accelerometers at their usual bandwidths (noise densities of 150-430
 * µg/√Hz over up to 100 Hz give at most about 4.3 mg, 0.042 m/s²). A worn
 * trunk sensor, still, reads 0.056 m/s² and more in the public recordings
 * the project was checked against (over 2 s; 0.087 over 10 s).
 */
#define WORN_NOISE_CEILING 0.06
/*
 * Block means varying this many times more than white noise would let them
 * are motion: for noise the ratio is 1 (± 0.5 over WORN_ON_BLOCKS blocks of
 * three axes); breathing alone gives tens.
 */
#define WORN_MIN_RATIO 4.0
/* Further from the mount's upright than this is upside down: no worn
 * sensor on a trunk reads that, lying included. */
#define WORN_MAX_TILT_DEG 135.0

/** worn_new() - state for @rate_hz samples. Return: 0, -EINVAL, -ENOMEM. */
int worn_new(Worn **ret, const EstimatorParams *p, double rate_hz)
{
        Worn *w;
        double nb, blk;

        if (!isfinite(p->not_worn_s) || p->not_worn_s < 0 || p->not_worn_s > 86400)
                return -EINVAL;
        blk = MAX(round(WORN_BLOCK_S * rate_hz), 2.0);
        nb = MAX(ceil(p->not_worn_s / WORN_BLOCK_S), (double) WORN_ON_BLOCKS);

        w = calloc(1, offsetof(Worn, ring) + (size_t) nb * sizeof(WornBlock));
        if (!w)
                return -ENOMEM;
        w->block = (size_t) blk;
        w->n_blocks = (size_t) nb;
        w->enabled = p->not_worn_s > 0;
        /* Worn until the first blocks say otherwise (a recording may start
         * on a desk: it is judged at 2 s, before any rule can fire). */
        w->worn = true;
        w->cos_max_tilt = cos(WORN_MAX_TILT_DEG * M_PI / 180.0);
        *ret = w;
        return 0;
}

/** worn_free() - accepts NULL; returns NULL. */
Worn *worn_free(Worn *w)
{
        free(w);
        return NULL;
}

/** worn_reset() - forget the blocks (a gap); what was decided stays. */
void worn_reset(Worn *w)
{
        w->head = w->count = w->in_block = w->quiet = 0;
        memset(w->sum, 0, sizeof(w->sum));
        memset(w->sum2, 0, sizeof(w->sum2));
}

/* Motion over the last @k blocks (k <= count), and their mean vector. */
static bool motion_in(const Worn *w, size_t k, double mean[3])
{
        double within = 0, between = 0, n = 0;

        mean[0] = mean[1] = mean[2] = 0;
        for (size_t i = 0; i < k; i++) {
                const WornBlock *b = &w->ring[(w->head + w->n_blocks - 1 - i) % w->n_blocks];

                for (size_t a = 0; a < 3; a++)
                        mean[a] += b->mean[a] / (double) k;
                within += b->within / (double) k;
                n += b->n / (double) k;
        }
        for (size_t i = 0; i < k; i++) {
                const WornBlock *b = &w->ring[(w->head + w->n_blocks - 1 - i) % w->n_blocks];

                for (size_t a = 0; a < 3; a++)
                        between += (b->mean[a] - mean[a]) * (b->mean[a] - mean[a]);
        }
        between /= (double) (k - 1);

        return within / 3 > WORN_NOISE_CEILING * WORN_NOISE_CEILING ||
               n * between > WORN_MIN_RATIO * within;
}

/* Upside down relative to the mount's upright (0, 1, 0). */
static bool upside_down(const Worn *w, const double v[3])
{
        double len = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

        return len > 0 && v[1] / len < w->cos_max_tilt;
}

/** worn_block_done() - the block is complete: its statistics, and the judgement. */
void worn_block_done(Worn *w)
{
        WornBlock *b = &w->ring[w->head];
        double n = (double) w->in_block, mean[3];
        bool moved;

        b->n = n;
        b->within = 0;
        for (size_t a = 0; a < 3; a++) {
                b->mean[a] = w->sum[a] / n;
                /* Cancellation can take the difference a hair below zero. */
                b->within += MAX((w->sum2[a] - w->sum[a] * b->mean[a]) / (n - 1), 0.0);
        }
        w->head = (w->head + 1) % w->n_blocks;
        w->count = MIN(w->count + 1, w->n_blocks);
        w->in_block = 0;
        memset(w->sum, 0, sizeof(w->sum));
        memset(w->sum2, 0, sizeof(w->sum2));

        if (!w->enabled || w->count < WORN_ON_BLOCKS)
                return;
        /* Worn again at once: motion over the last few blocks. Not worn after
         * a whole not_worn_s without any, in its parts or as a whole. Upside
         * down is never worn. */
        moved = motion_in(w, WORN_ON_BLOCKS, mean);
        w->quiet = moved ? 0 : w->quiet + 1;
        if (upside_down(w, mean))
                w->worn = false;
        else if (!w->worn || !w->judged)
                w->worn = moved;
        else if (w->quiet >= w->n_blocks)
                w->worn = motion_in(w, w->n_blocks, mean);
        w->judged = true;
}
