/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/* Flexion in the sagittal plane: held bends in the ISO 11226 band, extreme
 * bends, backward leaning and the slouch band. */

/* Dose is a sum of thousands of small steps; forgive the rounding. */
#define DOSE_EPSILON 1e-9

/**
 * sustained_feed() - held forward bend in the ISO 11226 band.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * In the band the step adds dt / (MAHT(θ) · factor) to the dose (while
 * moving, to the pending dose: see hold_step()); below the band it adds to
 * the current dip. Only a continuous stay below flexion_min_deg of at least
 * dip_tolerance_s ends the episode and clears the dose; shorter dips keep
 * both.
 *
 * Return: true when sustained-flexion fired.
 */
bool sustained_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        SustainedState *st = &d->sustained;
        bool still = s->activity == ACTIVITY_STILL;
        double theta = s->flexion_deg;

        if (!(theta >= p->flexion_min_deg)) { /* NaN counts as below */
                if (!st->active)
                        return false;
                st->below_s += dt;
                if (still || d->moving_s > p->moving_grace_s)
                        st->pending_dose = 0;
                if (st->below_s >= p->dip_tolerance_s)
                        *st = (SustainedState){ 0 };
                return false;
        }

        if (!st->active) {
                *st = (SustainedState){ .active = true, .start_ns = s->t_ns, .peak = theta };
                return false;
        }

        st->below_s = 0;
        st->peak = MAX(st->peak, theta);
        if (still) {
                st->dose += st->pending_dose + dt / (maht_s(p, theta) * p->holding_time_factor);
                st->pending_dose = 0;
        } else if (d->moving_s > p->moving_grace_s)
                st->pending_dose = 0;
        else
                st->pending_dose += dt / (maht_s(p, theta) * p->holding_time_factor);

        if (st->fired || st->dose < 1.0 - DOSE_EPSILON ||
            !detectors_may_fire(d, EVENT_SUSTAINED_FLEXION, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_SUSTAINED_FLEXION, s->t_ns, st->start_ns, st->peak, ev);
        return true;
}

/* A NaN flexion makes both comparisons false: HOLD_OUT. */
static HoldLevel hold_level(bool in, bool keep)
{
        return in ? HOLD_IN : keep ? HOLD_KEEP : HOLD_OUT;
}

/* Which flexion an episode keeps as its peak. */
typedef enum Peak {
        PEAK_HIGHEST,
        PEAK_LOWEST,
        PEAK_HIGHEST_IN_BAND, /* the highest of the samples at HOLD_IN */
} Peak;

/* One sample of a held bend at @level: the episode, its @peak, and @kind
 * once the episode has held for more than @limit_s. */
static inline bool hold_feed(Detectors *d, HoldState *st, HoldLevel level, Peak peak,
                             EventKind kind, double limit_s, const PostureSample *s, double dt,
                             StrainEvent *ev)
{
        double theta = s->flexion_deg;
        bool opening = !st->active;

        /* A closed episode stays closed (and all zero) unless at HOLD_IN. */
        if (opening && level != HOLD_IN)
                return false;
        hold_step(d, st, level, s, dt);
        if (st->active && (peak != PEAK_HIGHEST_IN_BAND || level == HOLD_IN))
                st->peak = opening               ? theta
                           : peak == PEAK_LOWEST ? MIN(st->peak, theta)
                                                 : MAX(st->peak, theta);

        if (!st->active || st->fired || !(st->held_s > limit_s) ||
            !detectors_may_fire(d, kind, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, kind, s->t_ns, st->start_ns, st->peak, ev);
        return true;
}

/**
 * extreme_feed() - extreme bend.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * Opens when flexion > extreme_deg, fires once after more than
 * extreme_hold_s spent above it, closes when flexion < extreme_deg −
 * hysteresis_deg.
 *
 * Return: true when extreme-flexion fired.
 */
bool extreme_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        double theta = s->flexion_deg;

        return hold_feed(
                d, &d->extreme,
                hold_level(theta > p->extreme_deg, theta >= p->extreme_deg - p->hysteresis_deg),
                PEAK_HIGHEST, EVENT_EXTREME_FLEXION, p->extreme_hold_s, s, dt, ev);
}

/**
 * extension_feed() - unsupported backward lean.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * Opens when flexion < the limit, fires once after more than
 * extension_hold_s · holding_time_factor below it, closes when flexion >
 * the limit + hysteresis_deg. The limit is extension_deg, or −backrest_deg
 * when backrest_support and that lies further back. The peak is the most
 * negative flexion.
 *
 * Return: true when unsupported-extension fired.
 */
bool extension_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        double theta = s->flexion_deg, limit = p->extension_deg;

        /* Leaning on a backrest supports the trunk. */
        if (p->backrest_support)
                limit = MIN(limit, -p->backrest_deg);

        return hold_feed(d, &d->extension,
                         hold_level(theta < limit, theta <= limit + p->hysteresis_deg), PEAK_LOWEST,
                         EVENT_UNSUPPORTED_EXTENSION, p->extension_hold_s * p->holding_time_factor,
                         s, dt, ev);
}

/**
 * slouch_feed() - posture training: the slouch band.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * Time counts while slouch_deg <= flexion < flexion_min_deg; flexion at or
 * above flexion_min_deg keeps the episode open without adding time (those
 * bends are the flexion rules' business); below slouch_deg −
 * hysteresis_deg the episode ends. The peak is the deepest flexion within
 * the band. Nothing happens unless slouch_enabled.
 *
 * Return: true when slouch fired.
 */
bool slouch_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        double theta = s->flexion_deg;

        if (!p->slouch_enabled) {
                d->slouch = (HoldState){ 0 };
                return false;
        }

        return hold_feed(d, &d->slouch,
                         hold_level(theta >= p->slouch_deg && theta < p->flexion_min_deg,
                                    theta >= p->slouch_deg - p->hysteresis_deg),
                         PEAK_HIGHEST_IN_BAND, EVENT_SLOUCH, p->slouch_hold_s, s, dt, ev);
}
