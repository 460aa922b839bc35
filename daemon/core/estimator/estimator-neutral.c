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

/*
 * A posture held still this long, in seconds of still time, may be the
 * neutral although it lies beyond upright_max_deg of the mount's upright (a
 * chest sensor on an inclined sternum or strap): a minute is the shortest
 * hold the trunk rules themselves count as a held posture (the
 * unsupported-extension and lateral-bend holds, detect.h), so a transition
 * or a pause in a movement is not taken, a wearer settled at a desk is.
 */
#define HELD_NEUTRAL_S 60.0
/* Still windows within this of the held posture (degrees) hold it: the
 * neutral zone's lateral limit, as for the walking revision. */
#define HELD_SAME_DEG 10.0

/* The cosine of the angle between @a and @b; NaN when either is zero. */
static double cos_between(const double a[3], const double b[3])
{
        return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (norm3(a) * norm3(b));
}

/* The neutral changed: its rotation, a new generation. */
static void neutral_changed(Estimator *e)
{
        rotation_prepare(&e->rotation, e->calibrated ? e->neutral : NULL);
        e->rotation_gen++;
        e->neutral_changed = true;
        e->walk_sum[0] = e->walk_sum[1] = e->walk_sum[2] = e->walk_s = 0;
        e->have_held = false;
        e->held_s = 0;
}

/* Within upright_max_deg of the mount's upright (0, 1, 0). */
bool near_upright(const Estimator *e, const double v[3])
{
        double n = norm3(v);

        return n > 0 && v[1] / n >= cos(e->params.upright_max_deg / DEG_PER_RAD);
}

/* calibrate_how(), with the largest angle from the mount's upright (degrees). */
static int calibrate_within(Estimator *e, NeutralHow how, double max_deg)
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
        if (!(mean[1] / m >= cos(max_deg / DEG_PER_RAD)))
                return CALIBRATE_NOT_UPRIGHT;

        memcpy(e->neutral, mean, sizeof(mean));
        e->calibrated = true;
        e->how = how;
        e->neutral_t_ns = e->last_t_ns;
        neutral_changed(e);
        return 0;
}

/* estimator_calibrate(), with where the neutral comes from. */
int calibrate_how(Estimator *e, NeutralHow how)
{
        return calibrate_within(e, how, e->params.upright_max_deg);
}

/*
 * Without a neutral, for a worn, valid sample: follow the still posture
 * being held (the mean of the still window, compared by its running sums
 * alone), and take it as the automatic neutral once it has been held for
 * HELD_NEUTRAL_S of still time. Movement in between (typing, shifting in
 * the chair) neither adds nor ends; a still window more than HELD_SAME_DEG
 * away starts afresh. Never a posture more than lying_deg from the
 * mount's upright: one the lying rule would call lying is no neutral.
 */
void held_neutral(Estimator *e, const PostureSample *s)
{
        double mean[3];

        if (e->calibrated || s->activity != ACTIVITY_STILL || e->count < e->size ||
            !(window_rms(e) < e->params.still_rms))
                return;
        for (size_t k = 0; k < 3; k++)
                mean[k] = e->sum_g[k] / (double) e->count;
        if (!(norm3(mean) >= MIN_GRAVITY) ||
            !(mean[1] / norm3(mean) >= cos(e->params.lying_deg / DEG_PER_RAD))) {
                e->have_held = false;
                return;
        }
        if (!e->have_held || !(cos_between(mean, e->held) >= cos(HELD_SAME_DEG / DEG_PER_RAD))) {
                memcpy(e->held, mean, sizeof(mean));
                e->held_s = 0;
                e->have_held = true;
                return;
        }
        e->held_s += 1.0 / e->rate_hz;
        if (e->held_s >= HELD_NEUTRAL_S)
                (void) calibrate_within(e, NEUTRAL_AUTO, e->params.lying_deg);
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
