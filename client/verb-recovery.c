/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery verbs of posturectl: injury, recovered, pain, symptoms and ack
 * call org.postured.Recovery1. Each checks the syntax of its arguments and
 * leaves the rest (a level out of range, an unknown symptom, an onset in the
 * future) to the daemon, whose error message it prints: one place decides
 * what is valid.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bus-util.h"
#include "posturectl.h"
#include "timestamp.h"

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

/* After a change of phase, the phase it led to; quiet if it cannot be read. */
static void print_phase(sd_bus *bus)
{
        _cleanup_(freep) char *phase = NULL;

        if (sd_bus_get_property_string(bus, POSTURED_BUS_NAME, POSTURED_OBJECT_PATH,
                                       POSTURED_RECOVERY_INTERFACE, "Phase", NULL, &phase) >= 0)
                printf("Recovery phase: %s\n", phase);
}

/**
 * verb_injury() - `posturectl injury [--onset WHEN]`: report an acute back
 * injury.
 * @argc: number of words in @argv
 * @argv: the command line from "injury" on
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_injury(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *when = "now";
        const VerbOption options[] = {
                { "onset", required_argument, .arg = &when },
                {},
        };
        char text[TIMESTAMP_TEXT_MAX];
        uint64_t onset;
        const VerbSyntax syntax = { .options = options, .bus = true };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        r = parse_onset(when, now_usec(), &onset);
        if (r == -EDOM)
                return usage_error("invalid --onset '%s': no such date or local time", when);
        if (r < 0)
                return usage_error("invalid --onset '%s': expected now, a local date and time "
                                   "'YYYY-MM-DD HH:MM[:SS]', or a time ago such as -3h, -90m, "
                                   "-2d%s",
                                   when, r == -ERANGE ? " (out of range)" : "");

        r = bus_connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "ReportInjury",
                                 "report the injury", NULL, "t", onset);
        if (r < 0)
                return bus_exit_status();

        if (onset == 0)
                printf("Injury reported, onset now.\n");
        else {
                format_timestamp(text, onset);
                printf("Injury reported, onset %s.\n", text);
        }
        print_phase(bus);
        return finish_output();
}

/**
 * verb_recovered() - `posturectl recovered`: report that the wearer has
 * recovered.
 * @argc: number of words in @argv
 * @argv: the command line from "recovered" on
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_recovered(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = verb_parse_argv(argc, argv, &verb_syntax_plain, NULL);
        if (r >= 0)
                return r;

        r = bus_connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "ReportRecovered",
                                 "report the recovery", NULL, "");
        if (r < 0)
                return bus_exit_status();

        printf("Recovery reported.\n");
        print_phase(bus);
        return finish_output();
}

/**
 * verb_pain() - `posturectl pain LEVEL [--context TEXT]`: report pain from 0
 * to 10.
 * @argc: number of words in @argv
 * @argv: the command line from "pain" on
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_pain(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *context = "", *text;
        const VerbOption options[] = {
                { "context", required_argument, .arg = &context },
                {},
        };
        uint32_t level;
        const VerbSyntax syntax = {
                .options = options,
                .bus = true,
                .operands = { 1, 1, "pain LEVEL (0..10)" },
        };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;
        text = argv[optind];
        r = parse_level(text, &level);
        if (r == -ERANGE)
                return usage_error("pain level '%s' is not within 0..10", text);
        if (r < 0)
                return usage_error("invalid pain level '%s': expected a whole number 0..10", text);

        r = bus_connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "ReportPain", "report pain",
                                 NULL, "us", level, context);
        if (r < 0)
                return bus_exit_status();

        printf("Pain %" PRIu32 "/10 reported.\n", level);
        return finish_output();
}

/**
 * verb_symptoms() - `posturectl symptoms NAME...`: report red-flag symptoms.
 * @argc: number of words in @argv
 * @argv: the command line from "symptoms" on
 *
 * When the daemon raises an alert, or the alerts cannot be read back, tells
 * the wearer to contact a healthcare provider.
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_symptoms(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(strv_freep) char **alerts = NULL;
        static const VerbSyntax syntax = {
                .bus = true,
                .operands = { 1, OPERANDS_ANY, "symptom NAME" },
        };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;

        r = bus_connect(&bus);
        if (r < 0)
                return bus_exit_status();
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

/**
 * verb_ack() - `posturectl ack ID`: acknowledge an active alert.
 * @argc: number of words in @argv
 * @argv: the command line from "ack" on
 *
 * Return: 0; 1 when postured cannot be asked or refuses; a usage error;
 * EX_IOERR when the output cannot be written.
 */
int verb_ack(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        static const VerbSyntax syntax = { .bus = true, .operands = { 1, 1, "alert ID" } };
        int r;

        r = verb_parse_argv(argc, argv, &syntax, NULL);
        if (r >= 0)
                return r;

        r = bus_connect_and_call(&bus, POSTURED_RECOVERY_INTERFACE, "AcknowledgeAlert",
                                 "acknowledge the alert", NULL, "s", argv[optind]);
        if (r < 0)
                return bus_exit_status();

        printf("Alert %s acknowledged.\n", argv[optind]);
        return finish_output();
}
