#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl's recovery commands (injury, recovered, pain, symptoms, ack,
# snooze) against a daemon on the session bus: each changes what busctl
# reads back; syntax errors are usage errors (64) caught before the bus; what
# the daemon refuses fails with status 1 and the daemon's own message; status
# shows the recovery state, except to a caller who may not read it; monitor
# prints Advice and Alert signals.
. "$(dirname "$0")/lib.sh"

OBJ=/org/postured/Posture1
rprop() { # NAME -> the Recovery1 property, strings bare, the rest as JSON
        prop "$1" org.postured.Recovery1
}
# usec_near VALUE SECONDS: VALUE (CLOCK_REALTIME µs) lies within a minute of SECONDS.
usec_near() {
        in_range "$1" $((($2 - 60) * 1000000)) $((($2 + 60) * 1000000))
}
ctl() { # ARGS... -> $out (stdout and stderr), $rc
        out=$("$POSTURECTL" --session "$@" 2>&1)
        rc=$?
}

start_daemon --source "replay:$DATA/moving.csv?speed=0"
check "daemon up" wait_for_name

# Two monitors, text and JSON; each is subscribed once it has printed the state.
"$POSTURECTL" --session monitor --exit-with-daemon >"$TMP/monitor.txt" 2>&1 &
MONITOR_PID=$!
_pids+=("$MONITOR_PID")
"$POSTURECTL" --session monitor --json --exit-with-daemon >"$TMP/monitor.json" 2>&1 &
JSON_MONITOR_PID=$!
_pids+=("$JSON_MONITOR_PID")
check "monitor prints the state" wait_for_file "$TMP/monitor.txt" "$MONITOR_PID"
check "monitor --json prints the state" wait_for_file "$TMP/monitor.json" "$JSON_MONITOR_PID"

# --- status before any report.
ctl status
check_eq "status succeeds" 0 "$rc"
check_match "status shows the posture" 'Posture: ' "$out"
check_match "status shows Phase none" 'Phase: none' "$out"
check_match "status shows no onset" 'InjuryOnset: none' "$out"
check_match "status shows no alerts" 'ActiveAlerts: none' "$out"

# --- injury.
ctl injury
check_eq "injury succeeds" 0 "$rc"
check_match "  and says the phase" 'Recovery phase: acute' "$out"
check_eq "  Phase is acute" acute "$(rprop Phase)"
check "  InjuryOnset is now" usec_near "$(rprop InjuryOnset)" "$(date +%s)"

ctl injury --onset -3d
check_eq "injury --onset -3d succeeds" 0 "$rc"
check_eq "  Phase is recovering" recovering "$(rprop Phase)"
check "  InjuryOnset is 3 days ago" usec_near "$(rprop InjuryOnset)" $(($(date +%s) - 3 * 86400))

ctl injury --onset=-90m
check_eq "injury --onset=-90m: acute again" acute "$(rprop Phase)"

# Local time: a zone 5:30 off UTC, so that a client taking it as UTC is caught.
when=$(TZ=Asia/Kolkata date -d '-50 hours' '+%Y-%m-%d %H:%M')
expected=$(TZ=Asia/Kolkata date -d "$when" +%s)000000
out=$(TZ=Asia/Kolkata "$POSTURECTL" --session injury --onset "$when" 2>&1)
check_eq "injury --onset 'YYYY-MM-DD HH:MM' succeeds" 0 "$?"
check_eq "  InjuryOnset is that local time" "$expected" "$(rprop InjuryOnset)"
check_eq "  50 h ago: recovering" recovering "$(rprop Phase)"
when=$(TZ=Asia/Kolkata date -d '-2 hours' '+%Y-%m-%dT%H:%M:%S')
expected=$(TZ=Asia/Kolkata date -d "${when/T/ }" +%s)000000
TZ=Asia/Kolkata "$POSTURECTL" --session injury --onset "$when" >/dev/null 2>&1
check_eq "injury --onset YYYY-MM-DDTHH:MM:SS" "$expected" "$(rprop InjuryOnset)"

ctl injury --onset yesterday-ish
check_eq "injury --onset yesterday-ish: usage error 64" 64 "$rc"
check_match "  the message names the value" "yesterday-ish" "$out"
ctl injury --onset 2026-02-30T10:00
check_eq "injury --onset on February 30: 64" 64 "$rc"
ctl injury --onset -3
check_eq "injury --onset -3 (no unit): 64" 64 "$rc"
ctl injury --onset "$(date -d '+2 days' '+%Y-%m-%d %H:%M')"
check_eq "injury in the future: 1 (the daemon refuses)" 1 "$rc"
check_match "  with the daemon's message" 'Failed to report the injury: .*future' "$out"
check_eq "  onset unchanged" "$expected" "$(rprop InjuryOnset)"

# --- pain.
ctl pain 4 --context x
check_eq "pain 4 --context x succeeds" 0 "$rc"
pain=$(rprop LastPain)
check_eq "  LastPain is 4" 4 "$(jq '.[0]' <<<"$pain")"
check "  reported now ($pain)" usec_near "$(jq '.[1]' <<<"$pain")" "$(date +%s)"
ctl pain 11
check "pain 11 fails" test "$rc" -ne 0
check_match "  naming the range" '0\.\.10' "$out"
check_eq "  LastPain is still 4" 4 "$(rprop LastPain | jq '.[0]')"
ctl pain four
check_eq "pain four: 64" 64 "$rc"
ctl pain
check_eq "pain without a level: 64" 64 "$rc"

# --- symptoms, ack.
ctl symptoms headache
check_eq "symptoms headache fails with 1" 1 "$rc"
check_match "  naming it" "headache" "$out"
check_eq "  no alert" '[]' "$(rprop ActiveAlerts)"
ctl symptoms fever
check_eq "symptoms fever succeeds" 0 "$rc"
check_match "  tells to contact a healthcare provider" 'Contact a healthcare provider as soon as possible' "$out"
check_eq "  ActiveAlerts holds red-flag" '["red-flag"]' "$(rprop ActiveAlerts)"
ctl symptoms
check_eq "symptoms without a name: 64" 64 "$rc"

ctl status
check_match "status shows the alert" 'ActiveAlerts: red-flag' "$out"
check_match "status shows the pain" 'LastPain: 4/10 at ' "$out"
check_match "status shows the phase" 'Phase: acute' "$out"
ctl status --json
check_eq "status --json has Phase and ActiveAlerts" 'acute ["red-flag"]' \
        "$(jq -r '"\(.Phase) \(.ActiveAlerts | tojson)"' <<<"$out")"

ctl ack red-flag
check_eq "ack red-flag succeeds" 0 "$rc"
check_eq "  ActiveAlerts is empty" '[]' "$(rprop ActiveAlerts)"
ctl ack red-flag
check_eq "ack of an alert not active: 1" 1 "$rc"
check_match "  with the daemon's message" "No active alert 'red-flag'" "$out"

# --- snooze.
ctl snooze 30m
check_eq "snooze 30m succeeds" 0 "$rc"
check_match "  and says so" 'snoozed for 30 min' "$out"
ctl snooze 5h
check_eq "snooze 5h fails with 1" 1 "$rc"
check_match "  with the daemon's message" '18000 s is longer than 4 h' "$out"
ctl snooze 0
check_eq "snooze 0 cancels" 0 "$rc"
check_match "  and says so" 'cancelled' "$out"
ctl snooze 1d
check_eq "snooze 1d: 64" 64 "$rc"

# --- recovered.
ctl recovered
check_eq "recovered succeeds" 0 "$rc"
check_eq "  Phase is recovered" recovered "$(rprop Phase)"
ctl recovered extra
check_eq "recovered with an argument: 64" 64 "$rc"

# --- monitor saw the advice of the acute phase and the alert: the monitors
# see the daemon leave after its last signal.
kill -TERM "$DAEMON_PID"; wait_daemon
wait "$MONITOR_PID"
check_eq "monitor exits with the daemon" 0 "$?"
wait "$JSON_MONITOR_PID"
check_eq "monitor --json exits with the daemon" 0 "$?"
check "monitor printed Advice" grep -q ' ADVICE [a-z-]* (' "$TMP/monitor.txt"
check "monitor printed the Alert" grep -q ' ALERT red-flag (critical): ' "$TMP/monitor.txt"
check "monitor --json printed the acute phase's Advice" \
        quietly jq -se 'any(.[]; .type == "advice" and (.id | startswith("acute-")))' "$TMP/monitor.json"
check_eq "monitor --json printed the Alert, once" "red-flag critical" \
        "$(jq -r 'select(.type == "alert") | "\(.id) \(.severity)"' "$TMP/monitor.json")"

# --- A system bus: a caller who may not read the recovery state gets the
# posture without it, and no error.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
        echo "# SKIP status as nobody: needs root and setpriv (not counted)"
        finish
fi
check "system bus: postured serves it" start_system_bus

out=$("$POSTURECTL" --system status 2>&1)
check_match "system bus: root sees the phase" 'Phase: none' "$out"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$POSTURECTL" --system status \
        >"$TMP/nobody.out" 2>"$TMP/nobody.err"
check_eq "system bus: status as nobody succeeds" 0 "$?"
check "  shows the posture" grep -q 'Posture: ' "$TMP/nobody.out"
check "  without the recovery state" sh -c "! grep -Eq 'Phase|InjuryOnset|LastPain|ActiveAlerts' '$TMP/nobody.out'"
check_eq "  and without complaint" "" "$(cat "$TMP/nobody.err")"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$POSTURECTL" --system pain 3 2>&1)
check_eq "system bus: pain as nobody fails with 1" 1 "$?"
check_match "  saying access was denied" 'Failed to report pain: .*(denied|Rejected)' "$out"
stop_system_bus

finish
