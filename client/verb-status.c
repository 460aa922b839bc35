/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one-shot verbs of org.postured.Posture1: `status` (with the recovery
 * state of org.postured.Recovery1 where the caller may read it), `calibrate`
 * and `snooze`.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bus-util.h"
#include "posturectl.h"
#include "props.h"
#include "timestamp.h"

/* The properties `status` knows how to dress up, in the order it shows them. */
static const char *const status_order[] = {
        "Posture",    "Flexion",      "LateralBend",  "Activity",    "StrainLevel",
        "Calibrated", "CalibratedAt", "StillSince",   "SensorState", "Sensor",
        "SampleRate", "FilterKernel", "SnoozedUntil", "LastEvent",   "Version",
};

/* The command line of status and show. */
typedef struct StatusArgs {
        bool json;
        bool value;
        bool show; /* Name=value lines */
        /* -p NAME, each possibly "A,B" */
        const char *property[16];
        size_t n_property;
} StatusArgs;

static int parse_property(const char *arg, void *userdata)
{
        StatusArgs *a = userdata;

        if (a->n_property >= ELEMENTSOF(a->property))
                return usage_error("too many --property options (at most %zu)",
                                   ELEMENTSOF(a->property));
        if (!arg[0])
                return usage_error("option '--property' needs a property name");
        a->property[a->n_property++] = arg;
        return VERB_GO_ON;
}

/* Whether -p asked for @name (every property without -p). */
static bool property_wanted(const StatusArgs *a, const char *name)
{
        size_t len = strlen(name);

        if (a->n_property == 0)
                return true;
        for (size_t i = 0; i < a->n_property; i++)
                for (const char *w = a->property[i]; *w;) {
                        size_t n = strcspn(w, ",");

                        if (n == len && strncmp(w, name, n) == 0)
                                return true;
                        w += n + (w[n] == ',');
                }
        return false;
}

/* Every name -p asked for must exist: say which does not. Return: 0 or 1. */
static int check_properties(const StatusArgs *a, const PropSet *props, const PropSet *recovery)
{
        char name[128];

        for (size_t i = 0; i < a->n_property; i++)
                for (const char *w = a->property[i]; *w;) {
                        size_t n = strcspn(w, ",");

                        snprintf(name, sizeof(name), "%.*s", (int) n, w);
                        if (n > 0 && !prop_set_get(props, name) && !prop_set_get(recovery, name)) {
                                fprintf(stderr,
                                        "postured has no property '%s' (or it is not readable "
                                        "for you); 'posturectl show' lists them.\n",
                                        name);
                                return 1;
                        }
                        w += n + (w[n] == ',');
                }
        return 0;
}

/* show: "Name=value" (or just the value with --value) for every wanted property. */
static void print_show(const StatusArgs *a, const PropSet *s)
{
        for (size_t i = 0; i < s->n; i++) {
                const Property *p = &s->props[i];

                if (!property_wanted(a, p->name))
                        continue;
                if (!a->value)
                        printf("%s=", p->name);
                property_print_text(stdout, p);
                putchar('\n');
        }
}

static bool is_known(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(status_order); i++)
                if (strcmp(status_order[i], name) == 0)
                        return true;
        return false;
}

/* A time of the realtime clock for people: local time, or @none for 0. */
static void print_time(uint64_t usec, const char *none)
{
        char when[TIMESTAMP_TEXT_MAX];

        if (usec == 0) {
                fputs(none, stdout);
                return;
        }
        format_timestamp(when, usec);
        fputs(when, stdout);
}

/*
 * LastEvent for people: "extreme-flexion (critical) at TIME, held 12.0 s,
 * peak 71.3°", or "none". @json is the (sstdd) as props.c renders it; the
 * kinds and severities are plain words, so it is read back with sscanf.
 */
static void print_last_event(const char *json)
{
        char kind[64], severity[32], when[TIMESTAMP_TEXT_MAX];
        unsigned long long start;
        double duration, peak;

        if (strncmp(json, "[\"\",", 5) == 0) {
                fputs("none", stdout);
                return;
        }
        if (sscanf(json, "[\"%63[^\"]\",\"%31[^\"]\",%llu,%lf,%lf]", kind, severity, &start,
                   &duration, &peak) != 5) {
                fputs(json, stdout);
                return;
        }
        format_timestamp(when, start);
        printf("%s (%s) at %s, held %.1f s, peak %.1f°", kind, severity, when, duration, peak);
}

static void print_status_value(const Property *p)
{
        if (p->kind == VALUE_UINT && strcmp(p->name, "StillSince") == 0)
                print_time(p->u, "unknown");
        else if (p->kind == VALUE_UINT && strcmp(p->name, "SnoozedUntil") == 0) {
                fputs(p->u == 0 ? "" : "snoozed until ", stdout);
                print_time(p->u, "not snoozed");
        } else if (p->kind == VALUE_OTHER && strcmp(p->name, "LastEvent") == 0)
                print_last_event(p->str);
        else if (p->kind == VALUE_DOUBLE &&
                 (strcmp(p->name, "Flexion") == 0 || strcmp(p->name, "LateralBend") == 0))
                printf("%+.1f°", p->d);
        else if (p->kind == VALUE_DOUBLE && strcmp(p->name, "StrainLevel") == 0)
                printf("%.2f", p->d);
        else if (p->kind == VALUE_DOUBLE && strcmp(p->name, "SampleRate") == 0)
                printf("%.1f Hz", p->d);
        else if (p->kind == VALUE_UINT && strcmp(p->name, "CalibratedAt") == 0)
                print_time(p->u, "never");
        else
                property_print_text(stdout, p);
}

static int name_width(const PropSet *props, int width)
{
        for (size_t i = 0; i < props->n; i++)
                width = MAX(width, (int) strlen(props->props[i].name));
        return width;
}

/* One "Name: " of status, right-aligned to @width. */
static void print_name(FILE *f, const char *name, int width)
{
        fprintf(f, "%*s: ", width, name);
}

static void print_status_line(const Property *p, int width)
{
        print_name(stdout, p->name, width);
        print_status_value(p);
        putchar('\n');
}

static void print_status_text(const PropSet *props, int width)
{
        for (size_t i = 0; i < ELEMENTSOF(status_order); i++) {
                const Property *p = prop_set_get(props, status_order[i]);

                if (p)
                        print_status_line(p, width);
        }
        /* Whatever the daemon added since this client was written. */
        for (size_t i = 0; i < props->n; i++)
                if (!is_known(props->props[i].name))
                        print_status_line(&props->props[i], width);
}

/* One object: the members of Recovery1 (if readable) after those of Posture1. */
static void print_status_json(const PropSet *props, const PropSet *recovery)
{
        bool first = true;

        putchar('{');
        prop_set_print_json_members(stdout, props, &first);
        prop_set_print_json_members(stdout, recovery, &first);
        puts("}");
}

/*
 * Every property of org.postured.Recovery1, as the a{sv} of GetAll in *@ret
 * (NULL when 0 is returned). The recovery state is health data: on the system
 * bus only root and the health group may read it; others just do not get it.
 *
 * Return: 1; 0 when the caller may not read the properties (AccessDenied) or
 * the daemon has no Recovery1; -errno after saying on stderr what failed.
 */
static int recovery_get_all(sd_bus *bus, sd_bus_message **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        *ret = NULL;
        r = sd_bus_call_method(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                               "org.freedesktop.DBus.Properties", "GetAll", &error, ret, "s",
                               POSTURED_RECOVERY_INTERFACE);
        if (r >= 0)
                return 1;
        /* Not for this caller, or a daemon from before Recovery1: nothing to show. */
        if (sd_bus_error_has_names(&error, SD_BUS_ERROR_ACCESS_DENIED,
                                   SD_BUS_ERROR_UNKNOWN_INTERFACE))
                return 0;
        bus_log_call_error("read the recovery state of postured", &error, r);
        return r;
}

/*
 * The recovery lines of `status` for people: Phase, InjuryOnset (local time,
 * or "none"), LastPain (level and local time, or "none") and ActiveAlerts,
 * the names right-aligned to @width. @reply is as recovery_get_all() returned
 * it, read from its start.
 *
 * Return: 0, or the sd-bus error of a malformed reply.
 */
static int recovery_print_status(FILE *f, sd_bus_message *reply, int width)
{
        _cleanup_(strv_freep) char **alerts = NULL;
        bool have_onset = false, have_pain = false, have_alerts = false;
        uint64_t onset = 0, pain_usec = 0;
        char when[TIMESTAMP_TEXT_MAX];
        const char *phase = NULL;
        uint32_t pain_level = 0;
        int r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *name, *contents;
                char type;

                r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(reply, &type, &contents);
                if (r < 0)
                        return r;
                /* Known names of another type are skipped like unknown ones. */
                if (strcmp(name, "Phase") == 0 && strcmp(contents, "s") == 0)
                        r = sd_bus_message_read(reply, "v", "s", &phase);
                else if (strcmp(name, "InjuryOnset") == 0 && strcmp(contents, "t") == 0) {
                        r = sd_bus_message_read(reply, "v", "t", &onset);
                        have_onset = true;
                } else if (strcmp(name, "LastPain") == 0 && strcmp(contents, "(ut)") == 0) {
                        r = sd_bus_message_read(reply, "v", "(ut)", &pain_level, &pain_usec);
                        have_pain = true;
                } else if (strcmp(name, "ActiveAlerts") == 0 && strcmp(contents, "as") == 0) {
                        /* An empty array is read as NULL. */
                        have_alerts = true;
                        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, "as");
                        if (r >= 0)
                                r = sd_bus_message_read_strv(reply, &alerts);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;

        if (phase) {
                print_name(f, "Phase", width);
                fprintf(f, "%s\n", phase);
        }
        if (have_onset) {
                print_name(f, "InjuryOnset", width);
                if (onset == 0)
                        fputs("none\n", f);
                else {
                        format_timestamp(when, onset);
                        fprintf(f, "%s\n", when);
                }
        }
        if (have_pain) {
                print_name(f, "LastPain", width);
                if (pain_usec == 0)
                        fputs("none\n", f);
                else {
                        format_timestamp(when, pain_usec);
                        fprintf(f, "%" PRIu32 "/10 at %s\n", pain_level, when);
                }
        }
        if (have_alerts) {
                print_name(f, "ActiveAlerts", width);
                if (!alerts || !alerts[0])
                        fputs("none", f);
                for (char **a = alerts; a && *a; a++)
                        fprintf(f, "%s%s", a == alerts ? "" : ", ", *a);
                fputc('\n', f);
        }
        return 0;
}

/* status and show, after their command lines. */
static int run_status(const StatusArgs *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *recovery = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(prop_set_clear) PropSet props = {}, recovery_props = {};
        bool failed = false;
        int r;

        r = bus_connect_and_call(&bus, "org.freedesktop.DBus.Properties", "GetAll",
                                 "read the state of postured", &reply, "s", POSTURED_INTERFACE);
        if (r < 0)
                return bus_exit_status();

        r = prop_set_update(&props, reply);
        if (r < 0) {
                fprintf(stderr, "Failed to parse the properties of postured: %s\n", strerror(-r));
                return 1;
        }

        /* The posture is shown even when the recovery state cannot be read. */
        r = recovery_get_all(bus, &recovery);
        if (r < 0)
                failed = true;
        if (r > 0) {
                r = prop_set_update(&recovery_props, recovery);
                if (r >= 0)
                        r = sd_bus_message_rewind(recovery, true);
                if (r < 0) {
                        fprintf(stderr, "Failed to parse the recovery state of postured: %s\n",
                                strerror(-r));
                        recovery = sd_bus_message_unref(recovery);
                        prop_set_clear(&recovery_props);
                        failed = true;
                }
        }

        if (check_properties(a, &props, &recovery_props) != 0)
                return 1;

        if (a->json) {
                /* -p keeps only the members asked for. */
                for (size_t i = 0; a->n_property > 0 && i < props.n; i++)
                        if (!property_wanted(a, props.props[i].name))
                                props.props[i].name[0] = 0;
                for (size_t i = 0; a->n_property > 0 && i < recovery_props.n; i++)
                        if (!property_wanted(a, recovery_props.props[i].name))
                                recovery_props.props[i].name[0] = 0;
                print_status_json(&props, &recovery_props);
        } else if (a->show || a->value || a->n_property > 0) {
                print_show(a, &props);
                print_show(a, &recovery_props);
        } else {
                int width = name_width(&recovery_props, name_width(&props, 0));
                const char *sensor = prop_set_string(&props, "SensorState");

                print_status_text(&props, width);
                if (recovery) {
                        r = recovery_print_status(stdout, recovery, width);
                        if (r < 0) {
                                fprintf(stderr,
                                        "Failed to parse the recovery state of postured: %s\n",
                                        strerror(-r));
                                failed = true;
                        }
                }
                /* The common reason for a status that says nothing. */
                if (sensor && strcmp(sensor, "absent") == 0)
                        printf("\nNo sensor: plug in the sensor, or set [Source] URI= in "
                               "postured.conf(5);\n'journalctl -u postured' says what was "
                               "tried.\n");
        }

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write the status: %m\n");
                return EX_IOERR;
        }
        return failed ? 1 : 0;
}

static int status_parse_argv(int argc, char *argv[], StatusArgs *a)
{
        const VerbOption options[] = {
                { "json", no_argument, .flag = &a->json },
                { "property", required_argument, .parse = parse_property, .short_name = 'p' },
                { "value", no_argument, .flag = &a->value },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, a);
        if (r >= 0)
                return r;
        if (a->json && a->value)
                return usage_error("%s: --json and --value do not go together", argv[0]);
        return VERB_GO_ON;
}

/**
 * verb_status() - `posturectl status [--json] [-p NAME] [--value]`: the
 * properties of postured, and its recovery state where the caller may read
 * it; with -p or --value, as `show` prints them.
 * @argc: number of words in @argv
 * @argv: the command line from "status" on
 *
 * Return: 0; 1 when the state, or the recovery state, cannot be read or a
 * property asked for does not exist; a usage error; EX_IOERR when the
 * output cannot be written.
 */
int verb_status(int argc, char *argv[])
{
        StatusArgs a = {};
        int r;

        r = status_parse_argv(argc, argv, &a);
        if (r >= 0)
                return r;
        return run_status(&a);
}

/**
 * verb_show() - `posturectl show [-p NAME] [--value] [--json]`: every
 * property as Name=value, for scripts, as `timedatectl show` does.
 * @argc: number of words in @argv
 * @argv: the command line from "show" on
 *
 * Return: as verb_status().
 */
int verb_show(int argc, char *argv[])
{
        StatusArgs a = { .show = true };
        int r;

        r = status_parse_argv(argc, argv, &a);
        if (r >= 0)
                return r;
        return run_status(&a);
}

/**
 * verb_calibrate() - `posturectl calibrate [--reset]`: take the current
 * posture as the neutral one, or forget the neutral (ResetCalibration()).
 * @argc: number of words in @argv
 * @argv: the command line from "calibrate" on
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error.
 */
int verb_calibrate(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool reset = false;
        const VerbOption options[] = {
                { "reset", no_argument, .flag = &reset },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;

        if (reset) {
                r = bus_connect_and_call(&bus, POSTURED_INTERFACE, "ResetCalibration",
                                         "reset the calibration", NULL, "");
                if (r < 0)
                        return bus_exit_status();
                printf("Calibration reset: the neutral posture is taken automatically again, "
                       "from the next still, upright moment.\n");
                return finish_output();
        }

        r = bus_connect_and_call(&bus, POSTURED_INTERFACE, "Calibrate", "calibrate", NULL, "");
        if (r < 0)
                return bus_exit_status();

        printf("Calibrated: the current posture is now the neutral posture.\n");
        return finish_output();
}

/**
 * verb_snooze() - `posturectl snooze DURATION`: silence advice, not alerts,
 * for a while; 0 cancels.
 * @argc: number of words in @argv
 * @argv: the command line from "snooze" on
 *
 * How long is too long is the daemon's to say.
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_snooze(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *text;
        uint32_t sec;
        static const VerbSyntax syntax = { .bus = true, .operands = { 1, 1, "DURATION" } };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        text = argv[optind];
        r = parse_duration_sec(text, &sec);
        if (r < 0)
                return usage_error("invalid duration '%s': expected seconds, or a number "
                                   "followed by s, m or h, such as 30m%s",
                                   text, r == -ERANGE ? " (out of range)" : "");

        r = bus_connect_and_call(&bus, POSTURED_INTERFACE, "Snooze", "snooze advice", NULL, "u",
                                 sec);
        if (r < 0)
                return bus_exit_status();

        if (sec == 0)
                printf("Snooze cancelled.\n");
        else if (sec % 3600 == 0)
                printf("Advice snoozed for %" PRIu32 " h; alerts still go out.\n", sec / 3600);
        else if (sec % 60 == 0)
                printf("Advice snoozed for %" PRIu32 " min; alerts still go out.\n", sec / 60);
        else
                printf("Advice snoozed for %" PRIu32 " s; alerts still go out.\n", sec);
        return finish_output();
}
