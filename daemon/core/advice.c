/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/advice.h"
#include "core/catalogue.h"
#include "util/macro.h"

struct AdviceEngine {
        const Catalogue *catalogue;
        Recovery *recovery;
        AdviceParams params;

        AdviceEmitFn advice_fn, alert_fn;
        void *userdata;

        /* Per catalogue item: when it was last given, for the rate limit. */
        bool *given;
        uint64_t *last_usec;

        uint64_t snooze_until_usec; /* 0: not snoozed */

        /* The one alert: alerts[0] is its id (owned by the catalogue) or NULL. */
        char *alerts[2];
};

/**
 * advice_params_default() - a 15-minute repeat interval.
 * @p: filled in.
 */
void advice_params_default(AdviceParams *p)
{
        *p = (AdviceParams){
                .repeat_interval_usec = 15 * 60 * USEC_PER_SEC,
        };
}

/**
 * advice_engine_new() - an engine for @c and @r.
 * @ret: the engine.
 * @c: the catalogue, borrowed.
 * @r: the recovery state, borrowed.
 * @p: parameters, or NULL for the defaults.
 *
 * Return: 0 or -ENOMEM.
 */
int advice_engine_new(AdviceEngine **ret, const Catalogue *c, Recovery *r, const AdviceParams *p)
{
        _cleanup_(advice_engine_freep) AdviceEngine *e = NULL;
        size_t n = MAX(catalogue_size(c), (size_t) 1);

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->catalogue = c;
        e->recovery = r;
        if (p)
                e->params = *p;
        else
                advice_params_default(&e->params);
        e->given = calloc(n, sizeof(*e->given));
        e->last_usec = calloc(n, sizeof(*e->last_usec));
        if (!e->given || !e->last_usec)
                return -ENOMEM;
        *ret = TAKE_PTR(e);
        return 0;
}

/**
 * advice_engine_free() - free @e (not its catalogue and recovery state).
 * @e: may be NULL.
 *
 * Return: NULL.
 */
AdviceEngine *advice_engine_free(AdviceEngine *e)
{
        if (!e)
                return NULL;
        free(e->given);
        free(e->last_usec);
        free(e);
        return NULL;
}

/**
 * advice_engine_set_handlers() - where the items go.
 * @e: the engine.
 * @advice: non-critical items, or NULL.
 * @alert: the red-flag alert, or NULL.
 * @userdata: passed to both.
 */
void advice_engine_set_handlers(AdviceEngine *e, AdviceEmitFn advice, AdviceEmitFn alert,
                                void *userdata)
{
        e->advice_fn = advice;
        e->alert_fn = alert;
        e->userdata = userdata;
}

/* The item of @c that stands for @id across a reload: the same id, else any red-flag item. */
static const AdviceItem *find_alert_item(const Catalogue *c, const char *id)
{
        const AdviceItem *it = catalogue_find(c, id);

        for (size_t i = 0; !it && i < catalogue_size(c); i++)
                if (strcmp(catalogue_item(c, i)->trigger, TRIGGER_RED_FLAG) == 0)
                        it = catalogue_item(c, i);
        return it;
}

/**
 * advice_engine_set_catalogue() - a reloaded catalogue and parameters, keeping
 * what the engine knows of the wearer.
 * @e: the engine.
 * @c: the new catalogue, borrowed; the old one may be freed once this returns.
 * @p: the new parameters, or NULL to keep them.
 *
 * The snooze, the active alert and, for every item whose id is in both
 * catalogues, when it was last given (its rate limit) carry over. An active
 * alert whose id is gone stays active under the new catalogue's red-flag
 * item.
 *
 * Return: 0, or -ENOMEM leaving @e unchanged.
 */
int advice_engine_set_catalogue(AdviceEngine *e, const Catalogue *c, const AdviceParams *p)
{
        size_t n = MAX(catalogue_size(c), (size_t) 1);
        _cleanup_(freep) bool *given = NULL;
        _cleanup_(freep) uint64_t *last_usec = NULL;

        given = calloc(n, sizeof(*given));
        last_usec = calloc(n, sizeof(*last_usec));
        if (!given || !last_usec)
                return -ENOMEM;

        for (size_t i = 0; i < catalogue_size(e->catalogue); i++) {
                const AdviceItem *old = catalogue_item(e->catalogue, i);

                if (!e->given[i])
                        continue;
                for (size_t j = 0; j < catalogue_size(c); j++)
                        if (strcmp(catalogue_item(c, j)->id, old->id) == 0) {
                                given[j] = true;
                                last_usec[j] = e->last_usec[i];
                        }
        }
        if (e->alerts[0]) {
                const AdviceItem *it = find_alert_item(c, e->alerts[0]);

                e->alerts[0] = it ? it->id : NULL;
        }

        free(e->given);
        free(e->last_usec);
        e->given = TAKE_PTR(given);
        e->last_usec = TAKE_PTR(last_usec);
        e->catalogue = c;
        if (p)
                e->params = *p;
        return 0;
}

/**
 * advice_engine_snoozed() - whether non-critical advice is held back at @now_usec.
 * @e: the engine.
 * @now_usec: the current time.
 *
 * Return: true while snoozed.
 */
bool advice_engine_snoozed(const AdviceEngine *e, uint64_t now_usec)
{
        /* A wall clock set back must not stretch a snooze beyond its maximum. */
        return now_usec < e->snooze_until_usec &&
               e->snooze_until_usec - now_usec <= ADVICE_SNOOZE_MAX_SEC * USEC_PER_SEC;
}

/**
 * advice_engine_snoozed_until() - when the snooze ends.
 * @e: the engine.
 * @now_usec: the current time.
 *
 * Return: the end of the snooze, or 0 when advice is not snoozed at @now_usec.
 */
uint64_t advice_engine_snoozed_until(const AdviceEngine *e, uint64_t now_usec)
{
        return advice_engine_snoozed(e, now_usec) ? e->snooze_until_usec : 0;
}

static bool rate_limited(const AdviceEngine *e, size_t i, uint64_t now_usec)
{
        /* A clock set back (now before the last time) does not silence an item. */
        return e->given[i] && now_usec >= e->last_usec[i] &&
               now_usec - e->last_usec[i] < e->params.repeat_interval_usec;
}

static void raise_alert(AdviceEngine *e, const AdviceItem *it, uint64_t now_usec)
{
        if (e->alerts[0])
                return;
        e->alerts[0] = it->id;
        if (e->alert_fn)
                e->alert_fn(it, now_usec, e->userdata);
}

/* Give every item of @trigger for the current phase. Return: how many. */
static int give(AdviceEngine *e, const char *trigger, uint64_t now_usec)
{
        RecoveryPhase phase = recovery_phase(e->recovery);
        int n = 0;

        for (size_t i = 0; i < catalogue_size(e->catalogue); i++) {
                const AdviceItem *it = catalogue_item(e->catalogue, i);

                if (strcmp(it->trigger, trigger) != 0 || !advice_item_allowed(it, phase))
                        continue;
                if (it->severity == SEVERITY_CRITICAL) {
                        raise_alert(e, it, now_usec);
                        n++;
                        continue;
                }
                if (advice_engine_snoozed(e, now_usec) || rate_limited(e, i, now_usec))
                        continue;
                e->given[i] = true;
                e->last_usec[i] = now_usec;
                if (e->advice_fn)
                        e->advice_fn(it, now_usec, e->userdata);
                n++;
        }
        return n;
}

/**
 * advice_engine_tick() - let time pass (recovery_tick()); entering a new
 * phase gives its phase-entered advice.
 * @e: the engine.
 * @now_usec: the current time.
 *
 * Call it when recovery_next_transition() is due; the calls below tick first
 * themselves.
 *
 * Return: 1 when the phase changed (update the detector rules:
 * recovery_rule_params()), else 0.
 */
int advice_engine_tick(AdviceEngine *e, uint64_t now_usec)
{
        if (recovery_tick(e->recovery, now_usec) <= 0)
                return 0;
        (void) give(e, TRIGGER_PHASE_ENTERED, now_usec);
        return 1;
}

/**
 * advice_engine_event() - a strain event fired.
 * @e: the engine.
 * @kind: the event kind string, event_kind_to_string() (the items with that
 *        Trigger= for the current phase are given).
 * @now_usec: when it fired.
 *
 * Return: the number of items given (0 with none, rate-limited or snoozed).
 */
int advice_engine_event(AdviceEngine *e, const char *kind, uint64_t now_usec)
{
        (void) advice_engine_tick(e, now_usec);
        recovery_note_strain(e->recovery, now_usec);
        /* Situations are not events: a detector must not raise an alert. */
        if (!kind || strcmp(kind, TRIGGER_RED_FLAG) == 0 ||
            strcmp(kind, TRIGGER_PHASE_ENTERED) == 0 || strcmp(kind, TRIGGER_PAIN_RISING) == 0 ||
            strcmp(kind, TRIGGER_PAIN_WORSENING) == 0)
                return 0;
        return give(e, kind, now_usec);
}

/**
 * advice_engine_report_injury() - ReportInjury(onset_usec); gives the
 * phase-entered advice of the resulting phase.
 * @e: the engine.
 * @onset_usec: the onset, 0 for now.
 * @now_usec: the current time.
 *
 * Return: 0, or recovery_report_injury()'s -EINVAL (future) / -ERANGE (over a year).
 */
int advice_engine_report_injury(AdviceEngine *e, uint64_t onset_usec, uint64_t now_usec)
{
        int r;

        r = recovery_report_injury(e->recovery, onset_usec, now_usec);
        if (r < 0)
                return r;
        /* A new injury, even in the same phase: its guidance is due again. */
        (void) give(e, TRIGGER_PHASE_ENTERED, now_usec);
        return 0;
}

/**
 * advice_engine_report_recovered() - ReportRecovered().
 * @e: the engine.
 * @now_usec: the current time.
 *
 * Return: 0 (also when already recovered), RECOVERY_NOT_INJURED when no
 * injury was reported.
 */
int advice_engine_report_recovered(AdviceEngine *e, uint64_t now_usec)
{
        int r;

        (void) advice_engine_tick(e, now_usec);
        r = recovery_report_recovered(e->recovery, now_usec);
        if (r == RECOVERY_NOT_INJURED)
                return r;
        if (r > 0)
                (void) give(e, TRIGGER_PHASE_ENTERED, now_usec);
        return 0;
}

/**
 * advice_engine_report_pain() - ReportPain(level, context): gives the
 * pain-rising and pain-worsening advice when recovery_report_pain() says so.
 * @e: the engine.
 * @level: 0..10.
 * @context: free text, or NULL.
 * @now_usec: the current time.
 *
 * Return: 0, or -EINVAL (level above 10, context too long; state unchanged).
 */
int advice_engine_report_pain(AdviceEngine *e, unsigned level, const char *context,
                              uint64_t now_usec)
{
        int r;

        if (level > PAIN_LEVEL_MAX)
                return -EINVAL;
        (void) advice_engine_tick(e, now_usec);
        r = recovery_report_pain(e->recovery, level, context, now_usec);
        if (r < 0)
                return r;
        if (r & RECOVERY_PAIN_RISING)
                (void) give(e, TRIGGER_PAIN_RISING, now_usec);
        if (r & RECOVERY_PAIN_WORSENING)
                (void) give(e, TRIGGER_PAIN_WORSENING, now_usec);
        return 0;
}

/**
 * advice_engine_report_symptoms() - ReportSymptoms(symptoms): any known
 * symptom raises the red-flag alert (as described at the top of advice.h).
 * @e: the engine.
 * @symptoms: NULL-terminated names, or NULL.
 * @now_usec: the current time.
 *
 * Return: 0, or -EINVAL for an unknown name (nothing recorded, no alert).
 */
int advice_engine_report_symptoms(AdviceEngine *e, char *const *symptoms, uint64_t now_usec)
{
        int r;

        r = recovery_report_symptoms(e->recovery, symptoms, now_usec);
        if (r <= 0)
                return r;
        (void) advice_engine_tick(e, now_usec);
        (void) give(e, TRIGGER_RED_FLAG, now_usec);
        return 0;
}

/**
 * advice_engine_acknowledge() - AcknowledgeAlert(id).
 * @e: the engine.
 * @id: the alert's id.
 *
 * Return: 0, or -ENOENT when no active alert has @id.
 */
int advice_engine_acknowledge(AdviceEngine *e, const char *id)
{
        if (!id || !e->alerts[0] || strcmp(id, e->alerts[0]) != 0)
                return -ENOENT;
        e->alerts[0] = NULL;
        return 0;
}

/**
 * advice_engine_snooze() - Snooze(seconds): no non-critical advice until
 * @now_usec + @seconds; 0 ends a snooze.
 * @e: the engine.
 * @seconds: 0..ADVICE_SNOOZE_MAX_SEC; 0 ends a snooze.
 * @now_usec: the current time.
 *
 * Return: 0, or -EINVAL above ADVICE_SNOOZE_MAX_SEC (4 h).
 */
int advice_engine_snooze(AdviceEngine *e, unsigned seconds, uint64_t now_usec)
{
        if (seconds > ADVICE_SNOOZE_MAX_SEC)
                return -EINVAL;
        e->snooze_until_usec = seconds == 0 ? 0 : now_usec + seconds * USEC_PER_SEC;
        return 0;
}

/**
 * advice_engine_active_alerts() - the ids of the active alerts (ActiveAlerts).
 * @e: the engine.
 *
 * Return: a NULL-terminated list of ids (at most one), empty when no alert is
 * active; valid until the next call that changes them.
 */
char *const *advice_engine_active_alerts(const AdviceEngine *e)
{
        return e->alerts;
}
