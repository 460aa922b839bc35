#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl's command line, without a daemon: the option loop every verb
# shares (unknown options, missing arguments, too few or too many operands:
# usage errors, 64, naming what is wrong), --system/--session after the
# command, and --help and the manual page documenting the same options.
. "$(dirname "$0")/lib.sh"

# No bus answers: what needs postured fails at once, saying which bus.
export DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/no-session-bus"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/no-system-bus"

ctl() { # ARGS... -> $out (stdout and stderr), $rc
        out=$("$POSTURECTL" "$@" 2>&1)
        rc=$?
}

# usage "what" 'regex' ARGS...: a usage error whose message matches.
usage() {
        local what=$1 regex=$2
        shift 2
        ctl "$@"
        check_eq "$what: exit status 64" 64 "$rc"
        check_match "$what: says so" "$regex" "$out"
}

# --- the global options, before the command.
usage "no command" "^posturectl: missing command" --session
usage "an unknown command" "unknown command 'bogus'" bogus
usage "an unknown global option" "unknown option '--bogus'" --bogus status
ctl --version --bogus
check_eq "--version ends the parsing: exit status 0" 0 "$rc"
check_match "  and prints the version" "^posturectl [0-9]" "$out"

# --- every verb's options, through the one loop.
usage "an unknown long option" "unknown option '--bogus'" status --bogus
usage "an unknown short option" "unknown option '-x'" injury -x
usage "a missing option argument" "option '--context' requires an argument" pain 4 --context
usage "an option of another verb" "option '--json' does not apply to 'calibrate' .only to: status, show, monitor." calibrate --json
usage "an option of another verb, before the command" "option '--value' does not apply to 'calibrate'" --value calibrate
usage "a short option of another verb, before the command" "option '-p' does not apply to 'pain'" -p Posture pain 3
usage "-p without its argument" "option '-p' requires an argument" status -p
ctl --json --system status
check_eq "--json before status is status's option: the bus is tried, exit status 1" 1 "$rc"
check_match "  saying how to start the system service" "systemctl|D-Bus running" "$out"
ctl --session -p Posture show
check_eq "-p NAME before the command takes its argument along: exit status 1 (no bus)" 1 "$rc"
check_match "  on the session bus" "session bus" "$out"
ctl --session -- calibrate
check_eq "-- before the command: the command follows (exit status 1, no bus)" 1 "$rc"
usage "analyze takes no bus option" "unknown option '--session'" analyze --session x.csv
usage "a missing operand" "pain: missing pain LEVEL" pain --context lifting
usage "a missing operand of symptoms" "symptoms: missing symptom NAME" symptoms
usage "a missing FILE" "record: missing FILE" record --duration 2
usage "a missing recording" "analyze: missing the recording" analyze --phase acute
usage "an operand too many" "calibrate: unexpected argument 'extra'" calibrate extra
usage "an operand too many, after options" "pain: unexpected argument '5'" pain 4 --context x 5
usage "an operand too many of record" "record: unexpected argument 'b'" record a b
ctl monitor --json --help
check_eq "a verb's --help: exit status 0" 0 "$rc"
check_match "  and prints the help" "^Commands:" "$out"

# --- --system and --session after the command: the last one counts.
ctl --system calibrate --session
check_eq "calibrate --session without a daemon: exit status 1" 1 "$rc"
check_match "  on the session bus" "session bus" "$out"
ctl --session snooze 30m --system
check_eq "snooze --system without a daemon: exit status 1" 1 "$rc"
check_match "  on the system bus" "system bus" "$out"

# --- --help and posturectl(1) document the same long options and commands:
# the terms of the .TP lists in OPTIONS, and in COMMANDS and RECOVERY COMMANDS.
man_terms() { # FIRST-SECTION LAST-SECTION -> the line after each .TP between them
        sed -n "/^\.SH $1\$/,/^\.SH $2\$/p" man/posturectl.1 | sed -n '/^\.TP/{n;p}'
}
help=$("$POSTURECTL" --help)
help_options=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
man_options=$(man_terms OPTIONS 'EXIT STATUS' | sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z-]*' | sort -u)
check_eq "--help and the manual list the same options" "$man_options" "$help_options"
help_commands=$(printf '%s\n' "$help" | grep -E '^  [a-z]' | awk '{print $1}' | sort -u)
man_commands=$(man_terms COMMANDS OPTIONS | grep -oE '^\.BI? [a-z]+' | awk '{print $2}' | sort -u)
check_eq "--help and the manual list the same commands" "$man_commands" "$help_commands"

finish
