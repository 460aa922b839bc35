/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "paths.h"

#include <stdbool.h>

#include "util/macro.h"

#define POSTURED_BUS_NAME           "org.postured.Posture1"
#define POSTURED_OBJECT_PATH        "/org/postured/Posture1"
#define POSTURED_INTERFACE          "org.postured.Posture1"
#define POSTURED_RECOVERY_INTERFACE "org.postured.Recovery1"

/* The parsed command line: --session (true) or --system (false, the default). */
extern bool arg_session;

/*
 * Verbs. Each gets the command line from the command name on (argv[0] is
 * "status", "monitor", ...), parses its own options, and returns the exit
 * status of the process: 0, 1 for a failure, or a sysexits.h code
 * (EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_IOERR).
 */
int verb_status(int argc, char *argv[]);
int verb_monitor(int argc, char *argv[]);
int verb_calibrate(int argc, char *argv[]);
int verb_analyze(int argc, char *argv[]);
int verb_injury(int argc, char *argv[]);
int verb_recovered(int argc, char *argv[]);
int verb_pain(int argc, char *argv[]);
int verb_symptoms(int argc, char *argv[]);
int verb_ack(int argc, char *argv[]);
int verb_snooze(int argc, char *argv[]);
int verb_record(int argc, char *argv[]);

/**
 * default_catalogue_path() - the advice catalogue: the source tree's when
 * posturectl runs from the build tree, else the installed one.
 */
const char *default_catalogue_path(void);

/** help() - print the help text on stdout. Return: 0, for "return help();". */
int help(void);

/**
 * usage_error() - print "posturectl: MESSAGE" and a hint to --help on stderr.
 *
 * Return: EX_USAGE.
 */
int usage_error(const char *format, ...) _printf_(1, 2);

/**
 * getopt_error() - report what getopt_long() objected to.
 * @c: what getopt_long() returned ('?' or ':'; optstrings start with ':').
 *
 * Return: EX_USAGE.
 */
int getopt_error(int c, char *const argv[]);

/**
 * check_no_arguments() - refuse operands after a command that takes none.
 * Return: 0, or EX_USAGE after saying so.
 */
int check_no_arguments(int argc, char *const argv[]);
