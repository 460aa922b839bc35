/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * posturectl: the command-line client of postured. This file holds main(),
 * the global options, the dispatch to the verbs, the help text and the option
 * loop every verb shares.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
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
        { "status", verb_status },       { "show", verb_show },
        { "monitor", verb_monitor },     { "calibrate", verb_calibrate },
        { "analyze", verb_analyze },     { "injury", verb_injury },
        { "recovered", verb_recovered }, { "pain", verb_pain },
        { "symptoms", verb_symptoms },   { "ack", verb_ack },
        { "snooze", verb_snooze },       { "record", verb_record },
        { "history", verb_history },     { "summary", verb_summary },
        { "export", verb_export },       { "forget", verb_forget },
        { "report", verb_report },
};

/**
 * default_catalogue_path() - the advice catalogue analyze uses without
 * --catalogue.
 *
 * Return: the source tree's conf/advice.conf when posturectl runs from the
 * build tree, else the installed one.
 */
const char *default_catalogue_path(void)
{
        /* Once: analyze asks twice (the configuration's default, then the
         * catalogue), and each answer costs five system calls. */
        static const char *path;

        if (!path)
                path = exe_runs_from(POSTURED_BUILD_DIR) ? POSTURED_SOURCE_DIR "/conf/advice.conf"
                                                         : POSTURED_PKGDATADIR "/advice.conf";
        return path;
}

/**
 * help() - print the help text on stdout.
 *
 * Return: 0, so that option handlers can "return help();".
 */
int help(void)
{
        printf("%1$s [OPTIONS...] COMMAND [ARGS...]\n"
               "\n"
               "Query and follow postured, the posture-sensing daemon, and analyse\n"
               "recordings offline.\n"
               "\n"
               "Commands:\n"
               "  status                Show the current posture, sensor and recovery state\n"
               "  show                  Show the properties of postured as NAME=VALUE\n"
               "  monitor               Follow posture changes, strain events and advice\n"
               "  calibrate [--reset]   Take the current posture as the neutral posture;\n"
               "                        --reset forgets it (automatic again)\n"
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
               "History commands (root and the health group on the system bus):\n"
               "  history               The history in buckets (default: today, by hour)\n"
               "  summary               The history summed up (default: today)\n"
               "  export                The minutes and events kept, as CSV or JSON Lines\n"
               "  forget                Delete the history (asks first, see --yes)\n"
               "  report -o FILE        Draw a day (--day), a week (--week) or a recording\n"
               "                        (--from FILE.csv) as PNG, SVG or PDF\n"
               "\n"
               "Options:\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --system           Talk to postured on the system bus (default)\n"
               "     --session          Talk to postured on the session bus\n"
               "     --json             status, show, monitor: print JSON, one object a line\n"
               "  -p --property NAME    status, show: only this property (repeat it, or\n"
               "                        NAME,NAME); prints NAME=VALUE\n"
               "     --value            status, show: print only the values\n"
               "     --format FORMAT    monitor: text (default), json, waybar, i3bar,\n"
               "                        i3blocks\n"
               "     --exit-with-daemon monitor: exit when postured leaves the bus\n"
               "     --phase PHASE      analyze: recovery phase: none, acute, recovering\n"
               "     --mount-matrix M   analyze, report: rows map sensor axes to body axes\n"
               "     --neutral X,Y,Z    analyze: neutral gravity in the body frame, m/s²\n"
               "     --config FILE      analyze, report: filter, posture and rule settings\n"
               "     --catalogue FILE   analyze: the advice to give, instead of the\n"
               "                        installed catalogue\n"
               "     --samples SECONDS  analyze: also print the posture every SECONDS of\n"
               "                        sample time\n"
               "     --onset WHEN       injury: when it began: now (default),\n"
               "                        'YYYY-MM-DD HH:MM[:SS]' (local time), or a time\n"
               "                        ago: -90m, -3h, -2d\n"
               "     --context TEXT     pain: what the wearer was doing\n"
               "     --duration S       record: stop after S seconds of sample time\n"
               "                        (2.5, 90, 30m, 2h)\n"
               "     --since W          history, summary, export: from W: today,\n"
               "                        yesterday, YYYY-MM-DD, 'YYYY-MM-DD HH:MM', -3h, -2d\n"
               "     --until W          history, export: up to W (default: no end)\n"
               "     --bucket B         history: 1h (default), 1d, or N followed by m, h, d\n"
               "     --json             history, summary: print JSON\n"
               "     --today --week     summary: since midnight, or the last seven days\n"
               "     --format F         export: csv (the minutes) or json (minutes, events)\n"
               "     --what W           export: only the minutes or only the events\n"
               "     --before W         forget: delete what is older than W\n"
               "     --all              forget: delete all of it\n"
               "     --yes              forget: do not ask\n"
               "     --day D --week D   report: the day D, or the week from D (YYYY-MM-DD)\n"
               "     --from FILE.csv    report: a recording, offline\n"
               "  -o --output FILE      report: the picture, .png, .svg or .pdf\n"
               "\n"
               "postured gives general guidance, not diagnosis.\n"
               "See the %1$s(1) manual page for details.\n",
               program_invocation_short_name);
        return 0;
}

/**
 * usage_error() - report a mistake on the command line.
 * @format: printf format of the message, which names the verb or option
 *
 * Prints "posturectl: MESSAGE" and a hint to --help on stderr.
 *
 * Return: EX_USAGE.
 */
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

/**
 * finish_output() - flush standard output, where the verbs print a line or
 * two: a full disk or closed pipe must not pass for success.
 *
 * Return: 0, or EX_IOERR after saying so on stderr.
 */
int finish_output(void)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "Failed to write to standard output: %m\n");
                return EX_IOERR;
        }
        return 0;
}

/*
 * Every option of posturectl and the commands that take it: main() needs
 * to know which take an argument to find the command behind them, and a
 * mistake can then name the commands an option belongs to. Keep it in step
 * with the verbs' VerbOption tables, --help and posturectl(1)
 * (test-posturectl-usage.sh compares them).
 */
typedef struct KnownOption {
        const char *name;
        char short_name;
        int has_arg;
        const char *verbs;
} KnownOption;

static const KnownOption known_options[] = {
        { "json", 0, no_argument, "status, show, monitor" },
        { "property", 'p', required_argument, "status, show" },
        { "value", 0, no_argument, "status, show" },
        { "format", 0, required_argument, "monitor" },
        { "exit-with-daemon", 0, no_argument, "monitor" },
        { "phase", 0, required_argument, "analyze" },
        { "mount-matrix", 0, required_argument, "analyze, report" },
        { "neutral", 0, required_argument, "analyze" },
        { "config", 0, required_argument, "analyze, report" },
        { "catalogue", 0, required_argument, "analyze" },
        { "onset", 0, required_argument, "injury" },
        { "context", 0, required_argument, "pain" },
        { "duration", 0, required_argument, "record" },
};

static const KnownOption *known_option_long(const char *word)
{
        size_t len = strcspn(word, "=");

        for (size_t i = 0; i < ELEMENTSOF(known_options); i++)
                if (strlen(known_options[i].name) == len &&
                    strncmp(known_options[i].name, word, len) == 0)
                        return &known_options[i];
        return NULL;
}

static const KnownOption *known_option_short(char c)
{
        for (size_t i = 0; i < ELEMENTSOF(known_options); i++)
                if (known_options[i].short_name != 0 && known_options[i].short_name == c)
                        return &known_options[i];
        return NULL;
}

/* @c: what getopt_long() returned ('?' or ':'; the optstring starts with ':'). */
static int getopt_error(int c, char *const argv[])
{
        /* GNU getopt has moved optind past the offending word for long options. */
        const char *word = optind > 0 ? argv[optind - 1] : "";
        bool is_long = strncmp(word, "--", 2) == 0;
        const KnownOption *known;

        if (c == ':') {
                if (is_long)
                        return usage_error("option '%s' requires an argument", word);
                return usage_error("option '-%c' requires an argument", optopt);
        }
        known = is_long ? known_option_long(word + 2) : known_option_short((char) optopt);
        if (known) {
                if (is_long)
                        return usage_error("option '--%.*s' does not apply to '%s' (only to: %s)",
                                           (int) strcspn(word + 2, "="), word + 2, argv[0],
                                           known->verbs);
                return usage_error("option '-%c' does not apply to '%s' (only to: %s)", optopt,
                                   argv[0], known->verbs);
        }
        if (is_long)
                return usage_error("unknown option '%s'", word);
        return usage_error("unknown option '-%c'", optopt);
}

/* Room for the options of the verb with the most, and for those of every
 * verb: --help, --system, --session and the end of the table. */
#define VERB_OPTIONS_MAX 8
#define LONG_OPTIONS_MAX (VERB_OPTIONS_MAX + 4)
/* "+:h", two characters for each option, and the NUL. */
#define OPTSTRING_MAX (4 + 2 * VERB_OPTIONS_MAX)

enum {
        ARG_SYSTEM = 0x100,
        ARG_SESSION,
        ARG_VERB, /* ARG_VERB + i: the verb's option i */
};

/* The options of @syntax as getopt_long() wants them, into @ret, and the
 * short ones into @optstring. */
static void build_long_options(const VerbSyntax *syntax, struct option ret[static LONG_OPTIONS_MAX],
                               char optstring[static OPTSTRING_MAX])
{
        size_t n = 0, k = 0;

        optstring[k++] = syntax->stop_at_operand ? '+' : ':';
        if (syntax->stop_at_operand)
                optstring[k++] = ':';
        optstring[k++] = 'h';

        ret[n++] = (struct option){ "help", no_argument, NULL, 'h' };
        if (syntax->bus) {
                ret[n++] = (struct option){ "system", no_argument, NULL, ARG_SYSTEM };
                ret[n++] = (struct option){ "session", no_argument, NULL, ARG_SESSION };
        }
        for (size_t i = 0; syntax->options && syntax->options[i].name; i++) {
                assert(i < VERB_OPTIONS_MAX);
                ret[n++] = (struct option){ syntax->options[i].name, syntax->options[i].has_arg,
                                            NULL, ARG_VERB + (int) i };
                if (syntax->options[i].short_name) {
                        assert(k + 3 <= OPTSTRING_MAX);
                        optstring[k++] = syntax->options[i].short_name;
                        if (syntax->options[i].has_arg == required_argument)
                                optstring[k++] = ':';
                }
        }
        ret[n] = (struct option){};
        optstring[k] = 0;
}

/* The index in @syntax->options of the option whose short name is @c, or -1. */
static int short_option_index(const VerbSyntax *syntax, int c)
{
        for (size_t i = 0; syntax->options && syntax->options[i].name; i++)
                if (syntax->options[i].short_name == c)
                        return (int) i;
        return -1;
}

/* The option @o was given, with @arg (NULL without one). */
static int apply_option(const VerbOption *o, const char *arg, void *userdata)
{
        if (o->flag)
                *o->flag = true;
        else if (o->arg)
                *o->arg = arg;
        else {
                assert(o->parse);
                return o->parse(arg, userdata);
        }
        return VERB_GO_ON;
}

const VerbSyntax verb_syntax_plain = { .bus = true };

/**
 * verb_parse_argv() - parse the options and count the operands of a verb.
 * @argc: number of words in @argv
 * @argv: the command line from the verb's name on (or the whole of it, for
 *        main()); getopt_long() permutes the operands to its end
 * @syntax: the options the verb takes and how many operands
 * @userdata: passed to the @parse function of the verb's options
 *
 * Every verb takes --help (which prints the help and ends the verb with 0)
 * and, with @syntax->bus, --system and --session. Operands may come before
 * or after the options ("pain 4 --context lifting") unless
 * @syntax->stop_at_operand. An unknown option, a missing argument and too
 * few or too many operands are usage errors: "unknown option '--x'",
 * "option '--x' requires an argument", "VERB: missing OPERANDS",
 * "VERB: unexpected argument 'X'".
 *
 * Return: VERB_GO_ON to go on with the operands at argv[optind..argc-1], or
 * the exit status of the process after --help, an option's @parse that said
 * to stop, or a usage error.
 */
int verb_parse_argv(int argc, char *argv[], const VerbSyntax *syntax, void *userdata)
{
        struct option options[LONG_OPTIONS_MAX];
        char optstring[OPTSTRING_MAX];
        unsigned n;
        int c, r, i;

        build_long_options(syntax, options, optstring);
        opterr = 0;
        while ((c = getopt_long(argc, argv, optstring, options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        return help();
                case ARG_SYSTEM:
                        arg_session = false;
                        break;
                case ARG_SESSION:
                        arg_session = true;
                        break;
                case '?':
                case ':':
                        return getopt_error(c, argv);
                default:
                        i = c >= ARG_VERB ? c - ARG_VERB : short_option_index(syntax, c);
                        assert(i >= 0);
                        r = apply_option(&syntax->options[i], optarg, userdata);
                        if (r >= 0)
                                return r;
                }
        }

        n = (unsigned) (argc - optind);
        if (n < syntax->operands.min)
                return usage_error("%s: missing %s", argv[0], syntax->operands.what);
        if (n > syntax->operands.max)
                return usage_error("%s: unexpected argument '%s'", argv[0],
                                   argv[optind + syntax->operands.max]);
        return VERB_GO_ON;
}

static int show_version(const char *arg, void *userdata)
{
        printf("posturectl %s\n", POSTURED_VERSION);
        return 0;
}

/*
 * How many words the option at @argv[0] takes (1 or 2), before the command
 * where main() cannot ask the verb yet: an option of any verb that takes an
 * argument takes the next word unless it is written --name=value or -pVALUE.
 */
static int option_words(char *const argv[])
{
        const char *w = argv[0];
        const KnownOption *known;

        if (strncmp(w, "--", 2) == 0) {
                known = known_option_long(w + 2);
                return known && known->has_arg == required_argument && !strchr(w, '=') ? 2 : 1;
        }
        known = known_option_short(w[1]);
        return known && known->has_arg == required_argument && w[2] == 0 ? 2 : 1;
}

int main(int argc, char *argv[])
{
        static const VerbOption options[] = {
                { "version", no_argument, .parse = show_version },
                {},
        };
        static const VerbSyntax syntax = {
                .options = options,
                .bus = true,
                .stop_at_operand = true,
                .operands.max = OPERANDS_ANY,
        };
        _cleanup_(freep) char **words = NULL;
        int cmd = 1, n = 0, r;
        const char *name;

        /*
         * Options may come before the command as after it, as with systemctl:
         * find the command behind them, then hand the verb its name, the
         * options that came before it and the rest of the line, in that
         * order. --help, --version, --system and --session before the command
         * are main()'s own.
         */
        while (cmd < argc && argv[cmd][0] == '-' && argv[cmd][1] != 0 &&
               strcmp(argv[cmd], "--") != 0)
                cmd += MIN(option_words(argv + cmd), argc - cmd);
        /* "--" ends the options: the command follows it. */
        if (cmd + 1 < argc && strcmp(argv[cmd], "--") == 0) {
                memmove(argv + cmd, argv + cmd + 1, sizeof(char *) * (size_t) (argc - cmd - 1));
                argv[--argc] = NULL;
        }
        if (cmd >= argc || strcmp(argv[cmd], "--") == 0) {
                /* No command: main()'s own options, and what is wrong. */
                r = verb_parse_argv(argc, argv, &syntax, NULL);
                if (r >= 0)
                        return r;
                if (optind >= argc)
                        return usage_error("missing command");
                return usage_error("unknown command '%s'", argv[optind]);
        }
        name = argv[cmd];

        words = calloc((size_t) argc + 1, sizeof(char *));
        if (!words) {
                fprintf(stderr, "Out of memory.\n");
                return 1;
        }
        words[n++] = argv[cmd];
        for (int i = 1; i < cmd; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return help();
                if (strcmp(argv[i], "--version") == 0)
                        return show_version(NULL, NULL);
                if (strcmp(argv[i], "--session") == 0)
                        arg_session = true;
                else if (strcmp(argv[i], "--system") == 0)
                        arg_session = false;
                else
                        words[n++] = argv[i];
        }
        for (int i = cmd + 1; i < argc; i++)
                words[n++] = argv[i];

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (strcmp(verbs[i].name, name) != 0)
                        continue;
                /* Let the verb's getopt_long() start afresh on its own words. */
                optind = 0;
                return verbs[i].run(n, words);
        }

        return usage_error("unknown command '%s'", name);
}
