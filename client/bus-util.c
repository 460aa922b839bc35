/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus side of posturectl shared by the verbs that talk to the daemon,
 * and the one-shot verbs `status` and `calibrate`. `monitor` is in
 * monitor.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "bus-util.h"
#include "json.h"
#include "posturectl.h"
#include "verb-recovery.h"

int bus_connect(sd_bus **ret)
{
        int r;

        r = arg_session ? sd_bus_open_user(ret) : sd_bus_open_system(ret);
        if (r < 0)
                fprintf(stderr, "Failed to connect to the %s bus: %s\n",
                        arg_session ? "session" : "system", strerror(-r));
        return r;
}

const char *bus_kind(void)
{
        return arg_session ? "session" : "system";
}

const char *bus_error_text(const sd_bus_error *error, int r)
{
        if (error && sd_bus_error_is_set(error) && error->message)
                return error->message;
        return strerror(r < 0 ? -r : r);
}

void bus_log_call_error(const char *what, const sd_bus_error *error, int r)
{
        fprintf(stderr, "Failed to %s: %s\n", what, bus_error_text(error, r));
        if (sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                   SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                fprintf(stderr, "Is postured running on the %s bus?%s\n", bus_kind(),
                        arg_session ? "" : " (Use --session for a development daemon.)");
}

uint64_t now_usec(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

void format_clock(char buf[static CLOCK_TEXT_MAX], uint64_t usec)
{
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&sec, &tm) || strftime(buf, CLOCK_TEXT_MAX, "%H:%M:%S", &tm) == 0)
                (void) snprintf(buf, CLOCK_TEXT_MAX, "??:??:??");
}

void print_posture_line(FILE *f, const PropSet *props)
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

/* The properties `status` knows how to dress up, in the order it shows them. */
static const char *const status_order[] = {
        "Posture",    "Flexion",     "LateralBend", "Activity",   "StrainLevel",
        "Calibrated", "SensorState", "Sensor",      "SampleRate",
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
        else
                property_print_text(stdout, p);
}

static int name_width(const PropSet *props, int width)
{
        for (size_t i = 0; i < props->n; i++)
                width = MAX(width, (int) strlen(props->props[i].name));
        return width;
}

static void print_status_text(const PropSet *props, int width)
{
        for (size_t i = 0; i < ELEMENTSOF(status_order); i++) {
                const Property *p = prop_set_get(props, status_order[i]);

                if (!p)
                        continue;
                printf("%*s: ", width, p->name);
                print_status_value(p);
                putchar('\n');
        }
        /* Whatever the daemon added since this client was written. */
        for (size_t i = 0; i < props->n; i++) {
                const Property *p = &props->props[i];

                if (is_known(p->name))
                        continue;
                printf("%*s: ", width, p->name);
                print_status_value(p);
                putchar('\n');
        }
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

enum {
        ARG_SYSTEM = 0x100,
        ARG_SESSION,
        ARG_JSON,
};

int verb_status(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "session", no_argument, NULL, ARG_SESSION },
                { "json", no_argument, NULL, ARG_JSON },
                {},
        };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *recovery = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(prop_set_clear) PropSet props = {}, recovery_props = {};
        bool json = false, failed = false;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        return help();
                case ARG_SYSTEM:
                        arg_session = false;
                        break;
                case ARG_SESSION:
                        arg_session = true;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                default:
                        return getopt_error(c, argv);
                }
        }
        r = check_no_arguments(argc, argv);
        if (r != 0)
                return r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;

        r = sd_bus_call_method(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                               "org.freedesktop.DBus.Properties", "GetAll", &error, &reply, "s",
                               POSTURED_INTERFACE);
        if (r < 0) {
                bus_log_call_error("read the state of postured", &error, r);
                return 1;
        }

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

int verb_calibrate(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "session", no_argument, NULL, ARG_SESSION },
                {},
        };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        return help();
                case ARG_SYSTEM:
                        arg_session = false;
                        break;
                case ARG_SESSION:
                        arg_session = true;
                        break;
                default:
                        return getopt_error(c, argv);
                }
        }
        r = check_no_arguments(argc, argv);
        if (r != 0)
                return r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;

        r = sd_bus_call_method(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH, POSTURED_INTERFACE,
                               "Calibrate", &error, NULL, "");
        if (r < 0) {
                bus_log_call_error("calibrate", &error, r);
                return 1;
        }

        printf("Calibrated: the current posture is now the neutral posture.\n");
        return 0;
}
