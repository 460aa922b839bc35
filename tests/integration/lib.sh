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

cleanup() {
        for p in "${_pids[@]:-}"; do
                [ -n "$p" ] && kill "$p" 2>/dev/null
        done
        wait 2>/dev/null
        # POSTURED_TEST_KEEP=1 keeps the logs for a look after a failure.
        if [ -n "${POSTURED_TEST_KEEP:-}" ]; then
                echo "# logs kept in $TMP"
        else
                rm -rf "$TMP"
        fi
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

# check_eq "what" expected actual
check_eq() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1 (expected '$2', got '$3')"
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

# The tests' configuration: the advice catalogue of the source tree.
TESTCONF="$TMP/test.conf"
printf '[Advice]\nCatalogue=%s/conf/advice.conf\n' "$top" >"$TESTCONF"

# Start postured in the background on the session bus; sets DAEMON_PID.
# A --config among the arguments replaces the tests' configuration.
start_daemon() {
        "$POSTURED" --session --plugin-dir "$PLUGINS" --config "$TESTCONF" "$@" \
                >"$TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
        _pids+=("$DAEMON_PID")
}

# Wait until the daemon owns its name (up to ~10 s).
wait_for_name() {
        for _ in $(seq 100); do
                busctl --user status org.postured.Posture1 >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

prop() { # NAME -> value as busctl prints it, without the type
        busctl --user get-property org.postured.Posture1 /org/postured/Posture1 \
                org.postured.Posture1 "$1" | cut -d' ' -f2- | tr -d '"'
}

# Wait until property $1 equals $2 (up to ~20 s).
wait_for_prop() {
        for _ in $(seq 200); do
                [ "$(prop "$1" 2>/dev/null)" = "$2" ] && return 0
                sleep 0.1
        done
        return 1
}

# start_system_bus: a private bus of type system with the default policy of
# Debian's system.conf and postured's own policy file; exports
# DBUS_SYSTEM_BUS_ADDRESS and starts postured on it (DAEMON_PID); the
# directory is world-readable so that other users (setpriv) can connect.
start_system_bus() {
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
        dbus-daemon --config-file="$SYSDIR/system.conf" --fork --print-pid=3 3>"$SYSDIR/pid" \
                2>"$SYSDIR/dbus.log"
        _pids+=($(cat "$SYSDIR/pid"))
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYSDIR/socket"
        "$POSTURED" --system --plugin-dir "$PLUGINS" --config "$TESTCONF" \
                --source "replay:$DATA/moving.csv?speed=0" >"$TMP/sys.log" 2>&1 &
        DAEMON_PID=$!
        _pids+=($DAEMON_PID)
        for _ in $(seq 100); do
                busctl --system status org.postured.Posture1 >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

stop_system_bus() {
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID"
        kill "$(cat "$SYSDIR/pid")" 2>/dev/null
        rm -rf "$SYSDIR"
}

finish() {
        [ "$_failed" -eq 0 ]
        exit $?
}
