/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The postured side of postured-notify: the signals and properties of
 * postured it follows, and the actions invoked on its notifications, which
 * it passes on to postured.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/bus-names.h"
#include "notify.h"

/* The Snooze action's length. */
#define SNOOZE_SEC 1800

static int on_advice(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *id, *severity, *category = "posture", *text;
        Agent *a = userdata;
        int r;

        /* Advice(s id, s severity, s category, s text), or the older (s id, s severity, s text). */
        if (strcmp(sd_bus_message_get_signature(m, true), "ssss") == 0)
                r = sd_bus_message_read(m, "ssss", &id, &severity, &category, &text);
        else
                r = sd_bus_message_read(m, "sss", &id, &severity, &text);
        if (r < 0) {
                fprintf(stderr, "Ignoring a malformed Advice: %s\n", strerror(-r));
                return 0;
        }
        agent_show_advice(a, id, severity, category, text, false);
        return 0;
}

static int on_alert(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *id, *severity, *text;
        Agent *a = userdata;
        int r;

        r = sd_bus_message_read(m, "sss", &id, &severity, &text);
        if (r < 0) {
                fprintf(stderr, "Ignoring a malformed Alert: %s\n", strerror(-r));
                return 0;
        }
        agent_show_alert(a, id, text);
        return 0;
}

static int on_strain_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *kind, *severity;
        double duration, peak;
        Agent *a = userdata;
        char text[256], what[KIND_KEY_MAX];
        uint64_t start;
        int r;

        r = sd_bus_message_read(m, "sstdd", &kind, &severity, &start, &duration, &peak);
        if (r < 0) {
                fprintf(stderr, "Ignoring a malformed StrainEvent: %s\n", strerror(-r));
                return 0;
        }
        if (strcmp(severity, "critical") != 0)
                return 0;
        kind_key(kind, what);
        for (char *c = what; *c; c++)
                if (*c == '-')
                        *c = ' ';
        snprintf(text, sizeof(text),
                 "%s: held %.0f s, at up to %.0f°. Come back to an upright, "
                 "supported posture.",
                 what, duration, peak);
        text[0] = (char) (text[0] >= 'a' && text[0] <= 'z' ? text[0] - 32 : text[0]);
        agent_show_advice(a, kind, severity, "posture", text, true);
        return 0;
}

/* ActiveAlerts: show each one not shown; close the shown one when it is gone. */
static int read_active_alerts(Agent *a, sd_bus_message *m)
{
        _cleanup_(strv_freep) char **alerts = NULL;
        bool still = false;
        int r;

        r = sd_bus_message_read_strv(m, &alerts);
        if (r < 0)
                return r;
        for (char **s = alerts; s && *s; s++)
                if (a->alert_id != 0 && strcmp(*s, a->alert_name) == 0)
                        still = true;
        if (alerts && alerts[0] && !still)
                agent_show_active_alert(a, alerts[0]);
        else if (!(alerts && alerts[0]))
                notification_close(a, &a->alert_id);
        return 0;
}

/* PropertiesChanged: SnoozedUntil of Posture1, ActiveAlerts of Recovery1. */
static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Agent *a = userdata;
        const char *interface, *name;
        int r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0)
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r >= 0 && strcmp(name, "SnoozedUntil") == 0)
                        r = sd_bus_message_read(m, "v", "t", &a->snoozed_until);
                else if (r >= 0 && strcmp(name, "ActiveAlerts") == 0) {
                        r = sd_bus_message_enter_container(m, 'v', "as");
                        if (r >= 0)
                                r = read_active_alerts(a, m);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r < 0)
                fprintf(stderr, "Ignoring a malformed PropertiesChanged: %s\n", strerror(-r));
        return 0;
}

/**
 * agent_sync() - take the state a new (or restarted) postured has: the
 * snooze, the active alerts; subscribe to Recovery1's signals.
 * @a: the agent, with postured on its bus
 */
void agent_sync(Agent *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        /* On the system bus Recovery1's Advice, Alert and PropertiesChanged go
         * only to subscribers that may read health data (root and the health
         * group); a refused agent still shows ergonomic advice and events. */
        (void) sd_bus_call_method_async(a->daemon_bus, NULL, POSTURED_BUS_NAME,
                                        POSTURED_OBJECT_PATH, POSTURED_RECOVERY_INTERFACE,
                                        "Subscribe", NULL, NULL, NULL);
        a->snoozed_until = 0;
        (void) sd_bus_get_property_trivial(a->daemon_bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                           POSTURED_INTERFACE, "SnoozedUntil", NULL, 't',
                                           &a->snoozed_until);
        /* Health data: only root and the health group may read it; others get no alerts. */
        r = sd_bus_get_property(a->daemon_bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                POSTURED_RECOVERY_INTERFACE, "ActiveAlerts", NULL, &reply, "as");
        if (r >= 0)
                (void) read_active_alerts(a, reply);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Agent *a = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
            strcmp(name, POSTURED_BUS_NAME) != 0)
                return 0;
        free(a->owner);
        a->owner = new_owner[0] ? strdup(new_owner) : NULL;
        if (a->owner) {
                if (a->dry_run)
                        printf("postured appeared on the bus\n");
                agent_sync(a);
        }
        fflush(stdout);
        return 0;
}

/* An action of one of our notifications, invoked on the desktop. */
static int on_action_invoked(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Agent *a = userdata;
        const char *key;
        uint32_t id;
        int r;

        if (sd_bus_message_read(m, "us", &id, &key) < 0 || id == 0)
                return 0;
        if (id == a->advice_id && strcmp(key, "snooze") == 0) {
                r = sd_bus_call_method(a->daemon_bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                       POSTURED_INTERFACE, "Snooze", &error, NULL, "u",
                                       (uint32_t) SNOOZE_SEC);
                if (r < 0)
                        fprintf(stderr, "Failed to snooze advice: %s\n",
                                error.message ?: strerror(-r));
                else
                        notification_close(a, &a->advice_id);
        } else if (id == a->advice_id && strcmp(key, "calibrate") == 0) {
                Shown s = { .summary = "Calibrated",
                            .category = "x-postured.advice",
                            .urgency = URGENCY_LOW,
                            .body = "Your current posture is now the neutral posture." };

                r = sd_bus_call_method(a->daemon_bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                       POSTURED_INTERFACE, "Calibrate", &error, NULL, "");
                if (r < 0) {
                        s.summary = "Not calibrated";
                        s.body = error.message ?: strerror(-r);
                }
                (void) notification_show(a, &s, &a->advice_id);
        } else if (id == a->alert_id && strcmp(key, "ack") == 0) {
                r = sd_bus_call_method(a->daemon_bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                       POSTURED_RECOVERY_INTERFACE, "AcknowledgeAlert", &error,
                                       NULL, "s", a->alert_name);
                if (r < 0)
                        fprintf(stderr, "Failed to acknowledge alert %s: %s\n", a->alert_name,
                                error.message ?: strerror(-r));
                else
                        notification_close(a, &a->alert_id);
        }
        return 0;
}

static int on_notification_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Agent *a = userdata;
        uint32_t id, reason;

        if (sd_bus_message_read(m, "uu", &id, &reason) < 0 || id == 0)
                return 0;
        if (id == a->advice_id)
                a->advice_id = 0;
        if (id == a->alert_id)
                a->alert_id = 0;
        return 0;
}

/**
 * agent_add_matches() - subscribe to postured's signals and to those of the
 * agent's notifications.
 * @a: the agent, with its buses open
 *
 * Return: 0, or -errno.
 */
int agent_add_matches(Agent *a)
{
        static const struct {
                const char *interface, *member;
                sd_bus_message_handler_t handler;
        } signals[] = {
                { POSTURED_INTERFACE, "Advice", on_advice },
                { POSTURED_RECOVERY_INTERFACE, "Advice", on_advice },
                { POSTURED_RECOVERY_INTERFACE, "Alert", on_alert },
                { POSTURED_INTERFACE, "StrainEvent", on_strain_event },
                { "org.freedesktop.DBus.Properties", "PropertiesChanged", on_properties_changed },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = sd_bus_match_signal(a->daemon_bus, NULL, POSTURED_BUS_NAME,
                                        POSTURED_OBJECT_PATH, signals[i].interface,
                                        signals[i].member, signals[i].handler, a);
                if (r < 0)
                        return r;
        }
        /* arg0 keeps the bus from waking us for every other name on it. */
        r = sd_bus_add_match(a->daemon_bus, NULL,
                             "type='signal',sender='org.freedesktop.DBus',"
                             "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                             "member='NameOwnerChanged',arg0='" POSTURED_BUS_NAME "'",
                             on_name_owner_changed, a);
        if (r < 0)
                return r;
        if (!a->user_bus)
                return 0;
        r = sd_bus_match_signal(a->user_bus, NULL, NULL, "/org/freedesktop/Notifications",
                                "org.freedesktop.Notifications", "ActionInvoked", on_action_invoked,
                                a);
        if (r < 0)
                return r;
        return sd_bus_match_signal(a->user_bus, NULL, NULL, "/org/freedesktop/Notifications",
                                   "org.freedesktop.Notifications", "NotificationClosed",
                                   on_notification_closed, a);
}
