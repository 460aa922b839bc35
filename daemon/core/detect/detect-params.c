/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names and severities of the event kinds, and the rules' parameters:
 * their defaults (ISO 11226), the acute-phase variant, the maximum acceptable
 * holding time and the check detectors_new() makes of them. The detectors
 * themselves are in detect.c. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/detect/detect-private.h"
#include "util/macro.h"

static const char *const event_kind_table[_EVENT_KIND_MAX] = {
        [EVENT_SUSTAINED_FLEXION] = "sustained-flexion",
        [EVENT_EXTREME_FLEXION] = "extreme-flexion",
        [EVENT_UNSUPPORTED_EXTENSION] = "unsupported-extension",
        [EVENT_LATERAL_BEND] = "lateral-bend",
        [EVENT_SUDDEN_MOVEMENT] = "sudden-movement",
        [EVENT_REPETITIVE_BENDING] = "repetitive-bending",
        [EVENT_STATIC_POSTURE] = "static-posture",
        [EVENT_SLOUCH] = "slouch",
        [EVENT_PROLONGED_REST] = "prolonged-rest",
};

/* Posture training and break reminders inform; strain that ISO 11226 or the
 * back-pain literature warns about warns; an extreme bend is critical. */
static const Severity event_severity_table[_EVENT_KIND_MAX] = {
        [EVENT_SUSTAINED_FLEXION] = SEVERITY_WARNING,
        [EVENT_EXTREME_FLEXION] = SEVERITY_CRITICAL,
        [EVENT_UNSUPPORTED_EXTENSION] = SEVERITY_WARNING,
        [EVENT_LATERAL_BEND] = SEVERITY_WARNING,
        [EVENT_SUDDEN_MOVEMENT] = SEVERITY_WARNING,
        [EVENT_REPETITIVE_BENDING] = SEVERITY_WARNING,
        [EVENT_STATIC_POSTURE] = SEVERITY_INFO,
        [EVENT_SLOUCH] = SEVERITY_INFO,
        [EVENT_PROLONGED_REST] = SEVERITY_INFO,
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
 * Return: "sustained-flexion", "extreme-flexion", "unsupported-extension",
 * "lateral-bend", "sudden-movement", "repetitive-bending", "static-posture",
 * "slouch", "prolonged-rest", or NULL when out of range.
 */
const char *event_kind_to_string(EventKind k)
{
        if ((unsigned) k >= _EVENT_KIND_MAX)
                return NULL;
        return event_kind_table[k];
}

/**
 * event_kind_from_string() - the kind a user typed.
 * @s: a kind in kebab-case ("lateral-bend") or, as an alias, in the
 *     snake_case of earlier versions ("lateral_bend").
 *
 * Return: the kind, or -EINVAL when @s names none.
 */
int event_kind_from_string(const char *s)
{
        assert(s);

        for (size_t k = 0; k < _EVENT_KIND_MAX; k++) {
                const char *name = event_kind_table[k];
                size_t i = 0;

                for (; name[i] && s[i]; i++)
                        if (s[i] != name[i] && !(s[i] == '_' && name[i] == '-'))
                                break;
                if (!name[i] && !s[i])
                        return (int) k;
        }
        return -EINVAL;
}

/**
 * event_kind_severity() - the severity events of kind @k carry.
 * @k: an event kind.
 *
 * Return: the severity; SEVERITY_INFO when @k is out of range.
 */
Severity event_kind_severity(EventKind k)
{
        if ((unsigned) k >= _EVENT_KIND_MAX)
                return SEVERITY_INFO;
        return event_severity_table[k];
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
                .extension_deg = -20.0,
                .extension_hold_s = 60.0,
                .lateral_deg = 10.0,
                .lateral_hold_s = 60.0,
                .lateral_high_deg = 20.0,
                .lateral_high_hold_s = 4.0,
                .sudden_rate_dps = 120.0,
                .sudden_angle_deg = 20.0,
                .sudden_min_s = 0.1,
                .repetitive_deg = 20.0,
                .repetitive_per_min = 2,
                .repetitive_duration_s = 300.0,
                .repetitive_min_bend_s = 0.2,
                .static_s = 1800.0,
                .static_change_deg = 10.0,
                .static_change_min_s = 2.0,
                .slouch_enabled = true,
                .slouch_deg = 15.0,
                .slouch_hold_s = 30.0,
                .backrest_support = true,
                .backrest_deg = 35.0,
                .sudden_rise_s = 0.2,
                .sudden_settle_s = 1.0,
                .prolonged_rest_enabled = false,
                .prolonged_rest_s = 7200.0,
                .rest_day_start_h = 7.0,
                .rest_day_end_h = 22.0,
                .moving_grace_s = 10.0,
                .strain_half_life_s = 300.0,
                .strain_walking_half_life_s = 100.0,
                .strain_extreme_factor = 2.0,
        };
        for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                p->cooldown_s[k] = k == EVENT_STATIC_POSTURE ? 1800.0 : 300.0;
}

/**
 * rule_params_acute() - turn @p into the acute-phase variant.
 * @p: parameters to change.
 *
 * Holding times are halved (holding_time_factor 0.5, which scales the MAHT
 * and the time limits of lateral-bend and unsupported-extension), the
 * extreme limit becomes 45°, slouch feedback is turned off and
 * prolonged-rest on; everything else is kept.
 */
void rule_params_acute(RuleParams *p)
{
        assert(p);

        p->holding_time_factor = 0.5;
        p->extreme_deg = 45.0;
        p->slouch_enabled = false;
        p->prolonged_rest_enabled = true;
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

/**
 * rule_params_are_valid() - whether detectors_new() and detectors_set_params()
 * would take @p.
 * @p: the limits.
 *
 * Return: true when they are consistent.
 */
bool rule_params_are_valid(const RuleParams *p)
{
        const double v[] = {
                p->flexion_min_deg,
                p->flexion_max_deg,
                p->maht_at_min_s,
                p->maht_slope_s_per_deg,
                p->dip_tolerance_s,
                p->holding_time_factor,
                p->extreme_deg,
                p->extreme_hold_s,
                p->hysteresis_deg,
                p->extension_hold_s,
                p->lateral_deg,
                p->lateral_hold_s,
                p->lateral_high_deg,
                p->lateral_high_hold_s,
                p->sudden_rate_dps,
                p->sudden_angle_deg,
                p->sudden_min_s,
                p->repetitive_deg,
                p->repetitive_duration_s,
                p->repetitive_min_bend_s,
                p->static_s,
                p->static_change_deg,
                p->static_change_min_s,
                p->slouch_deg,
                p->slouch_hold_s,
                p->backrest_deg,
                p->sudden_rise_s,
                p->sudden_settle_s,
                p->prolonged_rest_s,
                p->rest_day_start_h,
                p->rest_day_end_h,
                p->moving_grace_s,
                p->strain_half_life_s,
                p->strain_walking_half_life_s,
                p->strain_extreme_factor,
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                if (!isfinite(v[i]) || v[i] < 0)
                        return false;
        for (size_t k = 0; k < _EVENT_KIND_MAX; k++)
                if (!isfinite(p->cooldown_s[k]) || p->cooldown_s[k] < 0)
                        return false;

        return p->flexion_min_deg < p->flexion_max_deg && p->holding_time_factor > 0 &&
               p->maht_at_min_s > 0 && maht_s(p, p->flexion_max_deg) > 0 &&
               isfinite(p->extension_deg) && p->extension_deg < 0 &&
               p->slouch_deg < p->flexion_min_deg && p->sudden_rate_dps > 0 &&
               p->repetitive_per_min >= 1 && p->repetitive_per_min <= REPETITIVE_MAX_PER_MIN &&
               p->strain_half_life_s > 0 && p->strain_walking_half_life_s > 0 &&
               p->strain_extreme_factor >= 1 && p->rest_day_start_h <= 24 &&
               p->rest_day_end_h <= 24;
}
