/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "util/macro.h"

/* postured-notify: postured's advice and alerts as desktop notifications. */

/* The urgency hint of the Desktop Notifications Specification. */
enum { URGENCY_LOW = 0, URGENCY_NORMAL = 1, URGENCY_CRITICAL = 2 };

#define KIND_KEY_MAX 64
#define RECENT_MAX   64
#define ACTIONS_MAX  3

/* One notification as it is to be shown. */
typedef struct Shown {
        const char *summary, *body, *category;
        uint8_t urgency;
        bool resident; /* no expiry, stays after an action */
        struct {
                const char *key, *label;
        } actions[ACTIONS_MAX];
        size_t n_actions;
} Shown;

typedef struct Agent {
        sd_event *event;
        sd_bus *daemon_bus; /* postured's: the system bus, or the session bus with --session */
        sd_bus *user_bus;   /* the notification server's: the session bus */
        bool session;
        bool dry_run;
        uint32_t dry_run_ids;

        /* Unique name of postured, NULL while it is not on the bus. */
        char *owner;
        /* Realtime µs: no advice before (postured's SnoozedUntil). */
        uint64_t snoozed_until;

        /* The one notification for advice and events, and that of the alert. */
        uint32_t advice_id;
        char advice_key[KIND_KEY_MAX];
        uint32_t alert_id;
        char alert_name[KIND_KEY_MAX];

        /* Minimum interval between two notifications of one kind. */
        uint64_t min_interval_usec;
        struct {
                char key[KIND_KEY_MAX];
                uint64_t usec; /* the interval; the last time, in recent[] */
        } intervals[RECENT_MAX], recent[RECENT_MAX];
        size_t n_intervals, n_recent;

        /* The last critical event: its advice keeps its urgency. */
        uint8_t event_urgency;
        uint64_t event_usec;
        char event_kind[KIND_KEY_MAX];
} Agent;

/* notify-show.c */
uint8_t severity_urgency(const char *severity);
int notification_show(Agent *a, const Shown *s, uint32_t *id);
void notification_close(Agent *a, uint32_t *id);
void kind_key(const char *s, char buf[static KIND_KEY_MAX]);
void agent_show_advice(Agent *a, const char *key_src, const char *severity, const char *category,
                       const char *text, bool event);
void agent_show_alert(Agent *a, const char *id, const char *text);
void agent_show_active_alert(Agent *a, const char *id);

/* notify-config.c */
int agent_load_config(Agent *a, const char *path, bool required);
bool agent_rate_limited(Agent *a, const char *key, uint64_t now);

/* notify-bus.c */
int agent_add_matches(Agent *a);
void agent_sync(Agent *a);
