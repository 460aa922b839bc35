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

finish() {
        [ "$_failed" -eq 0 ]
        exit $?
}
