/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "paths.h"

#include <limits.h>
#include <stdbool.h>

#include "abi/bus-names.h"
#include "util/macro.h"

/* The parsed command line: --session (true) or --system (false, the default). */
extern bool arg_session;

/*
 * Verbs. Each gets the command line from the command name on (argv[0] is
 * "status", "monitor", ...), parses its own options with verb_parse_argv(),
 * and returns the exit status of the process: 0, 1 for a failure, or a
 * sysexits.h code (EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_IOERR).
 */
int verb_status(int argc, char *argv[]);
int verb_calibrate(int argc, char *argv[]);
int verb_snooze(int argc, char *argv[]);
int verb_monitor(int argc, char *argv[]);
int verb_analyze(int argc, char *argv[]);
int verb_injury(int argc, char *argv[]);
int verb_recovered(int argc, char *argv[]);
int verb_pain(int argc, char *argv[]);
int verb_symptoms(int argc, char *argv[]);
int verb_ack(int argc, char *argv[]);
int verb_record(int argc, char *argv[]);
int verb_show(int argc, char *argv[]);

/* What verb_parse_argv() and a VerbOption's @parse return to let the verb go on. */
#define VERB_GO_ON (-1)

/* VerbOperands.max of a verb that takes any number of operands. */
#define OPERANDS_ANY UINT_MAX

/* One long option of a verb, besides --help (and --system, --session). */
typedef struct VerbOption {
        const char *name;
        int has_arg; /* no_argument or required_argument, as for getopt_long() */
        /* What it does, the first that is set: */
        bool *flag;       /* set to true */
        const char **arg; /* set to the argument */
        /* called with the argument (NULL without one): VERB_GO_ON, or an exit status */
        int (*parse)(const char *arg, void *userdata);
        char short_name; /* 'p' for -p, or 0 */
} VerbOption;

/* How many operands a verb takes, and what "VERB: missing WHAT" calls them. */
typedef struct VerbOperands {
        unsigned min, max;
        const char *what;
} VerbOperands;

/* The command line of a verb. */
typedef struct VerbSyntax {
        const VerbOption *options; /* ends with {}; NULL for none */
        bool bus;                  /* takes --system and --session */
        bool stop_at_operand;      /* options only before the first operand */
        VerbOperands operands;
} VerbSyntax;

/* The syntax of a verb without options of its own or operands. */
extern const VerbSyntax verb_syntax_plain;

/* The one option loop of posturectl, for main() and every verb. */
int verb_parse_argv(int argc, char *argv[], const VerbSyntax *syntax, void *userdata);

/* The advice catalogue analyze uses by default. */
const char *default_catalogue_path(void);

/* Print the help text. Return: 0, for "return help();". */
int help(void);

/* "posturectl: MESSAGE" and a hint to --help on stderr. Return: EX_USAGE. */
int usage_error(const char *format, ...) _printf_(1, 2);

/* Flush standard output, saying so when that fails. Return: 0 or EX_IOERR. */
int finish_output(void);
