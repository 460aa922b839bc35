#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Health data stays with root and the health group, on a private system bus
# with the project's policy, run by dbus-daemon and by dbus-broker (each in
# turn): while root reports an injury, pain and a red-flag symptom,
#  - a member of the health group that called Recovery1.Subscribe() gets
#    Recovery1's Advice (the acute phase's), Alert and PropertiesChanged;
#  - a user outside the group, listening to everything the daemon sends,
#    gets none of them (its Subscribe() is refused), but Posture1's;
#  - a process of a user whose group (by the user database) is the health
#    group, but that dropped it, is refused: the daemon goes by the groups
#    the bus reports for the connection, not by the user database.
# The health group here is "mail" (uid and gid 8 on every Debian system),
# given to the daemon with [Bus] HealthGroup= and to the bus with a copy of
# the policy's group="postured" part.
. "$(dirname "$0")/lib.sh"

OBJ=/org/postured/Posture1
mail_gid=$(getent group mail | cut -d: -f3)
if [ "$(id -u)" -ne 0 ] || [ "$mail_gid" != 8 ] || ! command -v setpriv >/dev/null ||
        ! command -v dbus-broker-launch >/dev/null || ! command -v systemd-socket-activate >/dev/null ||
        ! unshare -m --propagation private true 2>/dev/null; then
        not_ok "prerequisites: root, unshare -m, setpriv, the group mail (gid 8), dbus-broker, systemd-socket-activate"
        finish
fi

printf '[Bus]\nHealthGroup=mail\n' >"$TMP/privacy.conf"
# The monitors' --ready files, which other users write.
READY=$(mktemp -d)
chmod 1777 "$READY"
_exit_hooks+=('rm -rf "$READY"')

as_outsider() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_member() { setpriv --reuid=mail --regid=mail --clear-groups "$@"; }
# mail's primary group by /etc/passwd is mail; this process has given it up.
as_dropped() { setpriv --reuid=mail --regid=nogroup --clear-groups "$@"; }
# nobody, not in mail by the user database, but with it as a group of its own.
as_granted() { setpriv --reuid=nobody --regid=nogroup --groups="$mail_gid" "$@"; }

# start_bus dbus-daemon|dbus-broker: the private system bus (lib.sh's
# configuration and a health-group policy for mail); sets BUS_PID.
start_bus() {
        system_bus_config
        sed 's/group="postured"/group="mail"/' "$top/dbus/org.postured.Posture1.conf" \
                >"$SYSDIR/mail.conf"
        sed -i "s|</busconfig>|  <include>$SYSDIR/mail.conf</include>\n</busconfig>|" "$SYSDIR/system.conf"
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYSDIR/socket"
        if [ "$1" = dbus-daemon ]; then
                dbus-daemon --config-file="$SYSDIR/system.conf" --fork --print-pid=3 \
                        3>"$SYSDIR/pid" 2>"$SYSDIR/bus.log"
                BUS_PID=$(cat "$SYSDIR/pid")
        else
                # dbus-broker-launch logs to the journal's socket and takes
                # its listening socket from systemd: a socket that drains
                # the log on a /run/systemd of its own, and
                # systemd-socket-activate.
                mkdir -p "$SYSDIR/run/journal"
                /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").write("ready")
while True:
    s.recv(1 << 20)' "$SYSDIR/run/journal/socket" "$SYSDIR/sink.ready" &
                _pids+=($!)
                wait_for_file "$SYSDIR/sink.ready" $! || return 1
                unshare -m --propagation private sh -c \
                        'mount --bind "$1/run" /run/systemd && shift && exec "$@"' sh "$SYSDIR" \
                        systemd-socket-activate -E "DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS" \
                        -l "$SYSDIR/socket" dbus-broker-launch --scope system \
                        --config-file "$SYSDIR/system.conf" >"$SYSDIR/bus.log" 2>&1 &
                BUS_PID=$!
                poll_until -p "$BUS_PID" 5 "the broker's socket" test -S "$SYSDIR/socket" || return 1
                chmod 666 "$SYSDIR/socket"
        fi
        _pids+=("$BUS_PID")
        busctl --system list >/dev/null 2>&1
}

sys_wait() {
        "$BUS_WAIT" --system --timeout "$WAIT_TIMEOUT" --pid "$DAEMON_PID" --log "$TMP/sys.log" "$@"
}

# monitor NAME AS...: a monitor of everything the daemon sends, subscribed
# to Recovery1 where allowed, run by AS (a setpriv function, or env).
monitor() {
        local out="$TMP/$1.json" ready="$READY/$1"
        shift
        rm -f "$ready"
        "$@" "$BUS_WAIT" --system --subscribe --ready "$ready" monitor >"$out" 2>"$out.err" &
        _pids+=($!)
        wait_for_file "$ready" $! || { cat "$out.err" >&2; return 1; }
}

rcall() { # METHOD ARGS... as root
        gdbus call --system -d org.postured.Posture1 -o $OBJ -m "org.postured.Recovery1.$1" "${@:2}" 2>&1
}

get_pain() { # the answer to Get(Recovery1, LastPain)
        "$@" gdbus call --system -d org.postured.Posture1 -o $OBJ \
                -m org.freedesktop.DBus.Properties.Get org.postured.Recovery1 LastPain 2>&1
}

# health_signals FILE: Recovery1's signals and PropertiesChanged in FILE.
health_signals() {
        jq -c 'select(.interface == "org.postured.Recovery1" or
                (.signal == "PropertiesChanged" and .arg0 == "org.postured.Recovery1"))' "$1"
}

for broker in dbus-daemon dbus-broker; do
        check "$broker: the private system bus runs" start_bus "$broker"
        "$POSTURED" --system --config "$TMP/privacy.conf" \
                --source "replay:$DATA/moving.csv?speed=1" >"$TMP/sys.log" 2>&1 &
        DAEMON_PID=$!
        track_daemon "$DAEMON_PID" "$TMP/sys.log"
        check "$broker: postured serves it" sys_wait name

        monitor outsider as_outsider
        monitor member as_member
        monitor dropped as_dropped
        monitor root env
        check_eq "$broker: the health group may subscribe" ok \
                "$(first_signal "$TMP/member.json" Subscribed .result)"
        check_match "$broker: a user outside the group may not subscribe" 'AccessDenied' \
                "$(first_signal "$TMP/outsider.json" Subscribed .result)"
        check_match "$broker: a process that dropped the group may not subscribe" \
                "AccessDenied|only for root and the group 'mail'" \
                "$(first_signal "$TMP/dropped.json" Subscribed .result)"

        check_eq "$broker: root reports an injury" "()" "$(rcall ReportInjury 0)"
        check_eq "$broker: root reports pain" "()" "$(rcall ReportPain 6 "lifting")"
        check_eq "$broker: root reports a red-flag symptom" "()" "$(rcall ReportSymptoms "['fever']")"
        check "$broker: the member gets the alert" quietly poll_until 10 "the Alert at the member" \
                jq -se 'any(.[]; .signal == "Alert")' "$TMP/member.json"
        check "$broker: root gets the alert" quietly poll_until 10 "the Alert at root" \
                jq -se 'any(.[]; .signal == "Alert")' "$TMP/root.json"
        # Everything the daemon sent before is routed before this mark.
        gdbus emit --system --object-path $OBJ --signal org.postured.Test.Mark "'$broker'" >/dev/null
        for who in outsider dropped; do
                poll_until 10 "the mark at the $who" \
                        jq -e 'select(.signal == "Mark")' "$TMP/$who.json" >/dev/null
        done

        check "$broker: the member gets the acute phase's advice on Recovery1, with its category" \
                quietly jq -se 'any(.[]; .signal == "Advice" and .interface == "org.postured.Recovery1"
                        and (.id | startswith("acute-")) and .category != null)' "$TMP/member.json"
        check "$broker: the member gets Recovery1's PropertiesChanged (names only)" \
                quietly jq -se 'any(.[]; .signal == "PropertiesChanged" and .arg0 == "org.postured.Recovery1"
                        and (.arg2 | index("LastPain")) and .arg1 == {})' "$TMP/member.json"
        check_eq "$broker: no phase advice on Posture1" "" \
                "$(jq -c 'select(.signal == "Advice" and .interface == "org.postured.Posture1"
                        and (.id | startswith("acute-")))' "$TMP/member.json")"
        check_eq "$broker: the outsider gets no Recovery1 signal nor PropertiesChanged" "" \
                "$(health_signals "$TMP/outsider.json")"
        check "$broker: ... but it does get the daemon's Posture1 signals" \
                quietly jq -se 'any(.[]; .signal == "PropertiesChanged" and .arg0 == "org.postured.Posture1")' \
                "$TMP/outsider.json"
        check_eq "$broker: the process that dropped the group gets none either" "" \
                "$(health_signals "$TMP/dropped.json")"

        check_match "$broker: the health group may read LastPain" '\(uint32 6, uint64 [0-9]+\)' \
                "$(get_pain as_member)"
        check_match "$broker: a process that dropped the group may not" \
                "AccessDenied.*only for root and the group 'mail'" "$(get_pain as_dropped)"
        check_match "$broker: a process given the group may, whatever the user database says" \
                '\(uint32 6, uint64 [0-9]+\)' "$(get_pain as_granted)"
        check_match "$broker: a user outside the group may not" \
                "AccessDenied.*only for root and the group 'mail'" "$(get_pain as_outsider)"

        kill -TERM "$DAEMON_PID"
        wait_daemon
        check_eq "$broker: postured exits 0" 0 "$rc"
        kill "$BUS_PID" 2>/dev/null
        wait "$BUS_PID" 2>/dev/null
        rm -rf "$SYSDIR"
done

finish
