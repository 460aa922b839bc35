/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <systemd/sd-event.h>

#include "core/coach.h"
#include "core/config.h"

/*
 * The wearer's recovery in the daemon: the advice catalogue, the Coach (the
 * pipeline, the recovery state and the advice engine), the timer of the next
 * phase change, and the state file that survives restarts. It knows nothing
 * of the bus: what it has to say goes to its callbacks.
 */

/* What changed, for HealthCallbacks.changed (the Recovery1 properties). */
enum {
        HEALTH_CHANGED_PHASE = 1u << 0,  /* Phase, InjuryOnset */
        HEALTH_CHANGED_PAIN = 1u << 1,   /* LastPain */
        HEALTH_CHANGED_ALERTS = 1u << 2, /* ActiveAlerts */
};

/**
 * struct HealthCallbacks - what Health tells its owner; any may be NULL.
 * @strain_event: a detector fired.
 * @advice: a non-critical advice item.
 * @alert: the red-flag alert.
 * @changed: HEALTH_CHANGED_* bits.
 * @event_time: sample time (ns) to CLOCK_REALTIME µs; NULL: t_ns / 1000.
 * @now: CLOCK_REALTIME µs; NULL: the real clock (tests pass a fake one).
 */
typedef struct HealthCallbacks {
        void (*strain_event)(const StrainEvent *e, void *userdata);
        void (*advice)(const AdviceItem *item, void *userdata);
        void (*alert)(const AdviceItem *item, void *userdata);
        void (*changed)(unsigned what, void *userdata);
        uint64_t (*event_time)(int64_t t_ns, void *userdata);
        uint64_t (*now)(void *userdata);
} HealthCallbacks;

typedef struct Health Health;

/** health_new() - load the catalogue and the saved state. Return: 0 or -errno (logged). */
int health_new(Health **ret, sd_event *event, const Config *config, const HealthCallbacks *cb,
               void *userdata);
Health *health_free(Health *h);

static inline void health_freep(Health **h)
{
        health_free(*h);
}

/** health_reload() - a new catalogue, rules and advice settings. Return: 0 or -errno (logged). */
int health_reload(Health *h, const Config *config);

/** health_coach() - the Coach, whose pipeline the sensor feeds. */
Coach *health_coach(const Health *h);
const Recovery *health_recovery(const Health *h);
char *const *health_active_alerts(const Health *h);

int health_report_injury(Health *h, uint64_t onset_usec);
int health_report_recovered(Health *h);
int health_report_pain(Health *h, unsigned level, const char *context);
int health_report_symptoms(Health *h, char *const *symptoms);
int health_acknowledge_alert(Health *h, const char *id);
int health_snooze(Health *h, unsigned seconds);
/** health_snoozed_until() - the end of the snooze (realtime µs), 0 when not snoozed. */
uint64_t health_snoozed_until(const Health *h);
