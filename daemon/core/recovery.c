/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "core/recovery.h"

#define USEC_PER_MIN  (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MIN)
#define USEC_PER_DAY  (UINT64_C(24) * USEC_PER_HOUR)
#define SEC_PER_DAY   INT64_C(86400)

/* Daily maxima kept for "worsening": enough for the longest worsening_days. */
#define PAIN_DAYS 8

typedef struct PainDay {
        int64_t day; /* calendar day number in the configured time zone */
        unsigned max;
} PainDay;

struct Recovery {
        RecoveryParams params;
        RecoveryPhase phase;
        uint64_t onset_usec; /* 0: no injury reported */

        bool have_strain;
        uint64_t last_strain_usec;

        PainReport history[PAIN_HISTORY_SIZE]; /* ring */
        size_t n_history, next_history;
        char last_context[PAIN_CONTEXT_MAX + 1];

        PainDay days[PAIN_DAYS]; /* ascending days, the newest last */
        size_t n_days;
        bool worsening_flagged;
        int64_t worsening_day; /* the day "worsening" was last reported */

        unsigned symptoms;
};

static const char *const phase_table[_PHASE_MAX] = {
        [PHASE_NONE] = "none",
        [PHASE_ACUTE] = "acute",
        [PHASE_RECOVERING] = "recovering",
        [PHASE_RECOVERED] = "recovered",
};

static const char *const symptom_table[_SYMPTOM_MAX] = {
        [SYMPTOM_LOSS_OF_BLADDER_CONTROL] = "loss_of_bladder_control",
        [SYMPTOM_LOSS_OF_BOWEL_CONTROL] = "loss_of_bowel_control",
        [SYMPTOM_LEG_WEAKNESS] = "leg_weakness",
        [SYMPTOM_ARM_WEAKNESS] = "arm_weakness",
        [SYMPTOM_RADIATING_PAIN_LEG] = "radiating_pain_leg",
        [SYMPTOM_RADIATING_PAIN_ARM] = "radiating_pain_arm",
        [SYMPTOM_UNEXPLAINED_WEIGHT_LOSS] = "unexplained_weight_loss",
        [SYMPTOM_FEVER] = "fever",
};

/**
 * recovery_phase_to_string() - the D-Bus and catalogue spelling of @p.
 * @p: a phase.
 *
 * Return: "none", "acute", "recovering", "recovered", or NULL out of range.
 */
const char *recovery_phase_to_string(RecoveryPhase p)
{
        if ((unsigned) p >= _PHASE_MAX)
                return NULL;
        return phase_table[p];
}

/**
 * recovery_phase_from_string() - parse a phase name.
 * @s: "none", "acute", "recovering" or "recovered".
 *
 * Return: the RecoveryPhase, or -EINVAL.
 */
int recovery_phase_from_string(const char *s)
{
        for (RecoveryPhase p = 0; p < _PHASE_MAX; p++)
                if (s && strcmp(s, phase_table[p]) == 0)
                        return (int) p;
        return -EINVAL;
}

/**
 * symptom_to_string() - the D-Bus spelling of @s.
 * @s: a symptom.
 *
 * Return: e.g. "leg_weakness", or NULL out of range.
 */
const char *symptom_to_string(Symptom s)
{
        if ((unsigned) s >= _SYMPTOM_MAX)
                return NULL;
        return symptom_table[s];
}

/**
 * symptom_from_string() - parse a symptom name.
 * @s: e.g. "fever".
 *
 * Return: the Symptom, or -EINVAL.
 */
int symptom_from_string(const char *s)
{
        for (Symptom y = 0; y < _SYMPTOM_MAX; y++)
                if (s && strcmp(s, symptom_table[y]) == 0)
                        return (int) y;
        return -EINVAL;
}

/**
 * recovery_params_default() - the defaults of DESIGN.md: 48 h acute, 6 weeks
 * recovering, pain rising within 2 h of the previous report and 30 min of a
 * strain event, worsening over 3 days, days in UTC.
 * @p: filled in.
 */
void recovery_params_default(RecoveryParams *p)
{
        *p = (RecoveryParams){
                .acute_hours = 48,
                .recovering_days = 42,
                .pain_rising_window_usec = 2 * USEC_PER_HOUR,
                .strain_recent_usec = 30 * USEC_PER_MIN,
                .worsening_days = 3,
                .utc_offset_s = 0,
        };
}

static bool params_valid(const RecoveryParams *p)
{
        return p->acute_hours >= 24 && p->acute_hours <= 48 && p->recovering_days >= 1 &&
               p->recovering_days <= 365 && p->pain_rising_window_usec >= USEC_PER_MIN &&
               p->pain_rising_window_usec <= USEC_PER_DAY &&
               p->strain_recent_usec <= USEC_PER_DAY && p->worsening_days >= 2 &&
               p->worsening_days < PAIN_DAYS && p->utc_offset_s >= -14 * 3600 &&
               p->utc_offset_s <= 14 * 3600;
}

/**
 * recovery_new() - a wearer without a reported injury: phase none, no pain
 * reported, no symptoms.
 * @ret: the new object.
 * @p: parameters, or NULL for recovery_params_default().
 *
 * Return: 0, -EINVAL for parameters out of range, -ENOMEM.
 */
int recovery_new(Recovery **ret, const RecoveryParams *p)
{
        Recovery *r;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        if (p)
                r->params = *p;
        else
                recovery_params_default(&r->params);
        if (!params_valid(&r->params)) {
                free(r);
                return -EINVAL;
        }
        r->phase = PHASE_NONE;
        *ret = r;
        return 0;
}

/**
 * recovery_free() - free @r.
 * @r: may be NULL.
 *
 * Return: NULL.
 */
Recovery *recovery_free(Recovery *r)
{
        free(r);
        return NULL;
}

/** recovery_params() - the parameters @r was created with. */
const RecoveryParams *recovery_params(const Recovery *r)
{
        return &r->params;
}

/** recovery_phase() - the current phase (Phase). */
RecoveryPhase recovery_phase(const Recovery *r)
{
        return r->phase;
}

/** recovery_onset() - the injury onset in usec (InjuryOnset), 0 without one. */
uint64_t recovery_onset(const Recovery *r)
{
        return r->onset_usec;
}

static uint64_t acute_end(const Recovery *r)
{
        return r->onset_usec + r->params.acute_hours * USEC_PER_HOUR;
}

static uint64_t recovering_end(const Recovery *r)
{
        return acute_end(r) + r->params.recovering_days * USEC_PER_DAY;
}

/**
 * recovery_next_transition() - when the phase changes by time alone.
 * @r: the state.
 *
 * Return: the time in usec when recovery_tick() will next change the phase
 * (for a CLOCK_REALTIME timer), or UINT64_MAX when no change is due.
 */
uint64_t recovery_next_transition(const Recovery *r)
{
        if (r->phase == PHASE_ACUTE)
                return acute_end(r);
        if (r->phase == PHASE_RECOVERING)
                return recovering_end(r);
        return UINT64_MAX;
}

/**
 * recovery_tick() - advance the phase to @now_usec.
 * @r: the state.
 * @now_usec: the current time.
 *
 * Let time pass: acute ends AcuteHours after the onset, recovering
 * RecoveringDays after that. Both ends are exact: at onset + AcuteHours the
 * phase is recovering.
 *
 * Return: 1 when the phase changed, else 0.
 */
int recovery_tick(Recovery *r, uint64_t now_usec)
{
        RecoveryPhase old = r->phase;

        if (r->phase == PHASE_ACUTE && now_usec >= acute_end(r))
                r->phase = PHASE_RECOVERING;
        if (r->phase == PHASE_RECOVERING && now_usec >= recovering_end(r))
                r->phase = PHASE_RECOVERED;
        return r->phase != old;
}

/**
 * recovery_report_injury() - an injury began at @onset_usec (0: @now_usec).
 * @r: the state.
 * @onset_usec: when the injury happened, 0 for @now_usec.
 * @now_usec: the current time.
 *
 * Enters acute, or a later phase when the onset is long enough ago. A
 * second report is a new injury and starts over.
 *
 * Return: 0; -EINVAL when the onset is after @now_usec (in the future);
 * -ERANGE when it is more than a year (RECOVERY_MAX_ONSET_AGE) before it.
 * State unchanged on errors.
 */
int recovery_report_injury(Recovery *r, uint64_t onset_usec, uint64_t now_usec)
{
        if (onset_usec == 0)
                onset_usec = now_usec;
        if (onset_usec > now_usec)
                return -EINVAL;
        if (now_usec - onset_usec > RECOVERY_MAX_ONSET_AGE)
                return -ERANGE;

        r->onset_usec = onset_usec;
        r->phase = PHASE_ACUTE;
        (void) recovery_tick(r, now_usec);
        return 0;
}

/**
 * recovery_report_recovered() - the wearer says the back has recovered.
 * @r: the state.
 * @now_usec: the current time (unused: the onset and history are kept).
 *
 * Return: 1 when the phase changed to recovered, 0 when it already was,
 * RECOVERY_NOT_INJURED when no injury was reported (phase none): a refusal
 * the caller answers, not an error.
 */
int recovery_report_recovered(Recovery *r, uint64_t now_usec)
{
        if (r->phase == PHASE_NONE)
                return RECOVERY_NOT_INJURED;
        if (r->phase == PHASE_RECOVERED)
                return 0;
        r->phase = PHASE_RECOVERED;
        return 1;
}

/**
 * recovery_note_strain() - remember the latest strain event.
 * @r: the state.
 * @now_usec: when it fired.
 */
void recovery_note_strain(Recovery *r, uint64_t now_usec)
{
        if (!r->have_strain || now_usec > r->last_strain_usec)
                r->last_strain_usec = now_usec;
        r->have_strain = true;
}

static int64_t calendar_day(const Recovery *r, uint64_t t_usec)
{
        int64_t s = (int64_t) (t_usec / USEC_PER_SEC) + r->params.utc_offset_s;

        /* Floor division: the offset may take times before the epoch. */
        return s >= 0 ? s / SEC_PER_DAY : -((-s + SEC_PER_DAY - 1) / SEC_PER_DAY);
}

static const PainReport *previous_report(const Recovery *r)
{
        if (r->n_history == 0)
                return NULL;
        return &r->history[(r->next_history + PAIN_HISTORY_SIZE - 1) % PAIN_HISTORY_SIZE];
}

static bool pain_rising(const Recovery *r, unsigned level, uint64_t now_usec)
{
        const PainReport *prev = previous_report(r);

        if (!prev || level <= prev->level || now_usec < prev->t_usec ||
            now_usec - prev->t_usec > r->params.pain_rising_window_usec)
                return false;
        if (!r->have_strain || r->last_strain_usec > now_usec)
                return false;
        /* During the activity (since the previous report) or right after it. */
        return r->last_strain_usec >= prev->t_usec ||
               now_usec - r->last_strain_usec <= r->params.strain_recent_usec;
}

/* Record today's maximum; reports for a day older than the newest kept are
 * left out of the daily maxima (a wall clock set back). */
static void update_days(Recovery *r, int64_t day, unsigned level)
{
        PainDay *last = r->n_days > 0 ? &r->days[r->n_days - 1] : NULL;

        if (last && last->day == day) {
                last->max = MAX(last->max, level);
                return;
        }
        if (last && day < last->day)
                return;
        if (r->n_days == PAIN_DAYS) {
                memmove(r->days, r->days + 1, (PAIN_DAYS - 1) * sizeof(r->days[0]));
                r->n_days--;
        }
        r->days[r->n_days++] = (PainDay){ .day = day, .max = level };
}

static bool pain_worsening(const Recovery *r, int64_t today)
{
        unsigned n = r->params.worsening_days;

        if (r->n_days < n || r->days[r->n_days - 1].day != today)
                return false;
        for (unsigned i = 1; i < n; i++) {
                const PainDay *d = &r->days[r->n_days - 1 - i], *next = d + 1;

                if (d->day != today - (int64_t) i || d->max >= next->max)
                        return false;
        }
        return true;
}

/**
 * recovery_report_pain() - record a pain report.
 * @r: the state.
 * @level: 0..10.
 * @context: what the wearer was doing, free text up to PAIN_CONTEXT_MAX
 *           bytes; NULL is "".
 * @now_usec: when it was reported.
 *
 * Pain rising: @level is above the previous report, which was made at most
 * pain_rising_window_usec earlier, and a strain event fired after that
 * report or at most strain_recent_usec before this one.
 * Pain worsening: the daily maxima of worsening_days consecutive calendar
 * days up to today increase strictly; reported at most once a day.
 *
 * Return: a mask of RECOVERY_PAIN_RISING and RECOVERY_PAIN_WORSENING (0:
 * neither); -EINVAL for a level above 10 or a context too long, state unchanged.
 */
int recovery_report_pain(Recovery *r, unsigned level, const char *context, uint64_t now_usec)
{
        int64_t today = calendar_day(r, now_usec);
        int result = 0;

        if (level > PAIN_LEVEL_MAX)
                return -EINVAL;
        if (!context)
                context = "";
        if (strlen(context) > PAIN_CONTEXT_MAX)
                return -EINVAL;

        if (pain_rising(r, level, now_usec))
                result |= RECOVERY_PAIN_RISING;

        r->history[r->next_history] = (PainReport){ .t_usec = now_usec, .level = level };
        r->next_history = (r->next_history + 1) % PAIN_HISTORY_SIZE;
        if (r->n_history < PAIN_HISTORY_SIZE)
                r->n_history++;
        strcpy(r->last_context, context);

        update_days(r, today, level);
        if (pain_worsening(r, today) && (!r->worsening_flagged || r->worsening_day != today)) {
                r->worsening_flagged = true;
                r->worsening_day = today;
                result |= RECOVERY_PAIN_WORSENING;
        }
        return result;
}

/**
 * recovery_last_pain() - the latest pain report (LastPain).
 * @r: the state.
 * @level: set to its level (0 without one); may be NULL.
 * @t_usec: set to its time (0 without one); may be NULL.
 * @context: set to its context ("" without one); may be NULL; valid until the
 *           next report.
 *
 * Return: whether pain was ever reported.
 */
bool recovery_last_pain(const Recovery *r, unsigned *level, uint64_t *t_usec, const char **context)
{
        const PainReport *p = previous_report(r);

        if (level)
                *level = p ? p->level : 0;
        if (t_usec)
                *t_usec = p ? p->t_usec : 0;
        if (context)
                *context = r->last_context;
        return p != NULL;
}

/**
 * recovery_pain_history() - copy the kept reports.
 * @r: the state.
 * @out: room for @max reports.
 * @max: size of @out.
 *
 * Return: the number copied: the newest ones when @max is short, oldest first.
 */
size_t recovery_pain_history(const Recovery *r, PainReport *out, size_t max)
{
        size_t n = MIN(max, r->n_history);

        for (size_t i = 0; i < n; i++) {
                size_t back = n - i; /* 1 is the newest */

                out[i] = r->history[(r->next_history + PAIN_HISTORY_SIZE - back) %
                                    PAIN_HISTORY_SIZE];
        }
        return n;
}

/**
 * recovery_report_symptoms() - record red-flag symptoms.
 * @r: the state.
 * @symptoms: NULL-terminated list of symptom names (D-Bus "as"); NULL or
 *            empty is fine and changes nothing.
 * @now_usec: when they were reported (unused for now).
 *
 * Return: the mask (1 << Symptom) of the symptoms in this report, or
 * -EINVAL when a name is unknown (nothing recorded then).
 */
int recovery_report_symptoms(Recovery *r, char *const *symptoms, uint64_t now_usec)
{
        unsigned mask = 0;

        for (size_t i = 0; symptoms && symptoms[i]; i++) {
                int s = symptom_from_string(symptoms[i]);

                if (s < 0)
                        return s;
                mask |= 1u << s;
        }
        r->symptoms |= mask;
        return (int) mask;
}

/** recovery_symptoms() - every symptom reported so far, as 1 << Symptom. */
unsigned recovery_symptoms(const Recovery *r)
{
        return r->symptoms;
}

/**
 * rule_params_for_phase() - the detector limits of @phase.
 * @phase: a phase.
 * @p: the configured limits, changed in place.
 *
 * Adapts the configured rules @p to @phase: the acute phase applies
 * rule_params_acute(); recovering turns slouch feedback off and
 * prolonged-rest on; none and recovered keep @p (prolonged-rest off).
 */
void rule_params_for_phase(RecoveryPhase phase, RuleParams *p)
{
        if (phase == PHASE_ACUTE)
                rule_params_acute(p);
        /* Posture training is not for a mending back: no slouch nudges while
         * recovering; a mending back is better moved than rested in bed. */
        if (phase == PHASE_RECOVERING) {
                p->slouch_enabled = false;
                p->prolonged_rest_enabled = true;
        }
}

/**
 * recovery_rule_params() - the detector limits of the current phase.
 * @r: the state.
 * @p: the configured limits, changed in place.
 */
void recovery_rule_params(const Recovery *r, RuleParams *p)
{
        rule_params_for_phase(r->phase, p);
}
