/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * postured-notify: a per-user agent that follows postured (the system bus,
 * or the session bus with --session) and turns its Advice (of both
 * interfaces), Alert and critical StrainEvent signals into desktop
 * notifications on the session bus: one notification for advice, replaced
 * rather than stacked, with Snooze and Calibrate actions; the red-flag alert
 * resident until acknowledged, shown again whenever the agent (re)starts
 * while it is active.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "abi/bus-names.h"
#include "core/catalogue.h"
#include "notify.h"
#include "paths.h"
#include "util/build-tree.h"

/* The Snooze action's length, and how long an event lends its urgency to
 * the advice that follows it. */
#define SNOOZE_SEC                1800
#define EVENT_ADVICE_WINDOW_USEC  (10 * USEC_PER_SEC)
#define DEFAULT_MIN_INTERVAL_USEC (5 * 60 * USEC_PER_SEC)
/* The agent's name on the session bus, and what setup() returns when taken. */
#define AGENT_BUS_NAME  "org.postured.Notify"
#define ALREADY_RUNNING 1

typedef struct State {
        Agent agent;
        /* The last critical event: its advice keeps its urgency. */
        uint8_t event_urgency;
        uint64_t event_usec;
        char event_kind[KIND_KEY_MAX];
} State;

static uint64_t now_realtime(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void agent_done(State *st)
{
        Agent *a = &st->agent;

        sd_bus_slot_unref(a->sync_slot);
        free(a->owner);
        sd_bus_flush_close_unref(a->daemon_bus);
        sd_bus_flush_close_unref(a->user_bus);
        sd_event_unref(a->event);
}

/*
 * Whether a notification of @key came less than its minimum interval ago;
 * if not, remember now as its time. An event and the advice of the same name
 * share the configured interval (@key without "event:") but not the time.
 */
static bool rate_limited(Agent *a, const char *key, uint64_t now)
{
        const char *name = strncmp(key, "event:", 6) == 0 ? key + 6 : key;
        uint64_t interval = a->min_interval_usec;
        size_t i;

        for (i = 0; i < a->n_intervals; i++)
                if (strcmp(a->intervals[i].key, name) == 0)
                        interval = a->intervals[i].usec;
        for (i = 0; i < a->n_recent; i++)
                if (strcmp(a->recent[i].key, key) == 0)
                        break;
        if (i < a->n_recent && now >= a->recent[i].usec && now - a->recent[i].usec < interval)
                return true;
        if (i == a->n_recent) {
                if (a->n_recent == RECENT_MAX)
                        i = 0; /* many kinds: forget the oldest slot */
                else
                        a->n_recent++;
                snprintf(a->recent[i].key, KIND_KEY_MAX, "%s", key);
        }
        a->recent[i].usec = now;
        return false;
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

/* Advice (or a critical strain event described as @text): the one replaced
 * notification, unless snoozed or shown too recently. */
static void show_advice(State *st, const char *key_src, const char *severity, const char *category,
                        const char *text, bool event)
{
        Agent *a = &st->agent;
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
        if (rate_limited(a, key, now)) {
                if (a->dry_run)
                        printf("skip %s: shown less than the minimum interval ago\n", key);
                return;
        }
        /* The advice that explains an event keeps the event's urgency. */
        if (event) {
                st->event_urgency = s.urgency;
                st->event_usec = now;
                snprintf(st->event_kind, sizeof(st->event_kind), "%s", key + 6);
        } else if (now - st->event_usec < EVENT_ADVICE_WINDOW_USEC &&
                   st->event_urgency > s.urgency && strstr(key, st->event_kind))
                s.urgency = st->event_urgency;

        s.actions[s.n_actions].key = "snooze";
        s.actions[s.n_actions++].label = "Snooze 30 min";
        if (strstr(key, "slouch") || strstr(key, "calibrat")) {
                s.actions[s.n_actions].key = "calibrate";
                s.actions[s.n_actions++].label = "Calibrate";
        }
        if (notification_show(a, &s, &a->advice_id) >= 0)
                snprintf(a->advice_key, sizeof(a->advice_key), "%s", key);
}

/* An alert: resident, critical, until acknowledged. */
static void show_alert(Agent *a, const char *id, const char *text)
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

static int on_advice(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *id, *severity, *category = "posture", *text;
        State *st = userdata;
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
        show_advice(st, id, severity, category, text, false);
        return 0;
}

static int on_alert(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *id, *severity, *text;
        State *st = userdata;
        int r;

        r = sd_bus_message_read(m, "sss", &id, &severity, &text);
        if (r < 0) {
                fprintf(stderr, "Ignoring a malformed Alert: %s\n", strerror(-r));
                return 0;
        }
        show_alert(&st->agent, id, text);
        return 0;
}

static int on_strain_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *kind, *severity;
        double duration, peak;
        State *st = userdata;
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
        show_advice(st, kind, severity, "posture", text, true);
        return 0;
}

/* The text of the alert @id from the advice catalogue, for an alert that is
 * shown again at login; a general sentence if the catalogue has none. */
static void show_active_alert(Agent *a, const char *id)
{
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        _cleanup_(freep) char *error = NULL;
        const AdviceItem *it = NULL;
        const char *path = exe_runs_from(POSTURED_BUILD_DIR) ? POSTURED_SOURCE_DIR
                                   "/conf/advice.conf"
                                                             : POSTURED_PKGDATADIR "/advice.conf";

        if (catalogue_load(&c, path, &error) >= 0)
                it = catalogue_find(c, id);
        show_alert(a, id,
                   it ? it->text
                      : "An alert of postured is still active. 'posturectl status' shows it; "
                        "acknowledge it here once you have acted on it.");
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
                show_active_alert(a, alerts[0]);
        else if (!(alerts && alerts[0]))
                notification_close(a, &a->alert_id);
        return 0;
}

/* PropertiesChanged: SnoozedUntil of Posture1, ActiveAlerts of Recovery1. */
static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Agent *a = &((State *) userdata)->agent;
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

/* The state a new (or restarted) postured has: the snooze, the active alerts. */
static void agent_sync(Agent *a)
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
        Agent *a = &((State *) userdata)->agent;
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
        Agent *a = &((State *) userdata)->agent;
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
        Agent *a = &((State *) userdata)->agent;
        uint32_t id, reason;

        if (sd_bus_message_read(m, "uu", &id, &reason) < 0 || id == 0)
                return 0;
        if (id == a->advice_id)
                a->advice_id = 0;
        if (id == a->alert_id)
                a->alert_id = 0;
        return 0;
}

static int add_matches(State *st)
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
        Agent *a = &st->agent;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = sd_bus_match_signal(a->daemon_bus, NULL, POSTURED_BUS_NAME,
                                        POSTURED_OBJECT_PATH, signals[i].interface,
                                        signals[i].member, signals[i].handler, st);
                if (r < 0)
                        return r;
        }
        /* arg0 keeps the bus from waking us for every other name on it. */
        r = sd_bus_add_match(a->daemon_bus, NULL,
                             "type='signal',sender='org.freedesktop.DBus',"
                             "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                             "member='NameOwnerChanged',arg0='" POSTURED_BUS_NAME "'",
                             on_name_owner_changed, st);
        if (r < 0)
                return r;
        if (!a->user_bus)
                return 0;
        r = sd_bus_match_signal(a->user_bus, NULL, NULL, "/org/freedesktop/Notifications",
                                "org.freedesktop.Notifications", "ActionInvoked", on_action_invoked,
                                st);
        if (r < 0)
                return r;
        return sd_bus_match_signal(a->user_bus, NULL, NULL, "/org/freedesktop/Notifications",
                                   "org.freedesktop.Notifications", "NotificationClosed",
                                   on_notification_closed, st);
}

static int help(void)
{
        printf("%s [OPTIONS...]\n"
               "\n"
               "Show the advice and alerts of postured as desktop notifications.\n"
               "\n"
               "  -h --help          Show this help\n"
               "     --version       Show the version\n"
               "     --system        Follow postured on the system bus (default)\n"
               "     --session       Follow postured on the session bus\n"
               "     --dry-run       Print what would be shown instead of showing it\n"
               "     --config FILE   Minimum intervals between notifications of a kind\n"
               "                     (default $XDG_CONFIG_HOME/postured/notify.conf)\n"
               "\n"
               "postured gives general guidance, not diagnosis.\n"
               "See the postured-notify(1) manual page for details.\n",
               program_invocation_short_name);
        return 0;
}

static int parse_argv(int argc, char *argv[], Agent *a, const char **config)
{
        enum { ARG_VERSION = 0x100, ARG_SYSTEM, ARG_SESSION, ARG_DRY_RUN, ARG_CONFIG };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "session", no_argument, NULL, ARG_SESSION },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "config", required_argument, NULL, ARG_CONFIG },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        printf("postured-notify %s\n", POSTURED_VERSION);
                        return 0;
                case ARG_SYSTEM:
                        a->session = false;
                        break;
                case ARG_SESSION:
                        a->session = true;
                        break;
                case ARG_DRY_RUN:
                        a->dry_run = true;
                        break;
                case ARG_CONFIG:
                        *config = optarg;
                        break;
                default:
                        fprintf(stderr, "Try '%s --help' for more information.\n",
                                program_invocation_short_name);
                        return EX_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", program_invocation_short_name,
                        argv[optind]);
                return EX_USAGE;
        }
        return -1;
}

static int setup(State *st)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Agent *a = &st->agent;
        const char *owner;
        int r;

        r = sd_event_default(&a->event);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r < 0) {
                fprintf(stderr, "Failed to set up the event loop: %s\n", strerror(-r));
                return r;
        }
        r = a->session ? sd_bus_open_user(&a->daemon_bus) : sd_bus_open_system(&a->daemon_bus);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the %s bus: %s\n",
                        a->session ? "session" : "system", strerror(-r));
                return r;
        }
        if (!a->dry_run) {
                r = sd_bus_open_user(&a->user_bus);
                if (r < 0) {
                        fprintf(stderr,
                                "Failed to connect to the session bus, where the "
                                "notification server is: %s\n",
                                strerror(-r));
                        return r;
                }
                /* One agent a session: the user unit and the autostart file may both start one. */
                r = sd_bus_request_name(a->user_bus, AGENT_BUS_NAME, 0);
                if (r == -EEXIST) {
                        fprintf(stderr, "postured-notify already runs in this session.\n");
                        return ALREADY_RUNNING;
                }
                if (r < 0) {
                        fprintf(stderr, "Failed to take the name %s: %s\n", AGENT_BUS_NAME,
                                strerror(-r));
                        return r;
                }
        }
        r = add_matches(st);
        if (r < 0) {
                fprintf(stderr, "Failed to subscribe to the signals: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_attach_event(a->daemon_bus, a->event, 0);
        if (r >= 0 && a->user_bus)
                r = sd_bus_attach_event(a->user_bus, a->event, 0);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(a->daemon_bus, true);
        if (r >= 0 && a->user_bus)
                r = sd_bus_set_exit_on_disconnect(a->user_bus, true);
        if (r < 0) {
                fprintf(stderr, "Failed to attach the buses: %s\n", strerror(-r));
                return r;
        }

        /* Subscribed first, then look: a postured that starts now is not missed. */
        r = sd_bus_call_method(a->daemon_bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s",
                               POSTURED_BUS_NAME);
        if (r >= 0 && sd_bus_message_read(reply, "s", &owner) >= 0) {
                a->owner = strdup(owner);
                agent_sync(a);
        } else
                fprintf(stderr, "postured is not on the %s bus yet; waiting for it.\n",
                        a->session ? "session" : "system");
        /* For the journal, and for tests to know the agent is subscribed. */
        fprintf(stderr, "Following postured on the %s bus%s.\n", a->session ? "session" : "system",
                a->dry_run ? ", printing what would be shown" : "");
        if (a->dry_run)
                printf("ready\n");
        fflush(stdout);
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(agent_done) State st = { .agent.min_interval_usec = DEFAULT_MIN_INTERVAL_USEC };
        _cleanup_(freep) char *default_config = NULL;
        const char *config = NULL, *xdg;
        int r;

        r = parse_argv(argc, argv, &st.agent, &config);
        if (r >= 0)
                return r;
        if (config)
                r = agent_load_config(&st.agent, config, true);
        else {
                xdg = getenv("XDG_CONFIG_HOME");
                if (xdg && xdg[0] == '/')
                        r = asprintf(&default_config, "%s/postured/notify.conf", xdg);
                else
                        r = asprintf(&default_config, "%s/.config/postured/notify.conf",
                                     getenv("HOME") ?: "/");
                if (r < 0) {
                        fprintf(stderr, "Out of memory.\n");
                        return 1;
                }
                r = agent_load_config(&st.agent, default_config, false);
        }
        if (r < 0)
                return EX_CONFIG;

        r = setup(&st);
        if (r == ALREADY_RUNNING)
                return 0;
        if (r < 0)
                return 1;
        r = sd_event_loop(st.agent.event);
        if (r < 0) {
                fprintf(stderr, "Event loop failed: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
