/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "estimator.h"

/*
 * Strain detectors. They see only PostureSamples and their sample times,
 * never the wall clock, so a recording replayed at any speed gives the same
 * events. An event fires once per episode, when its condition has held long
 * enough; the episode ends (and may fire again) only after the condition has
 * been released with hysteresis.
 */

typedef enum EventKind {
        EVENT_SUSTAINED_FLEXION,
        EVENT_EXTREME_FLEXION,
        _EVENT_KIND_MAX,
} EventKind;

typedef enum Severity {
        SEVERITY_INFO,
        SEVERITY_WARNING,
        SEVERITY_CRITICAL,
        _SEVERITY_MAX,
} Severity;

/** event_kind_to_string() - "sustained_flexion", "extreme_flexion". */
const char *event_kind_to_string(EventKind k);
/** severity_to_string() - "info", "warning", "critical". */
const char *severity_to_string(Severity s);

/**
 * struct StrainEvent - one fired event.
 * @t_ns: sample time at which it fired.
 * @start_ns: sample time at which the episode began.
 * @duration_s: (t_ns - start_ns) in seconds.
 * @peak_deg: largest flexion (or bend) during the episode so far.
 */
typedef struct StrainEvent {
        EventKind kind;
        Severity severity;
        int64_t t_ns;
        int64_t start_ns;
        double duration_s;
        double peak_deg;
} StrainEvent;

/** struct RuleParams - every limit of the ergonomic rules; see rule_params_default(). */
typedef struct RuleParams {
        /* sustained_flexion: band [flexion_min_deg, flexion_max_deg]; MAHT(θ) =
         * maht_at_min_s - maht_slope_s_per_deg * (θ - flexion_min_deg),
         * i.e. 240 - 4.5 (θ - 20) s; multiplied by holding_time_factor
         * (0.5 in the acute phase). Time below the band shorter than
         * dip_tolerance_s does not end the episode. */
        double flexion_min_deg;      /* 20 */
        double flexion_max_deg;      /* 60 */
        double maht_at_min_s;        /* 240 */
        double maht_slope_s_per_deg; /* 4.5 */
        double dip_tolerance_s;      /* 4 */
        double holding_time_factor;  /* 1 */
        /* extreme_flexion: flexion > extreme_deg for more than extreme_hold_s. */
        double extreme_deg;    /* 60 (45 in the acute phase) */
        double extreme_hold_s; /* 4 */
        /* Degrees below a threshold the angle must fall to end an episode. */
        double hysteresis_deg; /* 2 */
} RuleParams;

void rule_params_default(RuleParams *p);

/**
 * rule_params_acute() - turn @p into the acute-phase variant: holding times
 * halved, extreme limit 45°.
 */
void rule_params_acute(RuleParams *p);

/**
 * maht_s() - maximum acceptable holding time in seconds at @flexion_deg
 * (clamped to the band), before holding_time_factor is applied.
 */
double maht_s(const RuleParams *p, double flexion_deg);

typedef struct Detectors Detectors;

/** detectors_new() - Return: 0, -EINVAL for inconsistent params, -ENOMEM. */
int detectors_new(Detectors **ret, const RuleParams *p);
Detectors *detectors_free(Detectors *d);

static inline void detectors_freep(Detectors **d)
{
        detectors_free(*d);
}

/** detectors_set_params() - change the limits; running episodes are kept. */
int detectors_set_params(Detectors *d, const RuleParams *p);

/**
 * detectors_feed() - advance by one sample.
 * @out: room for @max events (max >= _EVENT_KIND_MAX suffices).
 *
 * Return: the number of events fired at this sample.
 */
size_t detectors_feed(Detectors *d, const PostureSample *s, StrainEvent *out, size_t max);

/**
 * detectors_strain_level() - 0..1: the share of the maximum acceptable
 * holding time used by the current held-flexion episode (1 once
 * sustained_flexion has fired; 0 outside an episode).
 */
double detectors_strain_level(const Detectors *d);

/** detectors_reset() - forget all episodes (e.g. after a gap or recalibration). */
void detectors_reset(Detectors *d);
