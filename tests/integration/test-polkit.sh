#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Calibrate, Snooze and StartRecording on the system bus are polkit actions
# (polkit/org.postured.policy): on a private system bus with the project's
# policy, Debian's polkitd (run as its user, with the project's actions as
# the only ones, in a mount namespace of its own) answers postured's
# CheckAuthorization. The test's users are in no login session (no logind
# here), so the defaults for "any" apply: with the shipped file (no), a
# user other than root is refused; root is never asked. With a copy that
# allows "any", the same user is let through by polkit. Without polkitd,
# postured refuses (it cannot ask).
. "$(dirname "$0")/lib.sh"

OBJ=/org/postured/Posture1
POLKITD=/usr/lib/polkit-1/polkitd
if [ "$(id -u)" -ne 0 ] || [ ! -x "$POLKITD" ] || ! id polkitd >/dev/null 2>&1 ||
        ! unshare -m --propagation private true 2>/dev/null; then
        not_ok "prerequisites: root, unshare -m, polkitd (the package and its user)"
        finish
fi

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" 2>&1; }
call() { # WHO METHOD ARGS...: Posture1.METHOD on the system bus as WHO (as_nobody or env)
        "$1" gdbus call --system -d org.postured.Posture1 -o $OBJ -m "org.postured.Posture1.$2" \
                "${@:3}" 2>&1
}

# start_polkitd ACTIONS_DIR: polkitd (which becomes its user), seeing ACTIONS_DIR as
# /usr/share/polkit-1/actions; sets POLKIT_PID once it owns its name.
start_polkitd() {
        unshare -m --propagation private sh -c \
                'mount --bind "$1" /usr/share/polkit-1/actions && shift && exec "$@"' sh "$1" \
                "$POLKITD" --no-debug \
                >"$TMP/polkitd.log" 2>&1 &
        POLKIT_PID=$!
        _pids+=("$POLKIT_PID")
        poll_until -p "$POLKIT_PID" 20 "polkitd on the bus" \
                busctl --system status org.freedesktop.PolicyKit1 >/dev/null 2>&1
}

stop_polkitd() {
        kill "$POLKIT_PID" 2>/dev/null
        wait "$POLKIT_PID" 2>/dev/null
}

# The bus: lib.sh's, with polkit's own policy.
system_bus_config
sed -i "s|</busconfig>|  <include>/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>\n</busconfig>|" \
        "$SYSDIR/system.conf"
_exit_hooks+=('rm -rf "$SYSDIR"')
dbus-daemon --config-file="$SYSDIR/system.conf" --fork --print-pid=3 3>"$SYSDIR/pid" 2>"$SYSDIR/dbus.log"
_pids+=($(cat "$SYSDIR/pid"))
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYSDIR/socket"

mkdir -p "$TMP/actions" "$TMP/actions-any"
cp "$top/polkit/org.postured.policy" "$TMP/actions/"
sed 's|<allow_any>no</allow_any>|<allow_any>yes</allow_any>|' "$top/polkit/org.postured.policy" \
        >"$TMP/actions-any/org.postured.policy"
check "the policy file is well-formed XML with the three actions" \
        test "$(python3 -c 'import sys, xml.etree.ElementTree as E
print(" ".join(a.get("id") for a in E.parse(sys.argv[1]).getroot().iter("action")))' \
                "$top/polkit/org.postured.policy")" = \
        "org.postured.calibrate org.postured.snooze org.postured.record"

"$POSTURED" --system --source "replay:$DATA/moving.csv?speed=0" >"$TMP/sys.log" 2>&1 &
DAEMON_PID=$!
track_daemon "$DAEMON_PID" "$TMP/sys.log"
check "postured serves the system bus" \
        "$BUS_WAIT" --system --timeout "$WAIT_TIMEOUT" --pid "$DAEMON_PID" --log "$TMP/sys.log" name

# --- No polkitd: nobody may not, root may.
check_match "without polkitd: nobody may not snooze" "AccessDenied.*polkit cannot be asked" \
        "$(call as_nobody Snooze 60)"
check_eq "without polkitd: root may snooze (never asked)" "()" "$(call env Snooze 0)"

# --- The shipped defaults: outside an active session, no.
check "polkitd runs with the shipped actions" start_polkitd "$TMP/actions"
for m in "Calibrate" "Snooze 60" "StartRecording"; do
        # shellcheck disable=SC2086
        check_match "shipped policy: nobody may not ${m%% *}" \
                "AccessDenied.*Not allowed by polkit \(org\.postured\.(calibrate|snooze|record)\)" \
                "$(call as_nobody $m)"
done
check_eq "shipped policy: root may snooze" "()" "$(call env Snooze 0)"
check_match "shipped policy: root may calibrate (or is told why not)" '^\(\)$|NotStill|NoData' \
        "$(call env Calibrate)"

# --- A caller repeating itself does not flood the log: at most 10 lines a
# minute from one place, then a count of those left out.
for i in $(seq 30); do
        busctl --system call org.postured.Posture1 $OBJ org.postured.Posture1 Snooze u 0
done
n=$(grep -c 'Snooze cancelled' "$TMP/sys.log")
check_in_range "30 Snooze calls: 10 log lines or fewer" "$n" 1 10
stop_polkitd

# --- A policy that allows anyone: polkit lets the same user through.
check "polkitd runs with actions allowing anyone" start_polkitd "$TMP/actions-any"
check_eq "allowing policy: nobody may snooze" "()" "$(call as_nobody Snooze 60)"
check_match "allowing policy: nobody's StartRecording gets a pipe" 'handle|\(<?h' \
        "$(call as_nobody StartRecording)"
stop_polkitd

kill -TERM "$DAEMON_PID"
wait_daemon
check_eq "postured exits 0" 0 "$rc"
finish
