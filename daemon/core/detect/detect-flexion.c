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
bool sustained_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        SustainedState *st = &d->sustained;
        bool still = s->activity == ACTIVITY_STILL;
        double theta;

        if (!angle_flexion_ge(a, &d->limits.flexion_min)) { /* NaN counts as below */
                if (st->active)
                        sustained_below(d, s, dt);
                return false;
        }

        theta = angle_view_flexion(a);
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

/* The new peak of an open episode at @peak after a sample at @a: the
 * opening sample's flexion, else MIN(st->peak, θ) or MAX(st->peak, θ),
 * which is st->peak when θ lies beyond it the other way and θ otherwise
 * (a NaN θ never reaches here: its level is HOLD_OUT); the comparison
 * mostly without θ (angle-view.h). */
static void hold_peak(HoldState *st, bool opening, Peak peak, AngleView *a)
{
        if (!opening && (peak == PEAK_LOWEST ? angle_flexion_gt(a, &st->peak_limit)
                                             : angle_flexion_lt(a, &st->peak_limit)))
                return;
        st->peak = angle_view_flexion(a);
        angle_limit_sine(&st->peak_limit, st->peak);
}

/* One sample of a held bend at @level: the episode, its @peak, and @kind
 * once the episode has held for more than @limit_s. */
static inline bool hold_feed(Detectors *d, HoldState *st, HoldLevel level, Peak peak,
                             EventKind kind, double limit_s, const PostureSample *s, AngleView *a,
                             double dt, StrainEvent *ev)
{
        bool opening = !st->active;

        /* A closed episode stays closed (and all zero) unless at HOLD_IN. */
        if (opening && level != HOLD_IN)
                return false;
        /* A fired episode (fired is set only below, on an open one, and
         * cleared only with the rest by hold_step()'s zeroing) fires no more
         * until it closes: the test below returns at st->fired. Its held_s,
         * pending_s, peak and peak_limit are read nowhere else (these
         * HoldStates are hold_feed()'s alone; calm_box_update() and
         * feed_pending() read only active) and are zeroed when it closes,
         * and a sample changes nothing else here (the exact flexion that
         * hold_peak() might work out is the same wherever it is first
         * asked for). So only the closing at HOLD_OUT matters. */
        if (st->fired) {
                if (level == HOLD_OUT)
                        *st = (HoldState){ 0 };
                return false;
        }
        hold_step(d, st, level, s, dt);
        if (st->active && (peak != PEAK_HIGHEST_IN_BAND || level == HOLD_IN))
                hold_peak(st, opening, peak, a);

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
bool extreme_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        const DetectLimits *l = &d->limits;
        bool in = angle_flexion_gt(a, &l->extreme);

        /* The keep test only where hold_level() looks at it. */
        return hold_feed(d, &d->extreme,
                         hold_level(in, !in && angle_flexion_ge(a, &l->extreme_keep)), PEAK_HIGHEST,
                         EVENT_EXTREME_FLEXION, p->extreme_hold_s, s, a, dt, ev);
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
bool extension_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        const DetectLimits *l = &d->limits;
        /* The limit, leaning on a backrest supporting the trunk: limits_prepare(). */
        bool in = angle_flexion_lt(a, &l->extension);

        return hold_feed(d, &d->extension,
                         hold_level(in, !in && angle_flexion_le(a, &l->extension_keep)),
                         PEAK_LOWEST, EVENT_UNSUPPORTED_EXTENSION,
                         p->extension_hold_s * p->holding_time_factor, s, a, dt, ev);
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
bool slouch_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        const DetectLimits *l = &d->limits;
        bool in;

        if (!p->slouch_enabled) {
                d->slouch = (HoldState){ 0 };
                return false;
        }

        in = angle_flexion_ge(a, &l->slouch) && angle_flexion_lt(a, &l->flexion_min);
        return hold_feed(d, &d->slouch, hold_level(in, !in && angle_flexion_ge(a, &l->slouch_keep)),
                         PEAK_HIGHEST_IN_BAND, EVENT_SLOUCH, p->slouch_hold_s, s, a, dt, ev);
}
