/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "core/advice-item.h"
#include "core/catalogue.h"
#include "core/recovery.h"

/*
 * What advice is (categories, triggers, sources, when an item may be given)
 * and the advice engine: turns strain events, pain reports, phase changes and
 * red-flag symptoms into catalogue items, given to two callbacks:
 *
 * - advice: non-critical items (D-Bus signal Advice). The same id is given
 *   at most once per repeat_interval_usec; nothing while snoozed. Stretching
 *   is never given in the acute phase (advice_item_allowed()).
 * - alert: the critical red-flag item (D-Bus signal Alert). Reporting any
 *   red-flag symptom raises it, unless an alert is already active: there is
 *   exactly one, it stays in advice_engine_active_alerts() until
 *   acknowledged, and it is neither snoozed nor rate-limited. Symptoms
 *   reported while it is active do not raise a second one nor repeat the
 *   signal; after the acknowledgement, a new report raises it again.
 *
 * Times are microseconds in the time base of recovery.h. The engine
 * borrows the Catalogue and the Recovery: both must outlive it. It drives
 * the Recovery: change it through the engine, not directly, so that the
 * phase-entered advice is given.
 */

/** struct AdviceParams - see advice_params_default(). */
typedef struct AdviceParams {
        uint64_t repeat_interval_usec; /* 15 min; 0 repeats every time */
} AdviceParams;

void advice_params_default(AdviceParams *p);

#define ADVICE_SNOOZE_MAX_SEC (4u * 3600u)

/**
 * AdviceEmitFn - receives one item.
 * @item: owned by the Catalogue; id, severity, category, text, source.
 * @now_usec: the time of the call that produced it.
 */
typedef void (*AdviceEmitFn)(const AdviceItem *item, uint64_t now_usec, void *userdata);

typedef struct AdviceEngine AdviceEngine;

/** advice_engine_new() - an engine for @c and @r. */
int advice_engine_new(AdviceEngine **ret, const Catalogue *c, Recovery *r, const AdviceParams *p);
AdviceEngine *advice_engine_free(AdviceEngine *e);

static inline void advice_engine_freep(AdviceEngine **e)
{
        advice_engine_free(*e);
}

/** advice_engine_set_handlers() - either may be NULL (items are then dropped). */
void advice_engine_set_handlers(AdviceEngine *e, AdviceEmitFn advice, AdviceEmitFn alert,
                                void *userdata);

/** advice_engine_set_catalogue() - a reloaded catalogue; the engine's state carries over. */
int advice_engine_set_catalogue(AdviceEngine *e, const Catalogue *c, const AdviceParams *p);

/** advice_engine_tick() - let time pass (recovery_tick()). */
int advice_engine_tick(AdviceEngine *e, uint64_t now_usec);

/** advice_engine_event() - a strain event fired. */
int advice_engine_event(AdviceEngine *e, const char *kind, uint64_t now_usec);

/** advice_engine_report_injury() - ReportInjury(onset_usec). */
int advice_engine_report_injury(AdviceEngine *e, uint64_t onset_usec, uint64_t now_usec);

/** advice_engine_report_recovered() - ReportRecovered(). */
int advice_engine_report_recovered(AdviceEngine *e, uint64_t now_usec);

/** advice_engine_report_pain() - ReportPain(level, context). */
int advice_engine_report_pain(AdviceEngine *e, unsigned level, const char *context,
                              uint64_t now_usec);

/** advice_engine_report_symptoms() - ReportSymptoms(symptoms). */
int advice_engine_report_symptoms(AdviceEngine *e, char *const *symptoms, uint64_t now_usec);

/** advice_engine_acknowledge() - AcknowledgeAlert(id). */
int advice_engine_acknowledge(AdviceEngine *e, const char *id);

/** advice_engine_snooze() - Snooze(seconds). */
int advice_engine_snooze(AdviceEngine *e, unsigned seconds, uint64_t now_usec);

/** advice_engine_snoozed() - whether non-critical advice is held back at @now_usec. */
bool advice_engine_snoozed(const AdviceEngine *e, uint64_t now_usec);

/** advice_engine_snoozed_until() - when the snooze ends, or 0 when not snoozed at @now_usec. */
uint64_t advice_engine_snoozed_until(const AdviceEngine *e, uint64_t now_usec);

/** advice_engine_active_alerts() - the ids of the active alerts (ActiveAlerts). */
char *const *advice_engine_active_alerts(const AdviceEngine *e);
