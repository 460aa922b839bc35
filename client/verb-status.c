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
        "Posture",    "Flexion",      "LateralBend", "Activity", "StrainLevel",
        "Calibrated", "CalibratedAt", "SensorState", "Sensor",   "SampleRate",
};

static bool is_known(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(status_order); i++)
                if (strcmp(status_order[i], name) == 0)
                        return true;
        return false;
}

static void print_status_value(const Property *p)
{
        if (p->kind == VALUE_DOUBLE &&
            (strcmp(p->name, "Flexion") == 0 || strcmp(p->name, "LateralBend") == 0))
                printf("%+.1f°", p->d);
        else if (p->kind == VALUE_DOUBLE && strcmp(p->name, "StrainLevel") == 0)
                printf("%.2f", p->d);
        else if (p->kind == VALUE_DOUBLE && strcmp(p->name, "SampleRate") == 0)
                printf("%.1f Hz", p->d);
        else if (p->kind == VALUE_UINT && strcmp(p->name, "CalibratedAt") == 0) {
                char when[TIMESTAMP_TEXT_MAX];

                if (p->u == 0)
                        fputs("never", stdout);
                else {
                        format_timestamp(when, p->u);
                        fputs(when, stdout);
                }
        } else
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

/**
 * verb_status() - `posturectl status [--json]`: the properties of postured,
 * and its recovery state where the caller may read it.
 * @argc: number of words in @argv
 * @argv: the command line from "status" on
 *
 * Return: 0; 1 when the state, or the recovery state, cannot be read; a
 * usage error; EX_IOERR when the output cannot be written.
 */
int verb_status(int argc, char *argv[])
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *recovery = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(prop_set_clear) PropSet props = {}, recovery_props = {};
        bool json = false, failed = false;
        const VerbOption options[] = {
                { "json", no_argument, .flag = &json },
                {},
        };
        const VerbSyntax syntax = { .options = options, .bus = true };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;

        r = bus_connect_and_call(&bus, "org.freedesktop.DBus.Properties", "GetAll",
                                 "read the state of postured", &reply, "s", POSTURED_INTERFACE);
        if (r < 0)
                return 1;

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

        if (json)
                print_status_json(&props, &recovery_props);
        else {
                int width = name_width(&recovery_props, name_width(&props, 0));

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
        }

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write the status: %m\n");
                return EX_IOERR;
        }
        return failed ? 1 : 0;
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
                        return 1;
                printf("Calibration reset: the neutral posture is taken automatically again, "
                       "from the next still, upright moment.\n");
                return finish_output();
        }

        r = bus_connect_and_call(&bus, POSTURED_INTERFACE, "Calibrate", "calibrate", NULL, "");
        if (r < 0)
                return 1;

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
                return 1;

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
