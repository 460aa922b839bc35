#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What widgets and status bars read (issue 12): the properties StillSince,
# SnoozedUntil (with PropertiesChanged at Snooze() and when it ends),
# LastEvent and Version; `status --json` (one object, then exit); `show`,
# -p and --value; options before the command; `monitor --format=waybar|
# i3bar|i3blocks` checked line by line against each bar's protocol through a
# work session with an extreme bend; and the shipped examples in contrib/.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
CHECK_BAR="$top/tests/tools/check-bar.py"
ctl() { # ARGS... -> $out (stdout and stderr), $rc
        out=$("$POSTURECTL" "$@" 2>&1)
        rc=$?
}

# --- The bars, started before the daemon: each says "off", then follows a
# work session that holds an extreme bend, and exits with the daemon.
for f in waybar i3bar i3blocks; do
        "$POSTURECTL" --session monitor --format=$f --exit-with-daemon >"$TMP/$f.out" 2>"$TMP/$f.err" &
        eval "${f}_pid=$!"
        _pids+=("$!")
done
for f in waybar i3bar i3blocks; do
        pid_var=${f}_pid
        check "monitor --format=$f says postured is off before it starts" \
                poll_until -p "${!pid_var}" "$WAIT_TIMEOUT" "$f to say off" grep -q 'posture: off' "$TMP/$f.out"
done
start_daemon --exit-on-eof --source "replay:$DATA/work-session.csv?speed=60"
for f in waybar i3bar i3blocks; do
        pid_var=${f}_pid
        wait "${!pid_var}"
        check_eq "monitor --format=$f --exit-with-daemon: exit status 0" 0 "$?"
        check "  every line is the $f protocol (three states at least)" \
                quietly "$PY" "$CHECK_BAR" --min-lines 3 "$f" "$TMP/$f.out"
done
DAEMON_PID=
check "waybar: the extreme bend has the classes extreme-flexion and critical" \
        quietly jq -e -s 'any(.[]; (.class | index("critical")) and ((.class | index("extreme-flexion")) or (.class | index("extreme_flexion"))))' "$TMP/waybar.out"
check "waybar: percentage follows StrainLevel (above 0 at some point)" \
        quietly jq -e -s 'any(.[]; (.percentage // 0) > 0)' "$TMP/waybar.out"
check "waybar: a tooltip names the posture" quietly jq -e -s 'any(.[]; .tooltip | startswith("Posture: "))' "$TMP/waybar.out"
check "i3bar: the extreme bend is urgent" grep -q '"urgent":true' "$TMP/i3bar.out"
check_eq "waybar: the last line says postured is off" "posture: off" "$(tail -n 1 "$TMP/waybar.out" | jq -r .text)"
printf '{"txt":1}\n' >"$TMP/bad-waybar"
check "the checker catches a line that is not the protocol" \
        sh -c '! "$1" "$2" waybar "$3" >/dev/null' sh "$PY" "$CHECK_BAR" "$TMP/bad-waybar"
printf '{"version":1}\n[\n[{"full_text":"a"}]\n[{"full_text":"b"}]\n' >"$TMP/bad-i3bar"
check "the checker catches an i3bar element without its comma" \
        sh -c '! "$1" "$2" i3bar "$3" >/dev/null' sh "$PY" "$CHECK_BAR" "$TMP/bad-i3bar"

# --- A daemon that stays: the properties, status and show.
start_daemon --source "replay:$DATA/work-session.csv?speed=0"
check "daemon up" wait_for_name
check "the replay has been read (SensorState absent)" wait_for_prop SensorState absent
check_eq "Version is posturectl's" "$("$POSTURECTL" --version | awk '{print $2}')" "$(prop Version)"
check "StillSince is a realtime timestamp" in_range "$(prop StillSince)" 946684800000000 99999999999999999
check_match "LastEvent holds the last strain event" '^\["[a-z_-]+","(info|warning|critical)",[1-9][0-9]*,' "$(prop LastEvent)"
check_eq "SnoozedUntil is 0 before any snooze" 0 "$(prop SnoozedUntil)"

ctl --json --session status
check_eq "posturectl --json --session status: options before the command" 0 "$rc"
check_eq "  one line" 1 "$(printf '%s\n' "$out" | wc -l)"
check "  one JSON object with the new properties" \
        quietly jq -e 'type == "object" and has("StillSince") and has("SnoozedUntil") and has("LastEvent") and has("Version")' <<<"$out"
ctl status --session
check_match "status: StillSince in local time" 'StillSince: [0-9]{4}-[0-9]{2}-[0-9]{2} ' "$out"
check_match "status: not snoozed" 'SnoozedUntil: not snoozed' "$out"
check_match "status: LastEvent for people" 'LastEvent: [a-z_-]+ \((info|warning|critical)\) at .*, held [0-9.]+ s, peak' "$out"
check_match "status: no sensor names the fix" 'No sensor: .*postured.conf' "$out"
ctl -p Posture --value --session show
check_eq "-p Posture --value show: just the value" "$(prop Posture)" "$out"
ctl --session status -p Version,Posture
check_eq "status -p Version,Posture: NAME=VALUE lines" "Posture=$(prop Posture)
Version=$(prop Version)" "$out"
ctl --session show --json -p Version
check_eq "show --json -p Version: an object with that member alone" '{"Version":"0.1"}' "$(jq -c . <<<"$out")"
ctl --session show
check_match "show: every property as NAME=VALUE" '^Posture=' "$out"
check_match "  including the recovery state" 'ActiveAlerts=' "$out"
ctl --session show -p Bogus
check_eq "show -p Bogus: exit status 1" 1 "$rc"
check_match "  naming the property" "no property 'Bogus'" "$out"
ctl --session show --json --value
check_eq "show --json --value: a usage error" 64 "$rc"
ctl --session monitor --format=xml
check_eq "monitor --format=xml: a usage error" 64 "$rc"
check_match "  naming the formats" "unknown format 'xml'.*waybar" "$out"

# --- Snooze: SnoozedUntil changes at once, and back to 0 when it ends. Its
# values as PropertiesChanged carried them, and the seconds around the call
# bound the end: a read after the call (slow on a busy machine) could come
# after the 2 s.
start_monitor "$TMP/snooze.json" PropertiesChanged
before=$(date +%s)
"$POSTURECTL" --session snooze 2 >/dev/null
after=$(date +%s)
check "SnoozedUntil returns to 0 when the snooze ends (PropertiesChanged)" wait_for_prop SnoozedUntil 0 10
sync_monitor "$TMP/snooze.json" "$MONITOR_PID"
snoozed=$(signals "$TMP/snooze.json" PropertiesChanged '.arg1.SnoozedUntil // empty' | paste -sd ' ' -)
check "snooze 2: SnoozedUntil 2 s after the call, then 0 ($snoozed)" \
        in_range "${snoozed%% *}" "$(((before + 2) * 1000000))" "$(((after + 3) * 1000000))"
check_eq "  two changes" 2 "$(wc -w <<<"$snoozed")"
check_eq "  the second to 0" 0 "${snoozed##* }"
# A snooze that outlasts the checks, however slow they are.
"$POSTURECTL" --session snooze 30m >/dev/null
ctl --session status
check_match "status says until when" 'SnoozedUntil: snoozed until [0-9-]+ [0-9:]+' "$out"
"$POSTURECTL" --session snooze 0 >/dev/null
check_eq "snooze 0 cancels: SnoozedUntil 0" 0 "$(prop SnoozedUntil)"

# --- contrib/: the Waybar module, the i3blocks block and the indicator.
check "contrib/waybar/config.jsonc is JSON (once its comments are gone)" \
        sh -c 'sed "s|^ *//.*||; s| // .*||" "$1" | jq -e ".\"custom/posture\".\"return-type\" == \"json\"" >/dev/null' \
        sh contrib/waybar/config.jsonc
exec_cmd=$(sed 's|^ *//.*||; s| // .*||' contrib/waybar/config.jsonc | jq -r '."custom/posture".exec')
check_eq "  its module runs monitor --format=waybar" "posturectl monitor --format=waybar" "$exec_cmd"
check "contrib/i3blocks/postured: a persistent JSON block" \
        sh -c 'grep -qx "interval=persist" "$1" && grep -qx "format=json" "$1" && grep -qx "command=posturectl monitor --format=i3blocks" "$1"' \
        sh contrib/i3blocks/postured
check "contrib/i3/config: i3bar's status_command" grep -q 'status_command posturectl monitor --format=i3bar' contrib/i3/config
if "$PY" -c 'from gi.repository import Gio' 2>/dev/null; then
        out=$("$PY" contrib/indicator/postured-indicator.py --session --once 2>&1)
        check_eq "indicator --once: the sensor state (the replay has ended)" "posture: sensor absent" "$out"
else
        ok "# SKIP indicator: no python3-gi"
fi
stop_daemon >/dev/null
out=$("$PY" contrib/indicator/postured-indicator.py --session --once 2>&1)
check_eq "indicator --once without postured: off, exit status 1" "posture: off 1" "$out $?"

finish
