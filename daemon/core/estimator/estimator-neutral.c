/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The estimator's neutral: calibration, setting and resetting it (estimator.c feeds). */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/estimator/estimator-private.h"
#include "core/estimator/estimator-vector.h"
#include "core/estimator/estimator.h"
#include "util/macro.h"

/* Gravity must not turn by more than this over the window used as neutral:
 * a slow lean has a small dynamic RMS but is no posture to calibrate on. */
#define CALIBRATE_MAX_DRIFT_DEG 3.0

/* The neutral changed: its rotation, a new generation. */
static void neutral_changed(Estimator *e)
{
        rotation_prepare(&e->rotation, e->calibrated ? e->neutral : NULL);
        e->rotation_gen++;
        e->neutral_changed = true;
        e->walk_sum[0] = e->walk_sum[1] = e->walk_sum[2] = e->walk_s = 0;
}

/* Within upright_max_deg of the mount's upright (0, 1, 0). */
bool near_upright(const Estimator *e, const double v[3])
{
        double n = norm3(v);

        return n > 0 && v[1] / n >= cos(e->params.upright_max_deg / DEG_PER_RAD);
}

double window_rms(const Estimator *e)
{
        if (e->count == 0)
                return 0;
        /* The running sum can dip a hair below zero through cancellation. */
        return sqrt(MAX(e->sum_d2, 0.0) / (double) e->count);
}

/* estimator_calibrate(), with where the neutral comes from. */
int calibrate_how(Estimator *e, NeutralHow how)
{
        double mean[3], m, cos_max;

        assert(e);

        if (e->count < e->size)
                return CALIBRATE_NO_DATA;
        if (!(window_rms(e) < e->params.still_rms))
                return CALIBRATE_NOT_STILL;

        for (size_t k = 0; k < 3; k++)
                mean[k] = e->sum_g[k] / (double) e->count;
        m = norm3(mean);
        if (!(m >= MIN_GRAVITY))
                return CALIBRATE_NOT_STILL;

        cos_max = cos(CALIBRATE_MAX_DRIFT_DEG / DEG_PER_RAD);
        for (size_t i = 0; i < e->count; i++) {
                const double *g = e->window[i].g;
                double gn = norm3(g);

                if (!(gn > 0) ||
                    (g[0] * mean[0] + g[1] * mean[1] + g[2] * mean[2]) / (gn * m) < cos_max)
                        return CALIBRATE_NOT_STILL;
        }
        if (!near_upright(e, mean))
                return CALIBRATE_NOT_UPRIGHT;

        memcpy(e->neutral, mean, sizeof(mean));
        e->calibrated = true;
        e->how = how;
        e->neutral_t_ns = e->last_t_ns;
        neutral_changed(e);
        return 0;
}

/**
 * estimator_calibrate() - take the mean gravity of the last still window as
 * the given neutral.
 * @e: the estimator.
 *
 * Still means a dynamic RMS below still_rms and gravity not turning by more
 * than a few degrees (3°) over the window (a slow lean is no neutral
 * posture); the mean must lie within upright_max_deg of the mount's upright.
 *
 * Return: CALIBRATE_DONE (0); CALIBRATE_NO_DATA if no full window has been
 * seen since creation or the last gap (FRAME_AFTER_GAP), CALIBRATE_NOT_STILL
 * if the wearer was not still over the window, CALIBRATE_NOT_UPRIGHT if the
 * window is too far from upright. Never an error.
 */
int estimator_calibrate(Estimator *e)
{
        assert(e);
        return calibrate_how(e, NEUTRAL_GIVEN);
}

/**
 * estimator_set_neutral() - set neutral to a body-frame gravity vector.
 * @e: the estimator.
 * @body: the vector, m/s².
 *
 * Return: 0, -EINVAL for a vector that is not finite or shorter than 1 m/s².
 */
int estimator_set_neutral(Estimator *e, const double body[3])
{
        assert(e);
        return estimator_set_neutral_how(e, body, NEUTRAL_GIVEN, e->last_t_ns);
}

/**
 * estimator_set_neutral_how() - set neutral to a body-frame gravity vector.
 * @e: the estimator.
 * @body: the vector, m/s².
 * @how: where it came from (not NEUTRAL_NONE).
 * @t_ns: when, in sample time.
 *
 * Return: 0, -EINVAL for a vector that is not finite or shorter than 1 m/s²,
 * or a bad @how.
 */
int estimator_set_neutral_how(Estimator *e, const double body[3], NeutralHow how, int64_t t_ns)
{
        assert(e);
        assert(body);

        if (!finite3(body) || !(norm3(body) >= MIN_GRAVITY))
                return -EINVAL;
        if (how <= NEUTRAL_NONE || how >= _NEUTRAL_HOW_MAX)
                return -EINVAL;

        memcpy(e->neutral, body, sizeof(e->neutral));
        e->calibrated = true;
        e->how = how;
        e->neutral_t_ns = t_ns;
        neutral_changed(e);
        return 0;
}

/** estimator_reset_neutral() - no neutral: angles against the mount's upright until one is taken.
 */
void estimator_reset_neutral(Estimator *e)
{
        assert(e);

        e->calibrated = false;
        e->how = NEUTRAL_NONE;
        e->neutral_t_ns = 0;
        neutral_changed(e);
}

/** estimator_get_calibration() - Return: where the neutral came from; @ret_t_ns (may be NULL) when.
 */
NeutralHow estimator_get_calibration(const Estimator *e, int64_t *ret_t_ns)
{
        assert(e);

        if (ret_t_ns)
                *ret_t_ns = e->neutral_t_ns;
        return e->calibrated ? e->how : NEUTRAL_NONE;
}

/** estimator_get_neutral() - Return: true and, unless @body is NULL, the vector when calibrated. */
bool estimator_get_neutral(const Estimator *e, double body[3])
{
        assert(e);

        if (!e->calibrated)
                return false;
        if (body)
                memcpy(body, e->neutral, sizeof(e->neutral));
        return true;
}
