/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * posturectl: the command-line client of postured. This file holds main(),
 * the global options, the dispatch to the verbs and the help text.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "posturectl.h"
#include "util/build-tree.h"

bool arg_session = false;

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
} Verb;

static const Verb verbs[] = {
        { "status", verb_status },   { "monitor", verb_monitor },   { "calibrate", verb_calibrate },
        { "analyze", verb_analyze }, { "injury", verb_injury },     { "recovered", verb_recovered },
        { "pain", verb_pain },       { "symptoms", verb_symptoms }, { "ack", verb_ack },
        { "snooze", verb_snooze },   { "record", verb_record },
};

const char *default_catalogue_path(void)
{
        return exe_runs_from(POSTURED_BUILD_DIR) ? POSTURED_SOURCE_DIR "/conf/advice.conf"
                                                 : POSTURED_PKGDATADIR "/advice.conf";
}

int help(void)
{
        printf("%1$s [OPTIONS...] COMMAND [ARGS...]\n"
               "\n"
               "Query and follow postured, the posture-sensing daemon, and analyse\n"
               "recordings offline.\n"
               "\n"
               "Commands:\n"
               "  status                Show the current posture, sensor and recovery state\n"
               "  monitor               Follow posture changes, strain events and advice\n"
               "  calibrate             Take the current posture as the neutral posture\n"
               "  analyze FILE.csv      Run the detectors on a recording, print JSON Lines\n"
               "  record FILE           Record the sensor's raw samples to FILE (- for\n"
               "                        standard output) until Ctrl+C or --duration\n"
               "  snooze DURATION       Silence advice (not alerts) for seconds, or 30m, 2h;\n"
               "                        at most 4h; 0 cancels\n"
               "\n"
               "Recovery commands:\n"
               "  injury                Report an acute back injury (see --onset)\n"
               "  recovered             Report that the wearer has recovered\n"
               "  pain LEVEL            Report pain from 0 (none) to 10 (worst)\n"
               "  symptoms NAME...      Report red-flag symptoms: loss_of_bladder_control,\n"
               "                        loss_of_bowel_control, leg_weakness, arm_weakness,\n"
               "                        radiating_pain_leg, radiating_pain_arm,\n"
               "                        unexplained_weight_loss, fever\n"
               "  ack ID                Acknowledge an active alert, e.g. red-flag\n"
               "\n"
               "Options:\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --system           Talk to postured on the system bus (default)\n"
               "     --session          Talk to postured on the session bus\n"
               "     --json             status, monitor: print JSON, one object a line\n"
               "     --exit-with-daemon monitor: exit when postured leaves the bus\n"
               "     --phase PHASE      analyze: recovery phase: none, acute, recovering\n"
               "     --mount-matrix M   analyze: rows map sensor axes to body axes\n"
               "     --neutral X,Y,Z    analyze: neutral gravity in the body frame, m/s²\n"
               "     --config FILE      analyze: filter, posture and rule settings\n"
               "     --onset WHEN       injury: when it began: now (default),\n"
               "                        'YYYY-MM-DD HH:MM[:SS]' (local time), or a time\n"
               "                        ago: -90m, -3h, -2d\n"
               "     --context TEXT     pain: what the wearer was doing\n"
               "     --duration S       record: stop after S seconds of sample time\n"
               "                        (2.5, 90, 30m, 2h)\n"
               "\n"
               "postured gives general guidance, not diagnosis.\n"
               "See the %1$s(1) manual page for details.\n",
               program_invocation_short_name);
        return 0;
}

int usage_error(const char *format, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", program_invocation_short_name);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s --help' for more information.\n", program_invocation_short_name);
        return EX_USAGE;
}

int getopt_error(int c, char *const argv[])
{
        /* GNU getopt has moved optind past the offending word for long options. */
        const char *word = optind > 0 ? argv[optind - 1] : "";
        bool is_long = strncmp(word, "--", 2) == 0;

        if (c == ':') {
                if (is_long)
                        return usage_error("option '%s' requires an argument", word);
                return usage_error("option '-%c' requires an argument", optopt);
        }
        if (is_long)
                return usage_error("unknown option '%s'", word);
        return usage_error("unknown option '-%c'", optopt);
}

int check_no_arguments(int argc, char *const argv[])
{
        if (optind < argc)
                return usage_error("%s: unexpected argument '%s'", argv[0], argv[optind]);
        return 0;
}

enum {
        ARG_VERSION = 0x100,
        ARG_SYSTEM,
        ARG_SESSION,
};

/* Return: < 0 to go on with the verb at argv[optind], or an exit status. */
static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "session", no_argument, NULL, ARG_SESSION },
                {},
        };
        int c;

        opterr = 0;
        /* '+': stop at the command, whose options its verb parses. */
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        return help();
                case ARG_VERSION:
                        printf("posturectl %s\n", POSTURED_VERSION);
                        return 0;
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

        if (optind >= argc)
                return usage_error("missing command");
        return -1;
}

int main(int argc, char *argv[])
{
        const char *name;
        int r;

        r = parse_argv(argc, argv);
        if (r >= 0)
                return r;

        name = argv[optind];
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (strcmp(verbs[i].name, name) != 0)
                        continue;
                /* Let the verb's getopt_long() start afresh on its own words. */
                argc -= optind;
                argv += optind;
                optind = 0;
                return verbs[i].run(argc, argv);
        }

        return usage_error("unknown command '%s'", name);
}
