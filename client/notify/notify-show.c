/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The desktop side of postured-notify: what a notification says and how it
 * is shown through org.freedesktop.Notifications (or printed, --dry-run).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/catalogue.h"
#include "notify.h"
#include "paths.h"
#include "util/build-tree.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
/* How long an event lends its urgency to the advice that follows it. */
#define EVENT_ADVICE_WINDOW_USEC (10 * USEC_PER_SEC)

/**
 * severity_urgency() - the urgency hint of a postured severity.
 * @severity: "info", "warning" or "critical" (anything else: normal)
 *
 * Return: URGENCY_LOW, URGENCY_NORMAL or URGENCY_CRITICAL.
 */
uint8_t severity_urgency(const char *severity)
{
        if (strcmp(severity, "info") == 0)
                return URGENCY_LOW;
        if (strcmp(severity, "critical") == 0)
                return URGENCY_CRITICAL;
        return URGENCY_NORMAL;
}

static const char *urgency_icon(uint8_t urgency)
{
        return urgency == URGENCY_CRITICAL ? "dialog-error"
               : urgency == URGENCY_NORMAL ? "dialog-warning"
                                           : "dialog-information";
}

static const char *const urgency_names[] = { "low", "normal", "critical" };

/* --dry-run: one line per notification, for people and tests. */
static void print_shown(const Shown *s, uint32_t replaces)
{
        printf("notify urgency=%s category=%s replaces=%" PRIu32 " expire=%s summary=\"%s\" "
               "body=\"",
               urgency_names[s->urgency], s->category, replaces, s->resident ? "never" : "default",
               s->summary);
        for (const char *c = s->body; *c; c++)
                putchar(*c == '\n' ? ' ' : *c);
        fputs("\" actions=", stdout);
        for (size_t i = 0; i < s->n_actions; i++)
                printf("%s%s", i ? "," : "", s->actions[i].key);
        putchar('\n');
        fflush(stdout);
}

/**
 * notification_show() - show @s, replacing the notification *@id.
 * @a: the agent
 * @s: what to show
 * @id: in: the notification to replace (0 for none); out: the one shown
 *
 * With --dry-run, prints it instead and numbers it itself.
 *
 * Return: 0, or -errno after saying on stderr what failed.
 */
int notification_show(Agent *a, const Shown *s, uint32_t *id)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        if (a->dry_run) {
                print_shown(s, *id);
                if (*id == 0)
                        *id = ++a->dry_run_ids;
                return 0;
        }

        r = sd_bus_message_new_method_call(a->user_bus, &call, NOTIFICATIONS_NAME,
                                           NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "Notify");
        if (r >= 0)
                r = sd_bus_message_append(call, "susss", "postured", *id, urgency_icon(s->urgency),
                                          s->summary, s->body);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "s");
        for (size_t i = 0; r >= 0 && i < s->n_actions; i++)
                r = sd_bus_message_append(call, "ss", s->actions[i].key, s->actions[i].label);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{sv}", s->resident ? 3 : 2, "urgency", "y",
                                          s->urgency, "category", "s", s->category, "resident", "b",
                                          1);
        /* -1: the server's own timeout; 0: until closed. */
        if (r >= 0)
                r = sd_bus_message_append(call, "i", s->resident ? 0 : -1);
        if (r < 0) {
                fprintf(stderr, "Failed to build a notification: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_call(a->user_bus, call, 0, &error, &reply);
        if (r < 0) {
                fprintf(stderr, "Failed to show a notification: %s\n",
                        error.message ?: strerror(-r));
                if (sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN))
                        fprintf(stderr, "No notification server (such as dunst, mako or your "
                                        "desktop's own) runs on the session bus.\n");
                return r;
        }
        r = sd_bus_message_read(reply, "u", id);
        if (r < 0)
                fprintf(stderr, "Failed to read the notification's id: %s\n", strerror(-r));
        return r;
}

/**
 * notification_close() - close the notification *@id, if any, and forget it.
 * @a: the agent
 * @id: the notification; set to 0
 */
void notification_close(Agent *a, uint32_t *id)
{
        uint32_t closing = *id;

        *id = 0;
        if (closing == 0)
                return;
        if (a->dry_run) {
                printf("close %" PRIu32 "\n", closing);
                fflush(stdout);
                return;
        }
        (void) sd_bus_call_method(a->user_bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                  NOTIFICATIONS_NAME, "CloseNotification", NULL, NULL, "u",
                                  closing);
}

/**
 * kind_key() - the key of an advice id or event kind for the minimum
 * interval: kebab-case, so that both spellings of a kind are one.
 * @s: the id or kind
 * @buf: room for the key
 */
void kind_key(const char *s, char buf[static KIND_KEY_MAX])
{
        size_t i;

        for (i = 0; i < KIND_KEY_MAX - 1 && s[i]; i++)
                buf[i] = s[i] == '_' ? '-' : s[i];
        buf[i] = 0;
}

static uint64_t now_realtime(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static const char *category_summary(const char *category)
{
        if (strcmp(category, "break") == 0)
                return "Time for a break";
        if (strcmp(category, "movement") == 0)
                return "Keep moving";
        if (strcmp(category, "posture") == 0)
                return "Your posture";
        return "Posture advice";
}

/**
 * agent_show_advice() - show advice, or a critical strain event described as
 * @text, as the one replaced notification, unless snoozed or shown too
 * recently.
 * @a: the agent
 * @key_src: the advice id, or the event kind
 * @severity: postured's severity
 * @category: the advice category ("posture" for an event)
 * @text: the body
 * @event: whether it is a strain event
 */
void agent_show_advice(Agent *a, const char *key_src, const char *severity, const char *category,
                       const char *text, bool event)
{
        uint64_t now = now_realtime();
        char key[KIND_KEY_MAX];
        Shown s = {
                .summary = event ? "Strain on your back" : category_summary(category),
                .body = text,
                .category = event ? "x-postured.strain" : "x-postured.advice",
                .urgency = severity_urgency(severity),
        };

        if (now < a->snoozed_until) {
                if (a->dry_run)
                        printf("skip %s: snoozed\n", key_src);
                return;
        }
        kind_key(key_src, key);
        if (event) {
                memmove(key + 6, key, KIND_KEY_MAX - 6);
                memcpy(key, "event:", 6);
                key[KIND_KEY_MAX - 1] = 0;
        }
        if (agent_rate_limited(a, key, now)) {
                if (a->dry_run)
                        printf("skip %s: shown less than the minimum interval ago\n", key);
                return;
        }
        /* The advice that explains an event keeps the event's urgency. */
        if (event) {
                a->event_urgency = s.urgency;
                a->event_usec = now;
                snprintf(a->event_kind, sizeof(a->event_kind), "%s", key + 6);
        } else if (now - a->event_usec < EVENT_ADVICE_WINDOW_USEC && a->event_urgency > s.urgency &&
                   strstr(key, a->event_kind))
                s.urgency = a->event_urgency;

        s.actions[s.n_actions].key = "snooze";
        s.actions[s.n_actions++].label = "Snooze 30 min";
        if (strstr(key, "slouch") || strstr(key, "calibrat")) {
                s.actions[s.n_actions].key = "calibrate";
                s.actions[s.n_actions++].label = "Calibrate";
        }
        if (notification_show(a, &s, &a->advice_id) >= 0)
                snprintf(a->advice_key, sizeof(a->advice_key), "%s", key);
}

/**
 * agent_show_alert() - show an alert: resident, critical, until acknowledged.
 * @a: the agent
 * @id: the alert's id; the alert shown already is not shown again
 * @text: the body
 */
void agent_show_alert(Agent *a, const char *id, const char *text)
{
        Shown s = {
                .summary = "postured alert",
                .body = text,
                .category = "x-postured.alert",
                .urgency = URGENCY_CRITICAL,
                .resident = true,
                .actions = { { "ack", "I have seen this" } },
                .n_actions = 1,
        };

        /* A new alert replaces the one shown; the same alert is not shown twice. */
        if (a->alert_id != 0 && strcmp(a->alert_name, id) == 0)
                return;
        snprintf(a->alert_name, sizeof(a->alert_name), "%s", id);
        (void) notification_show(a, &s, &a->alert_id);
}

/**
 * agent_show_active_alert() - show the alert @id, active in postured, with
 * its text from the advice catalogue (an alert shown again at login); a
 * general sentence if the catalogue has none.
 * @a: the agent
 * @id: the alert's id
 */
void agent_show_active_alert(Agent *a, const char *id)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        _cleanup_(freep) char *error = NULL;
        const AdviceItem *it = NULL;
        const char *path = exe_runs_from(POSTURED_BUILD_DIR) ? POSTURED_SOURCE_DIR
                                   "/conf/advice.conf"
                                                             : POSTURED_PKGDATADIR "/advice.conf";

        if (catalogue_load(&c, path, &error) >= 0)
                it = catalogue_find(c, id);
        agent_show_alert(a, id,
                         it ? it->text
                            : "An alert of postured is still active. 'posturectl status' shows it; "
                              "acknowledge it here once you have acted on it.");
}
