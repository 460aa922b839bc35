# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the integration tests. Each check prints "ok N - what"
# or "not ok N - what"; tests/run-tests counts them. Sourced, not run.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
POSTURED="$top/$BUILD/postured"
POSTURECTL="$top/$BUILD/posturectl"
PLUGINS="$top/$BUILD/plugins"
DATA="$top/tests/data"
TMP=$(mktemp -d)
_n=0
_failed=0
_pids=()
# Daemons started in the background (track_daemon), and those whose exit
# status the test has looked at (stop_daemon, wait_daemon).
_daemons=()
declare -A _daemon_checked=()
# Commands cleanup runs after its checks (a test's own clean-up).
_exit_hooks=()

# Sanitizer reports (make check SANITIZE=1) of every process a test starts,
# however it starts it (daemons as root or as another user, posturectl), go
# to files here instead of their stderr; cleanup fails the test on any.
# (Not under umockdev's LD_PRELOAD, where opening the file at start crashes
# the sanitizer: there log_path=stderr sends them to stderr, the daemon's
# log, which is checked when the daemon's exit is seen.)
SANITIZER_DIR=$(mktemp -d /tmp/postured-sanitizer.XXXXXX)
chmod 1777 "$SANITIZER_DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SANITIZER_DIR/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$SANITIZER_DIR/ubsan"

# track_daemon PID [LOG]: a postured the test started in the background
# (start_daemon and start_system_bus call it). Its exit status must be
# looked at (stop_daemon, wait_daemon); cleanup stops one still running and
# fails the test when one the test left alone exits other than 0.
declare -A _daemon_logs=()
track_daemon() {
        _daemons+=("$1")
        _pids+=("$1")
        _daemon_logs[$1]=${2:-}
}

# _daemon_exited PID: a tracked daemon has exited: no sanitizer report in
# its log (reports that went there rather than to SANITIZER_DIR).
_daemon_exited() {
        local log=${_daemon_logs[$1]:-}
        _daemon_checked[$1]=1
        [ -n "$log" ] && [ -f "$log" ] || return 0
        if grep -q 'runtime error\|AddressSanitizer\|LeakSanitizer' "$log"; then
                sed 's/^/# daemon: /' "$log" >&2
                not_ok "postured (pid $1): sanitizer report in its log"
        fi
}

# wait_daemon [PID]: wait until the daemon (DAEMON_PID) exits; its status
# is in rc (and returned), for the test to check.
wait_daemon() {
        local pid=${1:-$DAEMON_PID}
        wait "$pid"
        rc=$?
        _daemon_exited "$pid"
        return $rc
}

# _end_daemon PID: SIGTERM to a daemon still running, SIGKILL after 30 s;
# its exit status.
_end_daemon() {
        local i
        kill -TERM "$1" 2>/dev/null
        for ((i = 0; i < 600; i++)); do
                kill -0 "$1" 2>/dev/null || break
                sleep 0.05
        done
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
}

# The checks every test ends with, whatever it did: each daemon whose exit
# status the test did not look at exited 0 (stopped here if still running),
# and no process left a sanitizer report.
_final_checks() {
        local pid st log f bad=0
        for pid in "${_daemons[@]:-}"; do
                [ -n "$pid" ] && [ -z "${_daemon_checked[$pid]:-}" ] || continue
                _end_daemon "$pid"
                st=$?
                _daemon_exited "$pid"
                if [ "$st" -ne 0 ]; then
                        bad=1
                        not_ok "postured (pid $pid) exited with status $st, unchecked by the test"
                        log=${_daemon_logs[$pid]:-}
                        [ -n "$log" ] && [ -f "$log" ] && tail -n 15 "$log" | sed 's/^/#   /'
                fi
        done
        [ "$bad" -eq 0 ] && [ ${#_daemons[@]} -gt 0 ] && ok "every daemon exited with status 0"
        for pid in "${_pids[@]:-}"; do
                [ -n "$pid" ] && kill "$pid" 2>/dev/null
        done
        wait 2>/dev/null
        check_no_sanitizer_report
}

cleanup() {
        local rc=$? f
        _final_checks
        [ "$_failed" -eq 0 ] || rc=1
        for f in "${_exit_hooks[@]:-}"; do
                [ -n "$f" ] && eval "$f"
        done
        rm -rf "$SANITIZER_DIR"
        # POSTURED_TEST_KEEP=1 keeps the logs for a look after a failure.
        if [ -n "${POSTURED_TEST_KEEP:-}" ]; then
                echo "# logs kept in $TMP"
        else
                rm -rf "$TMP"
        fi
        exit "$rc"
}
trap cleanup EXIT

ok() {
        _n=$((_n + 1))
        echo "ok $_n - $*"
}

not_ok() {
        _n=$((_n + 1))
        _failed=$((_failed + 1))
        echo "not ok $_n - $*"
}

# check "what" command...: ok when the command succeeds.
check() {
        local what=$1
        shift
        if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# quietly COMMAND...: COMMAND without its standard output (for check).
quietly() {
        "$@" >/dev/null
}

# check_eq "what" expected actual
check_eq() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1 (expected '$2', got '$3')"
        fi
}

# in_range VALUE LO HI: VALUE is a number within LO..HI.
in_range() {
        awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'
}

# check_in_range "what" VALUE LO HI
check_in_range() {
        if in_range "$2" "$3" "$4"; then
                ok "$1 ($2)"
        else
                not_ok "$1 (expected $3..$4, got '$2')"
        fi
}

# check_match "what" regex text
check_match() {
        if printf '%s' "$3" | grep -Eq -- "$2"; then
                ok "$1"
        else
                not_ok "$1 ('$3' does not match /$2/)"
        fi
}

# The binaries find the source tree's conf/ and the build's plugins
# themselves (daemon/util/build-tree.c): the tests give a --config only where
# they need one, and --plugin-dir only to point elsewhere.

BUS_WAIT="$top/tests/tools/bus-wait.py"
# Seconds a wait allows before it fails; the sanitizer build is slower.
WAIT_TIMEOUT=${POSTURED_TEST_TIMEOUT:-30}
DAEMON_PID=
DAEMON_LOG="$TMP/daemon.log"

# Run postured in the foreground until it exits (timeout bounds one that
# would not); sets rc and err (its stderr).
run_daemon() {
        err=$(timeout 20 "$POSTURED" --session "$@" 2>&1 >/dev/null)
        rc=$?
}

# Start postured in the background on the session bus; sets DAEMON_PID.
start_daemon() {
        "$POSTURED" --session "$@" >"$DAEMON_LOG" 2>&1 &
        DAEMON_PID=$!
        track_daemon "$DAEMON_PID" "$DAEMON_LOG"
}

# bus_wait [OPTIONS] COMMAND ARGS...: tests/tools/bus-wait.py on the session
# bus, driven by D-Bus signals; fails after WAIT_TIMEOUT seconds saying what
# it waited for, and at once, with the end of the daemon's log, when the
# daemon (DAEMON_PID) has exited.
bus_wait() {
        "$BUS_WAIT" --timeout "$WAIT_TIMEOUT" ${DAEMON_PID:+--pid "$DAEMON_PID"} \
                --log "$DAEMON_LOG" "$@"
}

# Wait until the daemon owns its name.
wait_for_name() {
        bus_wait name
}

# Wait until the name is free again (a daemon that was stopped has left).
wait_for_name_gone() {
        bus_wait gone
}

# stop_daemon: SIGTERM, then wait until it has exited and left the bus (so
# that the next daemon's name is not taken for it). Returns the daemon's
# exit status, also kept in STOP_RC; a status other than 0 fails the test.
# The milliseconds from SIGTERM to its exit are in STOP_MS, its log is added
# to $TMP/all-daemons.log.
stop_daemon() {
        local start
        start=$(date +%s%N)
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID"
        STOP_RC=$?
        STOP_MS=$((($(date +%s%N) - start) / 1000000))
        _daemon_exited "$DAEMON_PID"
        cat "$DAEMON_LOG" >>"$TMP/all-daemons.log"
        if [ "$STOP_RC" -ne 0 ]; then
                not_ok "postured (pid $DAEMON_PID) exited with status $STOP_RC on SIGTERM"
                daemon_log_tail
        fi
        wait_for_name_gone
        return $STOP_RC
}

# cpu_ticks PID: the clock ticks of CPU time (user + system) PID has used.
cpu_ticks() {
        awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# check_cpu_under "what" SECONDS PID TICKS: PID uses fewer than TICKS clock
# ticks of CPU in the next SECONDS. A window of wall time, for what must NOT
# happen (spinning while no data comes), where there are no samples to
# count by; fails when PID is not running all along.
check_cpu_under() {
        local t0 t1
        t0=$(cpu_ticks "$3" 2>/dev/null)
        sleep "$2"
        t1=$(cpu_ticks "$3" 2>/dev/null)
        if [ -z "$t0" ] || [ -z "$t1" ]; then
                not_ok "$1 (process $3 is not running)"
        elif [ $((t1 - t0)) -lt "$4" ]; then
                ok "$1 ($((t1 - t0)) ticks in $2 s)"
        else
                not_ok "$1 ($((t1 - t0)) ticks in $2 s, expected fewer than $4)"
        fi
}

# The end of the daemon's log, as comments.
daemon_log_tail() {
        echo "# the end of $DAEMON_LOG:"
        tail -n 15 "$DAEMON_LOG" | sed 's/^/#   /'
}

# poll_until [-p PID]... SECONDS "what" COMMAND...: for what sends no signal
# (a file appearing, a process exiting): run COMMAND every 50 ms until it
# succeeds. Fails after SECONDS saying what it waited for, and at once when
# a process PID or the daemon (if it was running at the start) has exited.
poll_until() {
        local pids=() limit what end pid
        while [ "$1" = -p ]; do
                pids+=("$2")
                shift 2
        done
        [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null && pids+=("$DAEMON_PID")
        limit=$1 what=$2
        shift 2
        end=$(($(date +%s%N) + limit * 1000000000))
        until "$@"; do
                for pid in "${pids[@]}"; do
                        kill -0 "$pid" 2>/dev/null && continue
                        echo "# process $pid exited while waiting for $what"
                        [ "$pid" = "$DAEMON_PID" ] && daemon_log_tail
                        return 2
                done >&2
                if [ "$(date +%s%N)" -ge "$end" ]; then
                        echo "# timed out after $limit s waiting for $what" >&2
                        return 1
                fi
                sleep 0.05
        done
}

# wait_for_file FILE PID [SECONDS]: until process PID has written FILE (it
# exists, not empty).
wait_for_file() {
        poll_until -p "$2" "${3:-$WAIT_TIMEOUT}" "$1 to appear" test -s "$1"
}

# prop NAME [INTERFACE] -> the property's value from busctl's JSON: strings
# bare, anything else as JSON (true, 39.8, [4,1733000000000000], ["red-flag"]).
prop() {
        busctl --user --json=short get-property org.postured.Posture1 /org/postured/Posture1 \
                "${2:-org.postured.Posture1}" "$1" |
                jq -r '.data | if type == "string" then . else tojson end'
}

# wait_for_prop NAME VALUE [SECONDS]: until property NAME reads VALUE.
wait_for_prop() {
        bus_wait --timeout "${3:-$WAIT_TIMEOUT}" prop "$1" "$2" >/dev/null
}

# start_monitor FILE [MEMBER...]: the daemon's signals (those named, or all)
# as JSON Lines in FILE, from the moment this returns; sets MONITOR_PID.
# With --until-gone first, the monitor exits 0 once the daemon has left the
# bus, after its last signal: `wait "$MONITOR_PID"` then has them all.
start_monitor() {
        local out=$1
        shift
        rm -f "$out.ready"
        "$BUS_WAIT" --ready "$out.ready" monitor "$@" >"$out" 2>"$out.err" &
        MONITOR_PID=$!
        _pids+=("$MONITOR_PID")
        wait_for_file "$out.ready" "$MONITOR_PID" || { cat "$out.err" >&2; return 1; }
}

# analyze_kinds: the kinds of the events in posturectl analyze's JSON Lines
# on stdin, on one line; analyze_events: the events themselves, one a line.
analyze_kinds() {
        jq -r 'select(.type == "event") | .kind' | tr '\n' ' '
}
analyze_events() {
        jq -c 'select(.type == "event")'
}

# sync_monitor FILE PID: until the monitor PID writing FILE has caught up
# with the bus: it has every signal the daemon sent before this was called
# (a marker signal sent now reaches it after them).
_marks=0
sync_monitor() {
        _marks=$((_marks + 1))
        gdbus emit --session --object-path /org/postured/Posture1 \
                --signal org.postured.Test.Mark "'$_marks'" >/dev/null || return 1
        poll_until -p "$2" "$WAIT_TIMEOUT" "the monitor to catch up" \
                jq -e --arg n "$_marks" 'select(.signal == "Mark" and .mark == $n)' "$1" >/dev/null
}

# first_signal FILE MEMBER JQ: JQ of the first MEMBER signal a monitor caught.
first_signal() {
        jq -rs --arg m "$2" "[.[] | select(.signal == \$m)][0] | $3" "$1"
}

# signals FILE MEMBER [JQ]: the values (JQ, default the whole object) of the
# MEMBER signals a monitor caught, one a line.
signals() {
        jq -r --arg m "$2" "select(.signal == \$m) | ${3:-.}" "$1"
}

# start_system_bus: a private bus of type system with the default policy of
# Debian's system.conf and postured's own policy file; exports
# DBUS_SYSTEM_BUS_ADDRESS and starts postured on it (DAEMON_PID); the
# directory is world-readable so that other users (setpriv) can connect.
start_system_bus() {
        system_bus_config
        dbus-daemon --config-file="$SYSDIR/system.conf" --fork --print-pid=3 3>"$SYSDIR/pid" \
                2>"$SYSDIR/dbus.log"
        _pids+=($(cat "$SYSDIR/pid"))
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYSDIR/socket"
        "$POSTURED" --system --source "replay:$DATA/moving.csv?speed=0" >"$TMP/sys.log" 2>&1 &
        DAEMON_PID=$!
        track_daemon "$DAEMON_PID" "$TMP/sys.log"
        "$BUS_WAIT" --system --timeout "$WAIT_TIMEOUT" --pid "$DAEMON_PID" --log "$TMP/sys.log" name
}

# system_bus_config: the configuration of start_system_bus's bus in
# $SYSDIR/system.conf (SYSDIR a new world-readable directory; the socket
# $SYSDIR/socket), for a test that starts the bus itself.
system_bus_config() {
        SYSDIR=$(mktemp -d)
        chmod 755 "$SYSDIR"
        cat >"$SYSDIR/system.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$SYSDIR/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>$top/dbus/org.postured.Posture1.conf</include>
</busconfig>
XML
}

# stop_system_bus: SIGTERM to the daemon (its exit status other than 0
# fails the test), then the end of the bus.
stop_system_bus() {
        kill -TERM "$DAEMON_PID"
        wait_daemon
        [ "$rc" -eq 0 ] || not_ok "postured (pid $DAEMON_PID) on the system bus exited with status $rc"
        kill "$(cat "$SYSDIR/pid")" 2>/dev/null
        rm -rf "$SYSDIR"
}

# check_no_sanitizer_report: no report from ASan, LSan (leaks at exit) or
# UBSan of any process so far (under SANITIZE=1; printed when there is one).
# cleanup runs it at the end of every test.
check_no_sanitizer_report() {
        local f reports=()
        for f in "$SANITIZER_DIR"/*; do
                [ -s "$f" ] && reports+=("$f")
        done
        if [ ${#reports[@]} -gt 0 ]; then
                for f in "${reports[@]}"; do
                        echo "# $(basename "$f"):"
                        sed 's/^/#   /' "$f"
                        rm -f "$f"
                done >&2
                not_ok "no sanitizer report (${#reports[@]} found)"
        else
                ok "no sanitizer report"
        fi
}

finish() {
        [ "$_failed" -eq 0 ]
        exit $?
}
