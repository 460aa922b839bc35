/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

/**
 * static_feed() - the break reminder.
 * @d: the detectors.
 * @s: the sample.
 * @dt: its step.
 * @ev: the event, when one fires.
 *
 * The episode starts with the current flexion and lateral bend as its
 * reference. Either angle differing from the reference by more than
 * static_change_deg continuously for static_change_min_s is a posture
 * change: a new episode starts from the posture reached. A walking sample
 * or non-finite angles end the episode; the next other sample starts one.
 * static-posture fires once the episode has lasted static_s (counted in
 * steps, so a pause in the stream does not count). The peak is the deepest
 * flexion in the episode.
 *
 * Return: true when static-posture fired.
 */
/*
 * Whether fabs(angle − @ref) > @change for the exact angle, from @side_above
 * and @side_below, the shortcut's sides of the angle against @ref + @change
 * and @ref − @change (angle-view.h), or from @exact() when they cannot tell.
 * A side says the exact angle lies more than 5e-8° beyond that limit,
 * which is within half an ulp (1e-14 for limits within ±90°, where the
 * shortcut applies) of @ref ± @change: so the exact angle − @ref lies beyond
 * ± @change by more than 4e-8°, far more than the rounding of the
 * subtraction (an ulp of 180 is 2.8e-14) could undo, and also with @change
 * up to 180° (an ulp of @change is at most 2.8e-14).
 */
/* The references plus and minus @change_deg, for the shortcut: when an
 * episode opens and when the limits change during one
 * (detectors_set_params()), as static_feed()'s exact path reads the
 * current static_change_deg. */
void static_limits_prepare(StaticState *st, double change_deg)
{
        angle_limit_sine(&st->flexion_above, st->ref_flexion + change_deg);
        angle_limit_sine(&st->flexion_below, st->ref_flexion - change_deg);
        angle_limit_sine(&st->lateral_above, st->ref_lateral + change_deg);
        angle_limit_sine(&st->lateral_below, st->ref_lateral - change_deg);
}

static bool away(int side_above, int side_below)
{
        return side_above > 0 || side_below < 0;
}

static bool near(int side_above, int side_below)
{
        return side_above < 0 && side_below > 0;
}

/* MAX(fabs(θ − ref_flexion), fabs(φ − ref_lateral)) > static_change_deg. */
static bool changed(const StaticState *st, AngleView *a, double change)
{
        int above, below;
        bool flexion_near;

        above = angle_flexion_side(a, &st->flexion_above);
        below = angle_flexion_side(a, &st->flexion_below);
        if (away(above, below))
                return true;
        flexion_near = near(above, below);

        above = angle_lateral_side(a, &st->lateral_above);
        below = angle_lateral_side(a, &st->lateral_below);
        if (away(above, below))
                return true;
        if (flexion_near && near(above, below))
                return false;
        /* MAX() of the two is above @change when either is. */
        return MAX(fabs(angle_view_flexion(a) - st->ref_flexion),
                   fabs(angle_view_lateral(a) - st->ref_lateral)) > change;
}

bool static_feed(Detectors *d, const PostureSample *s, AngleView *a, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        StaticState *st = &d->statics;
        double theta, phi;

        /* Mostly the posture stays near the reference: the shortcut's
         * values strictly within both pairs of limits are finite angles
         * (angle-view.h), which changed() would find near() both. */
        if (st->active && s->activity != ACTIVITY_WALKING &&
            a->sin_flexion > st->flexion_below.hi && a->sin_flexion < st->flexion_above.lo &&
            a->sin_lateral > st->lateral_below.hi && a->sin_lateral < st->lateral_above.lo)
                st->away_s = 0;
        else if (!angle_view_finite(a) || s->activity == ACTIVITY_WALKING) {
                *st = (StaticState){ 0 };
                return false;
        } else if (st->active && changed(st, a, p->static_change_deg)) {
                st->away_s += dt;
                if (st->away_s >= p->static_change_min_s)
                        st->active = false;
        } else
                st->away_s = 0;

        if (!st->active) {
                theta = angle_view_flexion(a);
                phi = angle_view_lateral(a);
                *st = (StaticState){
                        .active = true,
                        .start_ns = s->t_ns,
                        .ref_flexion = theta,
                        .ref_lateral = phi,
                        .peak = theta,
                };
                static_limits_prepare(st, p->static_change_deg);
                angle_limit_sine(&st->peak_limit, theta);
                return false;
        }

        st->held_s += dt;
        /* MAX(st->peak, θ): θ unless θ < st->peak. */
        if (!angle_flexion_lt(a, &st->peak_limit)) {
                st->peak = angle_view_flexion(a);
                angle_limit_sine(&st->peak_limit, st->peak);
        }

        if (st->fired || st->held_s < p->static_s ||
            !detectors_may_fire(d, EVENT_STATIC_POSTURE, s->t_ns))
                return false;

        st->fired = true;
        detectors_fire(d, EVENT_STATIC_POSTURE, s->t_ns, st->start_ns, st->peak, ev);
        return true;
}
