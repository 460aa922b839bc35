/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "detect.h"
#include "macro.h"

/* Longest step between two samples that counts as time: a pause in the
 * stream (suspended laptop, lost radio link) must not count as held time. */
#define MAX_STEP_S 1.0

/* Dose is a sum of thousands of small steps; forgive the rounding. */
#define DOSE_EPSILON 1e-9

typedef struct SustainedState {
        bool active;
        bool fired;
        int64_t start_ns;
        double dose;    /* fraction of the MAHT used up, fires at 1 */
        double below_s; /* current continuous stay below the band */
        double peak;
} SustainedState;

typedef struct ExtremeState {
        bool active;
        bool fired;
        int64_t start_ns;
        double held_s; /* time above extreme_deg in this episode */
        double peak;
} ExtremeState;

struct Detectors {
        RuleParams params;
        bool have_last;
        int64_t last_t_ns;
        SustainedState sustained;
        ExtremeState extreme;
};

static const char *const event_kind_table[_EVENT_KIND_MAX] = {
        [EVENT_SUSTAINED_FLEXION] = "sustained_flexion",
        [EVENT_EXTREME_FLEXION] = "extreme_flexion",
};

static const char *const severity_table[_SEVERITY_MAX] = {
        [SEVERITY_INFO] = "info",
        [SEVERITY_WARNING] = "warning",
        [SEVERITY_CRITICAL] = "critical",
};

/**
 * event_kind_to_string() - the D-Bus and JSON spelling of @k.
 * @k: an event kind.
 *
 * Return: "sustained_flexion", "extreme_flexion", or NULL when out of range.
 */
const char *event_kind_to_string(EventKind k)
{
        if ((unsigned) k >= _EVENT_KIND_MAX)
                return NULL;
        return event_kind_table[k];
}

/**
 * severity_to_string() - the D-Bus and JSON spelling of @s.
 * @s: a severity.
 *
 * Return: "info", "warning", "critical", or NULL when out of range.
 */
const char *severity_to_string(Severity s)
{
        if ((unsigned) s >= _SEVERITY_MAX)
                return NULL;
        return severity_table[s];
}

/**
 * rule_params_default() - the ergonomic limits of DESIGN.md (ISO 11226).
 * @p: filled in.
 */
void rule_params_default(RuleParams *p)
{
        assert(p);

        *p = (RuleParams){
                .flexion_min_deg = 20.0,
                .flexion_max_deg = 60.0,
                .maht_at_min_s = 240.0,
                .maht_slope_s_per_deg = 4.5,
                .dip_tolerance_s = 4.0,
                .holding_time_factor = 1.0,
                .extreme_deg = 60.0,
                .extreme_hold_s = 4.0,
                .hysteresis_deg = 2.0,
        };
}

/**
 * rule_params_acute() - turn @p into the acute-phase variant.
 * @p: parameters to change.
 *
 * Holding times are halved (holding_time_factor 0.5) and the extreme limit
 * becomes 45°; everything else is kept.
 */
void rule_params_acute(RuleParams *p)
{
        assert(p);

        p->holding_time_factor = 0.5;
        p->extreme_deg = 45.0;
}

/**
 * maht_s() - maximum acceptable holding time at @flexion_deg.
 * @p: the limits.
 * @flexion_deg: the angle, clamped to [flexion_min_deg, flexion_max_deg].
 *
 * This is the ISO 11226 time, 240 − 4.5 (θ − 20) s by default, before
 * holding_time_factor is applied.
 *
 * Return: seconds.
 */
double maht_s(const RuleParams *p, double flexion_deg)
{
        double theta;

        assert(p);

        theta = CLAMP(flexion_deg, p->flexion_min_deg, p->flexion_max_deg);
        return p->maht_at_min_s - p->maht_slope_s_per_deg * (theta - p->flexion_min_deg);
}

static bool rule_params_are_valid(const RuleParams *p)
{
        const double v[] = { p->flexion_min_deg,      p->flexion_max_deg, p->maht_at_min_s,
                             p->maht_slope_s_per_deg, p->dip_tolerance_s, p->holding_time_factor,
                             p->extreme_deg,          p->extreme_hold_s,  p->hysteresis_deg };

        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                if (!isfinite(v[i]) || v[i] < 0)
                        return false;

        return p->flexion_min_deg < p->flexion_max_deg && p->holding_time_factor > 0 &&
               p->maht_at_min_s > 0 && maht_s(p, p->flexion_max_deg) > 0;
}

/**
 * detectors_new() - create the strain detectors.
 * @ret: the new detectors.
 * @p: the limits, copied.
 *
 * Return: 0, -EINVAL for inconsistent params (non-finite or negative values,
 * flexion_min_deg >= flexion_max_deg, holding_time_factor <= 0, a MAHT that
 * is not positive over the whole band), -ENOMEM.
 */
int detectors_new(Detectors **ret, const RuleParams *p)
{
        Detectors *d;

        assert(ret);
        assert(p);

        if (!rule_params_are_valid(p))
                return -EINVAL;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;

        d->params = *p;
        *ret = d;
        return 0;
}

/**
 * detectors_free() - free @d.
 * @d: detectors or NULL.
 *
 * Return: NULL.
 */
Detectors *detectors_free(Detectors *d)
{
        free(d);
        return NULL;
}

/**
 * detectors_set_params() - change the limits; running episodes are kept.
 * @d: the detectors.
 * @p: the new limits, copied.
 *
 * Return: 0, or -EINVAL (as detectors_new()) leaving the old limits in place.
 */
int detectors_set_params(Detectors *d, const RuleParams *p)
{
        assert(d);
        assert(p);

        if (!rule_params_are_valid(p))
                return -EINVAL;

        d->params = *p;
        return 0;
}

/**
 * detectors_reset() - forget all episodes and the last sample time.
 * @d: the detectors.
 */
void detectors_reset(Detectors *d)
{
        assert(d);

        d->have_last = false;
        d->last_t_ns = 0;
        d->sustained = (SustainedState){ 0 };
        d->extreme = (ExtremeState){ 0 };
}

static StrainEvent make_event(EventKind kind, Severity severity, int64_t t_ns, int64_t start_ns,
                              double peak)
{
        return (StrainEvent){
                .kind = kind,
                .severity = severity,
                .t_ns = t_ns,
                .start_ns = start_ns,
                .duration_s = (double) (t_ns - start_ns) / (double) NSEC_PER_SEC,
                .peak_deg = peak,
        };
}

/* Held forward bend in the ISO 11226 band. Each sample's step (the time since
 * the previous sample) is booked to the state the sample is in: in the band
 * it adds step / (MAHT(θ) · factor) to the dose, below the band it adds to
 * the current dip. The sample that opens an episode adds nothing. The release
 * hysteresis of this rule is in time, not in degrees: only a continuous stay
 * below flexion_min_deg of at least dip_tolerance_s ends the episode and
 * clears the dose; shorter dips keep both. */
static bool sustained_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        SustainedState *st = &d->sustained;
        double theta = s->flexion_deg;

        if (!(theta >= p->flexion_min_deg)) { /* NaN counts as below */
                if (!st->active)
                        return false;
                st->below_s += dt;
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
        st->dose += dt / (maht_s(p, theta) * p->holding_time_factor);

        if (st->fired || st->dose < 1.0 - DOSE_EPSILON)
                return false;

        st->fired = true;
        *ev = make_event(EVENT_SUSTAINED_FLEXION, SEVERITY_WARNING, s->t_ns, st->start_ns,
                         st->peak);
        return true;
}

/* Extreme bend: opens when flexion > extreme_deg, fires once after more than
 * extreme_hold_s spent above it, closes when flexion < extreme_deg −
 * hysteresis_deg. Samples inside the hysteresis band keep the episode open
 * but add no time. */
static bool extreme_feed(Detectors *d, const PostureSample *s, double dt, StrainEvent *ev)
{
        const RuleParams *p = &d->params;
        ExtremeState *st = &d->extreme;
        double theta = s->flexion_deg;

        if (!isfinite(theta) || (st->active && theta < p->extreme_deg - p->hysteresis_deg)) {
                *st = (ExtremeState){ 0 };
                return false;
        }

        if (!(theta > p->extreme_deg)) {
                if (st->active)
                        st->peak = MAX(st->peak, theta);
                return false;
        }

        if (!st->active) {
                *st = (ExtremeState){ .active = true, .start_ns = s->t_ns, .peak = theta };
                return false;
        }

        st->held_s += dt;
        st->peak = MAX(st->peak, theta);

        if (st->fired || !(st->held_s > p->extreme_hold_s))
                return false;

        st->fired = true;
        *ev = make_event(EVENT_EXTREME_FLEXION, SEVERITY_CRITICAL, s->t_ns, st->start_ns, st->peak);
        return true;
}

/**
 * detectors_feed() - advance by one sample.
 * @d: the detectors.
 * @s: the sample; only its time and flexion are used. A non-finite flexion
 *     counts as released.
 * @out: room for @max events (max >= _EVENT_KIND_MAX suffices).
 * @max: capacity of @out; events beyond it are lost.
 *
 * Time comes from @s->t_ns only: the first sample adds none, a step that goes
 * backwards adds none, and a step longer than one second counts as one second.
 *
 * Return: the number of events written to @out.
 */
size_t detectors_feed(Detectors *d, const PostureSample *s, StrainEvent *out, size_t max)
{
        StrainEvent ev;
        double dt = 0;
        size_t n = 0;

        assert(d);
        assert(s);
        assert(out || max == 0);

        if (d->have_last && s->t_ns > d->last_t_ns)
                dt = MIN((double) (s->t_ns - d->last_t_ns) / (double) NSEC_PER_SEC, MAX_STEP_S);
        if (!d->have_last || s->t_ns > d->last_t_ns)
                d->last_t_ns = s->t_ns;
        d->have_last = true;

        if (sustained_feed(d, s, dt, &ev) && n < max)
                out[n++] = ev;
        if (extreme_feed(d, s, dt, &ev) && n < max)
                out[n++] = ev;

        return n;
}

/**
 * detectors_strain_level() - the StrainLevel gauge, 0..1: the fraction of
 * the maximum acceptable holding time (ISO 11226) used up by the current
 * held-flexion episode. It reaches 1 when sustained_flexion fires, stays
 * there while the bend is held, and drops to 0 when the episode ends
 * (a stay below the band longer than the dip tolerance).
 */
double detectors_strain_level(const Detectors *d)
{
        if (!d->sustained.active)
                return 0.0;
        return CLAMP(d->sustained.dose, 0.0, 1.0);
}
