/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `posturectl monitor`: print the current state of postured, then follow
 * its PropertiesChanged, StrainEvent, Advice and Alert signals, and its
 * coming and going on the bus, until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

#include "bus-util.h"
#include "json.h"
#include "libsystemd-dl.h"
#include "monitor-bar.h"
#include "posturectl.h"
#include "props.h"
#include "timestamp.h"

/* How long --exit-with-daemon waits for a daemon that is not there at start. */
#define APPEAR_TIMEOUT_USEC (10 * USEC_PER_SEC)

/* Times before 2000 cannot be wall-clock times: the daemon sent another clock. */
#define PLAUSIBLE_REALTIME_USEC (UINT64_C(946684800) * USEC_PER_SEC)

typedef struct Monitor {
        sd_event *event;
        sd_bus *bus;
        /* The merged state: GetAll, then every PropertiesChanged on top. */
        PropSet props;
        /* The pending GetAll; while it is, PropertiesChanged are older than its reply. */
        sd_bus_slot *get_all;
        sd_event_source *appear_timer;
        /* Unique name of the daemon, NULL while it is not on the bus. */
        char *owner;
        bool json;
        MonitorFormat format;
        /* The last line of a bar format, which is written again only when it changes. */
        char *bar;
        bool exit_with_daemon;
} Monitor;

static bool monitor_is_bar(const Monitor *m)
{
        return m->format >= MONITOR_FORMAT_WAYBAR;
}

static void monitor_done(Monitor *m)
{
        sd_bus_slot_unref(m->get_all);
        sd_event_source_unref(m->appear_timer);
        prop_set_clear(&m->props);
        free(m->owner);
        free(m->bar);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
}

/* Text from the daemon goes on one line: control characters become spaces. */
static void print_one_line(const char *s)
{
        for (; *s; s++)
                putchar((unsigned char) *s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* Start of a line: the wall time in text mode, the object and its type in JSON. */
static void line_begin(const Monitor *m, const char *type)
{
        char clock[CLOCK_TEXT_MAX];

        if (m->json) {
                fputs("{\"type\":", stdout);
                json_string(stdout, type);
                return;
        }
        format_clock(clock, now_usec());
        printf("%s ", clock);
}

/* Tests read us through a pipe: every line must leave at once. */
static void line_end(const Monitor *m)
{
        if (m->json)
                putchar('}');
        putchar('\n');
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write to standard output: %m\n");
                (void) sd_event_exit(m->event, 1);
        }
}

/*
 * The one-line human summary of @props: "posture upright  flexion +2.1°
 * lateral -0.4°  still", plus the sensor state or calibration when they are
 * not as expected. No newline.
 */
static void print_posture_line(FILE *f, const PropSet *props)
{
        const char *posture = prop_set_string(props, "Posture");
        const char *activity = prop_set_string(props, "Activity");
        const char *sensor = prop_set_string(props, "SensorState");
        bool calibrated;
        double v;

        fprintf(f, "posture %s", posture ?: "?");
        if (prop_set_double(props, "Flexion", &v))
                fprintf(f, "  flexion %+.1f°", v);
        else
                fputs("  flexion ?", f);
        if (prop_set_double(props, "LateralBend", &v))
                fprintf(f, "  lateral %+.1f°", v);
        else
                fputs("  lateral ?", f);
        fprintf(f, "  %s", activity ?: "?");
        /* Say so only when something is off: the common line stays short. */
        if (prop_set_bool(props, "Calibrated", &calibrated) && !calibrated)
                fputs("  (not calibrated)", f);
        if (sensor && strcmp(sensor, "active") != 0)
                fprintf(f, "  sensor %s", sensor);
}

static void flush_output(const Monitor *m)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write to standard output: %m\n");
                (void) sd_event_exit(m->event, 1);
        }
}

/* A bar's line for the current state (or for no daemon), if it changed. */
static void print_bar(Monitor *m)
{
        if (monitor_bar_line(&m->bar, stdout, m->format, &m->props, m->owner != NULL))
                flush_output(m);
}

static void print_state(Monitor *m)
{
        bool first = false;

        if (monitor_is_bar(m)) {
                print_bar(m);
                return;
        }

        line_begin(m, "properties");
        if (m->json)
                prop_set_print_json_members(stdout, &m->props, &first);
        else
                print_posture_line(stdout, &m->props);
        line_end(m);
}

static void print_daemon(Monitor *m, const char *state, const char *text)
{
        if (monitor_is_bar(m)) {
                /* A bar shows postured's absence; its return shows with its state. */
                if (!m->owner)
                        print_bar(m);
                return;
        }
        line_begin(m, "daemon");
        if (m->json) {
                fputs(",\"state\":", stdout);
                json_string(stdout, state);
        } else
                fputs(text, stdout);
        line_end(m);
}

static int on_get_all(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        Monitor *m = userdata;
        const sd_bus_error *e;
        int r;

        m->get_all = sd_bus_slot_unref(m->get_all);

        e = sd_bus_message_get_error(reply);
        if (e) {
                /* It may have left again in the meantime; that is reported on its own. */
                if (m->owner)
                        fprintf(stderr, "Failed to read the state of postured: %s\n",
                                bus_error_text(e, sd_bus_message_get_errno(reply)));
                return 0;
        }

        prop_set_clear(&m->props);
        r = prop_set_update(&m->props, reply);
        if (r < 0) {
                fprintf(stderr, "Failed to parse the properties of postured: %s\n", strerror(-r));
                return 0;
        }
        print_state(m);
        return 0;
}

static int monitor_fetch_state(Monitor *m)
{
        m->get_all = sd_bus_slot_unref(m->get_all);
        return sd_bus_call_method_async(m->bus, &m->get_all, POSTURED_BUS_NAME,
                                        POSTURED_OBJECT_PATH, "org.freedesktop.DBus.Properties",
                                        "GetAll", on_get_all, m, "s", POSTURED_INTERFACE);
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        Monitor *m = userdata;
        const char *interface;
        int r;

        r = sd_bus_message_read(msg, "s", &interface);
        if (r < 0 || strcmp(interface, POSTURED_INTERFACE) != 0)
                return 0;
        if (m->get_all)
                return 0;

        r = prop_set_update(&m->props, msg);
        if (r >= 0)
                r = prop_set_invalidate(&m->props, msg);
        if (r < 0) {
                fprintf(stderr, "Ignoring malformed PropertiesChanged: %s\n", strerror(-r));
                return 0;
        }
        print_state(m);
        return 0;
}

static int on_strain_event(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        const char *kind, *severity;
        Monitor *m = userdata;
        double duration, peak;
        uint64_t start;
        int r;

        /* A bar shows the state; the event shows there through LastEvent. */
        if (monitor_is_bar(m))
                return 0;
        r = sd_bus_message_read(msg, "sstdd", &kind, &severity, &start, &duration, &peak);
        if (r < 0) {
                fprintf(stderr, "Ignoring malformed StrainEvent: %s\n", strerror(-r));
                return 0;
        }

        line_begin(m, "event");
        if (m->json) {
                fputs(",\"kind\":", stdout);
                json_string(stdout, kind);
                fputs(",\"severity\":", stdout);
                json_string(stdout, severity);
                printf(",\"start_usec\":%" PRIu64 ",\"duration_s\":", start);
                json_double(stdout, duration, 3);
                fputs(",\"peak_deg\":", stdout);
                json_double(stdout, peak, 2);
        } else {
                printf("EVENT %s (%s)", kind, severity);
                if (start >= PLAUSIBLE_REALTIME_USEC) {
                        char clock[CLOCK_TEXT_MAX];

                        format_clock(clock, start);
                        printf(" started %s,", clock);
                }
                printf(" held %.1f s", duration);
                if (isfinite(peak)) /* prolonged-rest has none */
                        printf(", peak %.1f°", peak);
        }
        line_end(m);
        return 0;
}

/* Advice (of either interface) and Alert have the same arguments, but for
 * Advice's category; @userdata is the Monitor for all, the member name tells
 * them apart. */
static int on_advice(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        bool alert = sd_bus_message_is_signal(msg, POSTURED_RECOVERY_INTERFACE, "Alert") > 0;
        const char *id, *severity, *category = NULL, *text;
        Monitor *m = userdata;
        int r;

        if (monitor_is_bar(m))
                return 0;
        if (!alert)
                r = sd_bus_message_read(msg, "ssss", &id, &severity, &category, &text);
        else
                r = sd_bus_message_read(msg, "sss", &id, &severity, &text);
        if (r < 0) {
                fprintf(stderr, "Ignoring malformed %s: %s\n", alert ? "Alert" : "Advice",
                        strerror(-r));
                return 0;
        }

        line_begin(m, alert ? "alert" : "advice");
        if (m->json) {
                fputs(",\"id\":", stdout);
                json_string(stdout, id);
                fputs(",\"severity\":", stdout);
                json_string(stdout, severity);
                if (category) {
                        fputs(",\"category\":", stdout);
                        json_string(stdout, category);
                }
                fputs(",\"text\":", stdout);
                json_string(stdout, text);
        } else {
                printf("%s %s (%s): ", alert ? "ALERT" : "ADVICE", id, severity);
                print_one_line(text);
        }
        line_end(m);
        return 0;
}

static void monitor_daemon_left(Monitor *m)
{
        free(m->owner);
        m->owner = NULL;
        m->get_all = sd_bus_slot_unref(m->get_all);
        prop_set_clear(&m->props);

        if (m->exit_with_daemon) {
                print_daemon(m, "left", "postured left the bus");
                (void) sd_event_exit(m->event, 0);
        } else
                print_daemon(m, "left", "postured left the bus; waiting for it to return");
}

static int monitor_daemon_appeared(Monitor *m, const char *owner, bool announce)
{
        char *copy;
        int r;

        copy = strdup(owner);
        if (!copy)
                return -ENOMEM;
        free(m->owner);
        m->owner = copy;
        m->appear_timer = sd_event_source_disable_unref(m->appear_timer);

        if (announce)
                print_daemon(m, "appeared", "postured appeared on the bus");

        /* Recovery1's signals come to subscribers only (on the system bus, to
         * root and the health group): a caller that may not have them is
         * refused, and sees the rest. */
        r = sd_bus_call_method_async(m->bus, NULL, owner, POSTURED_OBJECT_PATH,
                                     POSTURED_RECOVERY_INTERFACE, "Subscribe", NULL, NULL, NULL);
        if (r < 0)
                return r;

        r = monitor_fetch_state(m);
        if (r < 0)
                return r;
        return 0;
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        const char *name, *old_owner, *new_owner;
        Monitor *m = userdata;
        int r;

        r = sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || strcmp(name, POSTURED_BUS_NAME) != 0)
                return 0;

        /* Signals queued while we asked GetNameOwner at start may be stale:
         * only the owner we know can leave, and only a new one can appear. */
        if (m->owner && old_owner[0] && strcmp(old_owner, m->owner) == 0) {
                monitor_daemon_left(m);
                if (m->exit_with_daemon)
                        return 0;
        }
        if (new_owner[0] && !(m->owner && strcmp(new_owner, m->owner) == 0)) {
                r = monitor_daemon_appeared(m, new_owner, true);
                if (r < 0) {
                        fprintf(stderr, "Failed to ask postured for its state: %s\n", strerror(-r));
                        (void) sd_event_exit(m->event, 1);
                }
        }
        return 0;
}

static int on_appear_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Monitor *m = userdata;

        fprintf(stderr, "postured did not appear on the %s bus within %llu s.\n", bus_kind(),
                (unsigned long long) (APPEAR_TIMEOUT_USEC / USEC_PER_SEC));
        return sd_event_exit(m->event, 1);
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        Monitor *m = userdata;

        fprintf(stderr, "Lost the connection to the %s bus.\n", bus_kind());
        return sd_event_exit(m->event, 1);
}

/* Says what failed (with strerror of @r) and returns @r, so callers can bail out in one line. */
static int log_errno(int r, const char *format, ...) _printf_(2, 3);
static int log_errno(int r, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(-r));
        return r;
}

static int monitor_add_matches(Monitor *m)
{
        static const struct {
                const char *sender, *interface, *member;
                sd_bus_message_handler_t handler;
        } signals[] = {
                { POSTURED_BUS_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                  on_properties_changed },
                { POSTURED_BUS_NAME, POSTURED_INTERFACE, "StrainEvent", on_strain_event },
                { POSTURED_BUS_NAME, POSTURED_INTERFACE, "Advice", on_advice },
                { POSTURED_BUS_NAME, POSTURED_RECOVERY_INTERFACE, "Advice", on_advice },
                { POSTURED_BUS_NAME, POSTURED_RECOVERY_INTERFACE, "Alert", on_advice },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = sd_bus_match_signal(m->bus, NULL, signals[i].sender, POSTURED_OBJECT_PATH,
                                        signals[i].interface, signals[i].member, signals[i].handler,
                                        m);
                if (r < 0)
                        return log_errno(r, "Failed to subscribe to %s.%s", signals[i].interface,
                                         signals[i].member);
        }

        /* arg0 keeps the bus from waking us for every other name on it. */
        r = sd_bus_add_match(m->bus, NULL,
                             "type='signal',sender='org.freedesktop.DBus',"
                             "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                             "member='NameOwnerChanged',arg0='" POSTURED_BUS_NAME "'",
                             on_name_owner_changed, m);
        if (r < 0)
                return log_errno(r, "Failed to subscribe to NameOwnerChanged");

        r = sd_bus_match_signal(m->bus, NULL, "org.freedesktop.DBus.Local",
                                "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_disconnected, m);
        if (r < 0)
                return log_errno(r, "Failed to watch for the bus going away");
        return 0;
}

/* Subscribe first, then look: a daemon that appears in between is not missed. */
static int monitor_find_daemon(Monitor *m)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *owner;
        int r;

        r = sd_bus_call_method(m->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s",
                               POSTURED_BUS_NAME);
        if (r >= 0) {
                r = sd_bus_message_read(reply, "s", &owner);
                if (r < 0)
                        return log_errno(r, "Failed to parse the reply of GetNameOwner");
                r = monitor_daemon_appeared(m, owner, false);
                if (r < 0)
                        return log_errno(r, "Failed to ask postured for its state");
                return 0;
        }
        if (!sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                fprintf(stderr, "Failed to look for postured on the %s bus: %s\n", bus_kind(),
                        bus_error_text(&error, r));
                return r;
        }

        fprintf(stderr, "Waiting for postured to appear on the %s bus...\n", bus_kind());
        if (monitor_is_bar(m))
                print_bar(m);
        if (!m->exit_with_daemon)
                return 0;
        r = sd_event_add_time_relative(m->event, &m->appear_timer, CLOCK_MONOTONIC,
                                       APPEAR_TIMEOUT_USEC, 0, on_appear_timeout, m);
        if (r < 0)
                return log_errno(r, "Failed to arm the timer");
        return 0;
}

static int monitor_setup(Monitor *m)
{
        int r;

        /* The bus first: it loads libsystemd, which the event loop needs too. */
        r = bus_connect(&m->bus);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_errno(r, "Failed to allocate the event loop");

        /* No handler: the loop ends with status 0, as the user asked. */
        r = sd_event_add_signal(m->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                                        NULL);
        if (r < 0)
                return log_errno(r, "Failed to handle SIGINT and SIGTERM");

        r = monitor_add_matches(m);
        if (r < 0)
                return r;

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_errno(r, "Failed to attach the bus to the event loop");
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                return log_errno(r, "Failed to set exit-on-disconnect");

        monitor_bar_begin(stdout, m->format);

        return monitor_find_daemon(m);
}

static int parse_format(const char *arg, void *userdata)
{
        Monitor *m = userdata;
        int f = monitor_format_from_string(arg);

        if (f < 0)
                return usage_error("monitor: unknown format '%s': expected text, json, waybar, "
                                   "i3bar or i3blocks",
                                   arg);
        m->format = (MonitorFormat) f;
        return VERB_GO_ON;
}

/**
 * verb_monitor() - `posturectl monitor [--json] [--format=FORMAT] [--exit-with-daemon]`:
 * print the state of postured, then follow it until SIGINT or SIGTERM.
 * @argc: number of words in @argv
 * @argv: the command line from "monitor" on
 *
 * Return: 0 when stopped, or when postured left with --exit-with-daemon; 1
 * when the bus or standard output fails or, with --exit-with-daemon,
 * postured does not appear; a usage error.
 */
int verb_monitor(int argc, char *argv[])
{
        _cleanup_(monitor_done) Monitor m = {};
        const VerbOption options[] = {
                { "json", no_argument, .flag = &m.json },
                { "exit-with-daemon", no_argument, .flag = &m.exit_with_daemon },
                { "format", required_argument, .parse = parse_format },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, &m);
        if (r >= 0)
                return r;
        /* --json is --format=json; --format=json is --json. */
        if (m.json && m.format != MONITOR_FORMAT_TEXT && m.format != MONITOR_FORMAT_JSON)
                return usage_error("monitor: --json means --format=json; it does not go with "
                                   "another --format");
        if (m.format == MONITOR_FORMAT_JSON)
                m.json = true;

        r = monitor_setup(&m);
        if (r < 0)
                return bus_exit_status();

        r = sd_event_loop(m.event);
        if (r < 0) {
                log_errno(r, "Event loop failed");
                return 1;
        }
        return r;
}
