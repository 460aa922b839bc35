/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery verbs of posturectl: injury, recovered, pain, symptoms and ack
 * call org.postured.Recovery1; snooze calls org.postured.Posture1.Snooze().
 * Each checks the syntax of its arguments and leaves the rest (a level out of
 * range, an unknown symptom, an onset in the future) to the daemon, whose
 * error message it prints: one place decides what is valid.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bus-util.h"
#include "posturectl.h"
#include "verb-recovery.h"
#include "timestamp.h"

typedef struct RecoveryArgs {
        const char *onset;
        const char *context;
} RecoveryArgs;

enum {
        ARG_SYSTEM = 0x100,
        ARG_SESSION,
        ARG_ONSET,
        ARG_CONTEXT,
};

/* The options every verb takes, for its table of options. */
/* clang-format off */
#define VERB_OPTIONS                                                    \
        { "help", no_argument, NULL, 'h' },                             \
        { "system", no_argument, NULL, ARG_SYSTEM },                    \
        { "session", no_argument, NULL, ARG_SESSION }
/* clang-format on */

/* Return: 0 when argv[optind..] holds @min to @max operands, else EX_USAGE after saying so. */
static int check_operands(int argc, char *argv[], int min, int max, const char *what)
{
        int n = argc - optind;

        if (n < min)
                return usage_error("%s: missing %s", argv[0], what);
        if (n > max)
                return usage_error("%s: unexpected argument '%s'", argv[0], argv[optind + max]);
        return 0;
}

/*
 * Options of a recovery verb; @options says which it takes. Operands may come
 * before or after them ("pain 4 --context lifting"); there must be @min to
 * @max of them (check_operands()).
 *
 * Return: < 0 to go on with the operands from argv[optind], or an exit status.
 */
static int parse_options(int argc, char *argv[], const struct option *options, RecoveryArgs *args,
                         int min, int max, const char *what)
{
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
                case ARG_ONSET:
                        args->onset = optarg;
                        break;
                case ARG_CONTEXT:
                        args->context = optarg;
                        break;
                default:
                        return getopt_error(c, argv);
                }
        }
        r = check_operands(argc, argv, min, max, what);
        return r != 0 ? r : -1;
}

/* A pain level: digits only (strtoul() would take "-1" and " 4"). The range
 * 0..10 is the daemon's to check. Return: 0, -EINVAL, or -ERANGE. */
static int parse_level(const char *s, uint32_t *ret)
{
        uint64_t v = 0;

        if (*s == '\0')
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t) v;
        return 0;
}

/* The verbs print a line or two; a full disk or closed pipe must not pass for success. */
static int finish_output(void)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write to standard output: %m\n");
                return EX_IOERR;
        }
        return 0;
}

/*
 * Connects to postured and calls a method without reply values: the D-Bus part
 * of every verb but symptoms. Return: 0 with *@ret connected, or exit status 1
 * after saying why ("Failed to @what: …" when the call fails).
 */
static int connect_and_call(sd_bus **ret, const char *interface, const char *member,
                            const char *what, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = bus_connect(ret);
        if (r < 0)
                return 1;
        va_start(ap, types);
        r = sd_bus_call_methodv(*ret, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH, interface, member,
                                &error, NULL, types, ap);
        va_end(ap);
        if (r < 0) {
                bus_log_call_error(what, &error, r);
                return 1;
        }
        return 0;
}

/* After a change of phase, the phase it led to; quiet if it cannot be read. */
static void print_phase(sd_bus *bus)
{
        _cleanup_(freep) char *phase = NULL;

        if (sd_bus_get_property_string(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                       POSTURED_RECOVERY_INTERFACE, "Phase", NULL, &phase) >= 0)
                printf("Recovery phase: %s\n", phase);
}

int recovery_get_all(sd_bus *bus, sd_bus_message **ret)
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

/* One "Name: " of status, right-aligned like the posture lines. */
static void print_name(FILE *f, const char *name, int width)
{
        fprintf(f, "%*s: ", width, name);
}

int recovery_print_status(FILE *f, sd_bus_message *reply, int width)
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

int verb_injury(int argc, char *argv[])
{
        static const struct option options[] = {
                VERB_OPTIONS,
                { "onset", required_argument, NULL, ARG_ONSET },
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        RecoveryArgs args = { .onset = "now" };
        char when[TIMESTAMP_TEXT_MAX];
        uint64_t onset;
        int r;

        r = parse_options(argc, argv, options, &args, 0, 0, "");
        if (r >= 0)
                return r;
        r = parse_onset(args.onset, now_usec(), &onset);
        if (r == -EDOM)
                return usage_error("invalid --onset '%s': no such date or local time", args.onset);
        if (r < 0)
                return usage_error("invalid --onset '%s': expected now, a local date and time "
                                   "'YYYY-MM-DD HH:MM[:SS]', or a time ago such as -3h, -90m, "
                                   "-2d%s",
                                   args.onset, r == -ERANGE ? " (out of range)" : "");

        r = connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "ReportInjury", "report the injury",
                             "t", onset);
        if (r != 0)
                return r;

        if (onset == 0)
                printf("Injury reported, onset now.\n");
        else {
                format_timestamp(when, onset);
                printf("Injury reported, onset %s.\n", when);
        }
        print_phase(bus);
        return finish_output();
}

int verb_recovered(int argc, char *argv[])
{
        static const struct option options[] = {
                VERB_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        RecoveryArgs args = {};
        int r;

        r = parse_options(argc, argv, options, &args, 0, 0, "");
        if (r >= 0)
                return r;

        r = connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "ReportRecovered",
                             "report the recovery", "");
        if (r != 0)
                return r;

        printf("Recovery reported.\n");
        print_phase(bus);
        return finish_output();
}

int verb_pain(int argc, char *argv[])
{
        static const struct option options[] = {
                VERB_OPTIONS,
                { "context", required_argument, NULL, ARG_CONTEXT },
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        RecoveryArgs args = { .context = "" };
        const char *text;
        uint32_t level;
        int r;

        r = parse_options(argc, argv, options, &args, 1, 1, "pain LEVEL (0..10)");
        if (r >= 0)
                return r;
        text = argv[optind];
        r = parse_level(text, &level);
        if (r == -ERANGE)
                return usage_error("pain level '%s' is not within 0..10", text);
        if (r < 0)
                return usage_error("invalid pain level '%s': expected a whole number 0..10", text);

        r = connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "ReportPain", "report pain", "us",
                             level, args.context);
        if (r != 0)
                return r;

        printf("Pain %" PRIu32 "/10 reported.\n", level);
        return finish_output();
}

int verb_symptoms(int argc, char *argv[])
{
        static const struct option options[] = {
                VERB_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(strv_freep) char **alerts = NULL;
        RecoveryArgs args = {};
        int r;

        r = parse_options(argc, argv, options, &args, 1, argc, "symptom NAME");
        if (r >= 0)
                return r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = sd_bus_message_new_method_call(bus, &call, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                           POSTURED_RECOVERY_INTERFACE, "ReportSymptoms");
        if (r >= 0)
                /* getopt_long() has permuted the operands to the end, NULL-terminated. */
                r = sd_bus_message_append_strv(call, argv + optind);
        if (r < 0) {
                fprintf(stderr, "Failed to build the call: %s\n", strerror(-r));
                return 1;
        }
        r = sd_bus_call(bus, call, 0, &error, NULL);
        if (r < 0) {
                bus_log_call_error("report the symptoms", &error, r);
                return 1;
        }

        printf("Symptoms reported.\n");
        /* Any red-flag symptom raises the alert; if it cannot be read back,
         * err on the side of saying so. */
        r = sd_bus_get_property_strv(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                     POSTURED_RECOVERY_INTERFACE, "ActiveAlerts", NULL, &alerts);
        if (r < 0 || (alerts && alerts[0])) {
                printf("\n"
                       "*** Contact a healthcare provider as soon as possible. ***\n"
                       "The symptoms you reported can point to a serious problem behind back "
                       "pain.\n"
                       "postured gives general guidance, not diagnosis, and cannot judge what "
                       "is causing them.\n");
                if (alerts && alerts[0])
                        printf("Once you have seen this, acknowledge it with "
                               "'posturectl ack %s'.\n",
                               alerts[0]);
        }
        return finish_output();
}

int verb_ack(int argc, char *argv[])
{
        static const struct option options[] = {
                VERB_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        RecoveryArgs args = {};
        int r;

        r = parse_options(argc, argv, options, &args, 1, 1, "alert ID");
        if (r >= 0)
                return r;

        r = connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "AcknowledgeAlert",
                             "acknowledge the alert", "s", argv[optind]);
        if (r != 0)
                return r;

        printf("Alert %s acknowledged.\n", argv[optind]);
        return finish_output();
}

int verb_snooze(int argc, char *argv[])
{
        static const struct option options[] = {
                VERB_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        RecoveryArgs args = {};
        const char *text;
        uint32_t sec;
        int r;

        r = parse_options(argc, argv, options, &args, 1, 1, "DURATION");
        if (r >= 0)
                return r;
        text = argv[optind];
        r = parse_duration_sec(text, &sec);
        if (r < 0)
                return usage_error("invalid duration '%s': expected seconds, or a number "
                                   "followed by s, m or h, such as 30m%s",
                                   text, r == -ERANGE ? " (out of range)" : "");

        r = connect_and_call(&bus, POSTURED_INTERFACE, "Snooze", "snooze advice", "u", sec);
        if (r != 0)
                return r;

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
