/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/detect/detect.h"

/*
 * The recovery state of the wearer (DESIGN.md, "Recovery phases"): the phase
 * after a reported injury, pain reports and red-flag symptoms. Pure state, no
 * I/O, no clock of its own: every call that depends on time gets "now".
 *
 * Time base: microseconds, unsigned. The daemon passes CLOCK_REALTIME
 * (the same clock as InjuryOnset and the D-Bus timestamps); `posturectl
 * analyze` passes sample time plus a fixed offset. Only differences and the
 * calendar day (for "worsening across days") are ever used.
 *
 *   none ──ReportInjury──► acute ──AcuteHours──► recovering ──RecoveringDays──► recovered
 *                            ▲                        │        or ReportRecovered    │
 *                            └──────── ReportInjury (a new injury) ◄─────────────────┘
 *
 * Phases move forward with time only; a wall clock set back never returns
 * the wearer to an earlier phase. A new ReportInjury starts over from the
 * new onset. The pain history and symptoms are kept in every phase.
 */

typedef enum RecoveryPhase {
        PHASE_NONE,
        PHASE_ACUTE,
        PHASE_RECOVERING,
        PHASE_RECOVERED,
        _PHASE_MAX,
} RecoveryPhase;

/*
 * A report the state refuses, answered by the caller (the daemon with
 * org.postured.Error.NotInjured): a documented result, not an error, and
 * distinct from every other value such a report returns (0 and 1).
 */
#define RECOVERY_NOT_INJURED 2

#define PHASE_BIT(p) (1u << (p))
#define PHASE_ALL    ((1u << _PHASE_MAX) - 1)

/** recovery_phase_to_string() - "none", "acute", "recovering", "recovered"; NULL out of range. */
const char *recovery_phase_to_string(RecoveryPhase p);
/** recovery_phase_from_string() - Return: the phase, or -EINVAL. */
int recovery_phase_from_string(const char *s);

/* Red-flag symptoms (ReportSymptoms): every one of them raises the alert. */
typedef enum Symptom {
        SYMPTOM_LOSS_OF_BLADDER_CONTROL,
        SYMPTOM_LOSS_OF_BOWEL_CONTROL,
        SYMPTOM_LEG_WEAKNESS,
        SYMPTOM_ARM_WEAKNESS,
        SYMPTOM_RADIATING_PAIN_LEG, /* pain or electric sensations running down a leg */
        SYMPTOM_RADIATING_PAIN_ARM, /* ... down an arm */
        SYMPTOM_UNEXPLAINED_WEIGHT_LOSS,
        SYMPTOM_FEVER,
        _SYMPTOM_MAX,
} Symptom;

/** symptom_to_string() - "loss_of_bladder_control", ...; NULL out of range. */
const char *symptom_to_string(Symptom s);
/** symptom_from_string() - Return: the symptom, or -EINVAL. */
int symptom_from_string(const char *s);

#define PAIN_LEVEL_MAX         10u
#define PAIN_CONTEXT_MAX       255 /* bytes, without the NUL */
#define PAIN_HISTORY_SIZE      64  /* reports kept; older ones are dropped */
#define RECOVERY_MAX_ONSET_AGE (UINT64_C(365) * 24 * 3600 * 1000000) /* usec */

/** struct RecoveryParams - see recovery_params_default(); recovery_new() checks the ranges. */
typedef struct RecoveryParams {
        unsigned acute_hours;     /* 48; 24..48 */
        unsigned recovering_days; /* 42 (6 weeks) after the acute phase; 1..365 */
        /* Pain rising: a report higher than the previous one, made at most
         * this long after it, ... */
        uint64_t pain_rising_window_usec; /* 2 h; 1 min..24 h */
        /* ... while or shortly after strain: a strain event since the
         * previous report, or at most this long before this one. */
        uint64_t strain_recent_usec; /* 30 min; 0..24 h */
        /* Pain worsening: the daily maxima of this many consecutive calendar
         * days, today included, each strictly higher than the day before. */
        unsigned worsening_days; /* 3; 2..7 */
        /* Calendar days are in the time zone this many seconds east of UTC
         * (the daemon sets tm_gmtoff of localtime_r()). */
        int utc_offset_s; /* 0; -14 h..+14 h */
} RecoveryParams;

void recovery_params_default(RecoveryParams *p);

/** struct PainReport - one entry of the pain history. */
typedef struct PainReport {
        uint64_t t_usec;
        unsigned level;
} PainReport;

/* recovery_report_pain() result bits. */
#define RECOVERY_PAIN_RISING    (1 << 0)
#define RECOVERY_PAIN_WORSENING (1 << 1)

typedef struct Recovery Recovery;

/** recovery_new() - phase none, no pain reported, no symptoms. */
int recovery_new(Recovery **ret, const RecoveryParams *p);
Recovery *recovery_free(Recovery *r);

static inline void recovery_freep(Recovery **r)
{
        recovery_free(*r);
}

const RecoveryParams *recovery_params(const Recovery *r);

/** recovery_phase() - the phase as of the last call that was given "now". */
RecoveryPhase recovery_phase(const Recovery *r);

/** recovery_onset() - the reported onset in usec, 0 when no injury was reported (InjuryOnset). */
uint64_t recovery_onset(const Recovery *r);

/** recovery_report_injury() - an injury began at @onset_usec (0: @now_usec). */
int recovery_report_injury(Recovery *r, uint64_t onset_usec, uint64_t now_usec);

/** recovery_report_recovered() - the wearer says the back has recovered. */
int recovery_report_recovered(Recovery *r, uint64_t now_usec);

/** recovery_tick() - let time pass: advance the phase to @now_usec. */
int recovery_tick(Recovery *r, uint64_t now_usec);

/** recovery_next_transition() - when recovery_tick() will next change the phase. */
uint64_t recovery_next_transition(const Recovery *r);

/** recovery_note_strain() - a strain event fired at @now_usec (for "pain rising"). */
void recovery_note_strain(Recovery *r, uint64_t now_usec);

/** recovery_report_pain() - record a pain report. */
int recovery_report_pain(Recovery *r, unsigned level, const char *context, uint64_t now_usec);

/** recovery_last_pain() - the latest report (LastPain). */
bool recovery_last_pain(const Recovery *r, unsigned *level, uint64_t *t_usec, const char **context);

/** recovery_pain_history() - up to PAIN_HISTORY_SIZE reports, oldest first. */
size_t recovery_pain_history(const Recovery *r, PainReport *out, size_t max);

/** recovery_report_symptoms() - record red-flag symptoms. */
int recovery_report_symptoms(Recovery *r, char *const *symptoms, uint64_t now_usec);

/** recovery_symptoms() - the mask of every symptom ever reported. */
unsigned recovery_symptoms(const Recovery *r);

/** rule_params_for_phase() - adapt the configured rules @p to @phase. */
void rule_params_for_phase(RecoveryPhase phase, RuleParams *p);

/** recovery_rule_params() - rule_params_for_phase() for the current phase of @r. */
void recovery_rule_params(const Recovery *r, RuleParams *p);
