/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The estimator's names (posture classes, activities, how the neutral was
 * set), its parameters and their check, and its construction and
 * destruction. The feeding of samples is in estimator.c. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator.h"
#include "util/macro.h"

/* Refuse windows that would need absurd amounts of memory. */
#define MAX_WINDOW_SAMPLES 1000000.0

static const char *const posture_class_table[_POSTURE_MAX] = {
        [POSTURE_UNKNOWN] = "unknown",
        [POSTURE_UPRIGHT] = "upright",
        [POSTURE_SLOUCHED] = "slouched",
        [POSTURE_FLEXED] = "flexed",
        [POSTURE_EXTREME_FLEXION] = "extreme-flexion",
        [POSTURE_LATERAL] = "lateral",
        [POSTURE_RECLINED] = "reclined",
        [POSTURE_LYING] = "lying",
        [POSTURE_MOVING] = "moving",
        [POSTURE_NOT_WORN] = "not-worn",
};

static const char *const neutral_how_table[_NEUTRAL_HOW_MAX] = {
        [NEUTRAL_NONE] = "none",
        [NEUTRAL_AUTO] = "auto",
        [NEUTRAL_GIVEN] = "given",
        [NEUTRAL_REVISED] = "revised",
};

/** neutral_how_to_string() - the spelling of @h, or NULL when out of range. */
const char *neutral_how_to_string(NeutralHow h)
{
        if ((unsigned) h >= _NEUTRAL_HOW_MAX)
                return NULL;
        return neutral_how_table[h];
}

/** neutral_how_from_string() - Return: the NeutralHow of @s, or -EINVAL. */
int neutral_how_from_string(const char *s)
{
        for (int i = 0; i < _NEUTRAL_HOW_MAX; i++)
                if (s && strcmp(s, neutral_how_table[i]) == 0)
                        return i;
        return -EINVAL;
}

static const char *const activity_table[_ACTIVITY_MAX] = {
        [ACTIVITY_STILL] = "still",
        [ACTIVITY_MOVING] = "moving",
        [ACTIVITY_WALKING] = "walking",
};

/** posture_class_to_string() - the D-Bus spelling of @p, or NULL when out of range. */
const char *posture_class_to_string(PostureClass p)
{
        if ((unsigned) p >= _POSTURE_MAX)
                return NULL;
        return posture_class_table[p];
}

/** activity_to_string() - the D-Bus spelling of @a, or NULL when out of range. */
const char *activity_to_string(Activity a)
{
        if ((unsigned) a >= _ACTIVITY_MAX)
                return NULL;
        return activity_table[a];
}

/** estimator_params_default() - fill @p with the defaults documented in estimator.h. */
void estimator_params_default(EstimatorParams *p)
{
        assert(p);

        *p = (EstimatorParams){
                .mount = mount_matrix_identity,
                .still_window_s = 3.0,
                .still_rms = 0.35,
                .slouch_deg = 15.0,
                .flexion_deg = 20.0,
                .extreme_deg = 60.0,
                .lateral_deg = 10.0,
                .reclined_deg = -20.0,
                .lying_deg = 60.0,
                .auto_calibrate = false,
                .not_worn_s = 30.0,
                .upright_max_deg = 30.0,
                .sensor_height_m = 0.45,
                .walk_window_s = 4.0,
                .walk_min_step_hz = 1.0,
                .walk_max_step_hz = 2.5,
                .walk_min_rms = 0.5,
                .walk_min_corr = 0.5,
                .walk_max_sway_deg = 15.0,
                .posture_smooth_s = 1.0,
                .posture_max_rms = 4.0,
        };
}

static bool params_are_valid(const EstimatorParams *p)
{
        const double limits[] = { p->still_rms,   p->slouch_deg,     p->flexion_deg,
                                  p->extreme_deg, p->lateral_deg,    p->reclined_deg,
                                  p->lying_deg,   p->posture_max_rms };

        for (size_t i = 0; i < ELEMENTSOF(limits); i++)
                if (!isfinite(limits[i]))
                        return false;

        return isfinite(p->still_window_s) && p->still_window_s > 0 && p->still_rms > 0 &&
               isfinite(p->upright_max_deg) && p->upright_max_deg > 0 &&
               p->upright_max_deg <= 180 && isfinite(p->posture_smooth_s) &&
               p->posture_smooth_s >= 0 && mount_matrix_is_valid(&p->mount) &&
               motion_params_are_valid(p);
}

/**
 * estimator_new() - create an estimator.
 * @ret: the new estimator.
 * @p: parameters, copied.
 * @rate_hz: nominal sample rate, sizes the still window.
 *
 * Return: 0, -EINVAL for bad params (window <= 0, non-finite limits,
 * singular mount matrix, bad rate), -ENOMEM.
 */
int estimator_new(Estimator **ret, const EstimatorParams *p, double rate_hz)
{
        _cleanup_(estimator_freep) Estimator *e = NULL;
        _cleanup_(freep) double(*smooth)[3] = NULL;
        size_t size, smooth_size;
        double n;
        int r;

        assert(ret);
        assert(p);

        if (!params_are_valid(p) || !isfinite(rate_hz) || rate_hz <= 0)
                return -EINVAL;

        n = round(p->still_window_s * rate_hz);
        if (!(n <= MAX_WINDOW_SAMPLES))
                return -EINVAL;
        size = (size_t) MAX(n, 1.0);
        n = round(p->posture_smooth_s * rate_hz);
        if (!(n <= MAX_WINDOW_SAMPLES))
                return -EINVAL;
        smooth_size = (size_t) MAX(n, 1.0);

        smooth = calloc(smooth_size, sizeof(smooth[0]));
        if (!smooth)
                return -ENOMEM;
        e = calloc(1, offsetof(Estimator, window) + size * sizeof(WindowEntry));
        if (!e)
                return -ENOMEM; /* cppcheck-suppress memleak ; freed by _cleanup_ */

        e->params = *p;
        e->rate_hz = rate_hz;
        e->size = size;
        e->was_worn = true;
        e->smooth_size = smooth_size;
        e->smooth = TAKE_PTR(smooth);
        e->upright_cos2 = lying_upright_cos2(p);
        e->upright_shortcut = true;
        /* Bit for bit: a -0.0 would not be the identity of mount_apply2(). */
        e->mount_identity = memcmp(&p->mount, &mount_matrix_identity, sizeof(p->mount)) == 0;
        angle_limit_sine(&e->limits.reclined, p->reclined_deg);
        angle_limit_sine(&e->limits.extreme, p->extreme_deg);
        angle_limit_sine(&e->limits.flexed, p->flexion_deg);
        angle_limit_sine(&e->limits.slouched, p->slouch_deg);
        angle_limit_cosine(&e->limits.lateral, p->lateral_deg);
        /* Above reclined_deg, below extreme_deg, flexion_deg and slouch_deg
         * (a NaN bound makes the band empty). */
        e->limits.upright_sin_lo = e->limits.reclined.hi;
        e->limits.upright_sin_hi =
                MIN(MIN(e->limits.extreme.lo, e->limits.flexed.lo), e->limits.slouched.lo);
        if (isnan(e->limits.extreme.lo) || isnan(e->limits.flexed.lo))
                e->limits.upright_sin_hi = NAN;

        r = motion_new(&e->motion, p, rate_hz);
        if (r < 0)
                return r;
        r = worn_new(&e->worn, p, rate_hz);
        if (r < 0)
                return r;
        e->motion_lag_ns = motion_lag_ns(e->motion);
#if defined(__x86_64__)
        e->avx = __builtin_cpu_supports("avx");
#endif

        *ret = TAKE_PTR(e);
        return 0;
}

/** estimator_free() - free @e (NULL is fine). Return: NULL. */
Estimator *estimator_free(Estimator *e)
{
        if (!e)
                return NULL;
        motion_free(e->motion);
        worn_free(e->worn);
        free(e->smooth);
        free(e);
        return NULL;
}
