#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# org.postured.Recovery1 and Snooze over D-Bus: bad input is refused with
# InvalidArgs and changes nothing; red flags raise exactly one critical
# alert until acknowledged, also while snoozed; the acute phase tightens the
# rules and never advises stretching; on a system bus only root and the
# health group reach the health data.
. "$(dirname "$0")/lib.sh"

OBJ=/org/postured/Posture1
rcall() { # METHOD ARGS... on Recovery1 via gdbus (prints the full error)
        local m=$1
        shift
        gdbus call --session -d org.postured.Posture1 -o $OBJ -m "org.postured.Recovery1.$m" "$@" 2>&1
}
rprop() {
        busctl --user get-property org.postured.Posture1 $OBJ org.postured.Recovery1 "$1" | cut -d' ' -f2-
}

dbus-monitor --session "type='signal',sender='org.postured.Posture1',member='Alert'" \
        "type='signal',sender='org.postured.Posture1',member='Advice'" \
        "type='signal',sender='org.postured.Posture1',member='StrainEvent'" >"$TMP/signals.txt" 2>&1 &
_pids+=($!)
sleep 0.5
# A replay slow enough (6x) to report the injury during its first still seconds.
start_daemon --source "replay:$DATA/flexion-boundaries.csv?speed=6"
check "daemon up" wait_for_name

# --- Bad input: InvalidArgs with a message, state unchanged.
out=$(rcall ReportInjury $(( ($(date +%s) + 3600) * 1000000 )))
check_match "ReportInjury in the future: InvalidArgs" 'InvalidArgs.*future' "$out"
check_eq "  phase unchanged" '"none"' "$(rprop Phase)"
out=$(rcall ReportInjury 1000000)
check_match "ReportInjury in 1970: InvalidArgs" 'InvalidArgs.*more than a year' "$out"
out=$(rcall ReportPain 11 "lifting")
check_match "ReportPain 11: InvalidArgs naming the level" 'InvalidArgs.*Pain level 11 is not within 0\.\.10' "$out"
check_eq "  no pain recorded" '0 0' "$(rprop LastPain)"
out=$(rcall ReportSymptoms "['fever', 'headache']")
check_match "unknown symptom: InvalidArgs naming it" "InvalidArgs.*Unknown symptom 'headache'" "$out"
check_eq "  no alert raised (fever not taken either)" 'as 0' "$(busctl --user get-property org.postured.Posture1 $OBJ org.postured.Recovery1 ActiveAlerts)"
out=$(rcall AcknowledgeAlert bogus)
check_match "acknowledging an unknown alert: NoSuchAlert" 'org\.postured\.Error\.NoSuchAlert' "$out"
out=$(rcall ReportRecovered)
check_match "recovered without an injury: NotInjured" 'org\.postured\.Error\.NotInjured' "$out"
out=$(gdbus call --session -d org.postured.Posture1 -o $OBJ -m org.postured.Posture1.Snooze 14401 2>&1)
check_match "Snooze beyond 4 h: InvalidArgs" 'InvalidArgs.*4 h' "$out"

# --- The acute phase.
check_eq "ReportInjury(0) succeeds" "()" "$(rcall ReportInjury 0)"
check_eq "Phase becomes acute" '"acute"' "$(rprop Phase)"
check_match "InjuryOnset is now" "^$(date +%s | cut -c1-8)" "$(rprop InjuryOnset)"

# --- Snoozed, a red flag still raises exactly one critical alert.
sleep 0.3
advice_before=$(grep -c 'member=Advice' "$TMP/signals.txt")
check "entering the acute phase gave advice" test "$advice_before" -gt 0
check_eq "Snooze 3600" "()" "$(gdbus call --session -d org.postured.Posture1 -o $OBJ -m org.postured.Posture1.Snooze 3600 2>&1)"
check_eq "ReportSymptoms fever" "()" "$(rcall ReportSymptoms "['fever']")"
check_eq "ReportSymptoms leg_weakness while the alert is active" "()" "$(rcall ReportSymptoms "['leg_weakness']")"
check_eq "ActiveAlerts holds the red flag" 'as 1 "red-flag"' "$(busctl --user get-property org.postured.Posture1 $OBJ org.postured.Recovery1 ActiveAlerts)"

check_eq "ReportPain 4 while bending" "()" "$(rcall ReportPain 4 "bending over the bench")"
check_match "LastPain is (4, now)" "^4 $(date +%s | cut -c1-8)" "$(rprop LastPain)"

# Wait for the replay (about 33 s of wall time at 6x) to end.
wait_for_prop SensorState absent || sleep 20
wait_for_prop SensorState absent
sleep 0.5
alerts=$(grep -c 'member=Alert' "$TMP/signals.txt")
check_eq "exactly one Alert signal" 1 "$alerts"
check "the alert is critical" grep -A3 'member=Alert' "$TMP/signals.txt" | grep -q '"critical"'
check_eq "AcknowledgeAlert red-flag" "()" "$(rcall AcknowledgeAlert red-flag)"
check_eq "ActiveAlerts is empty" 'as 0' "$(busctl --user get-property org.postured.Posture1 $OBJ org.postured.Recovery1 ActiveAlerts)"

# Acute rules: 40° held fires after half the holding time (75 s, not 150 s).
dur=$(awk '/member=StrainEvent/{n=NR} n && NR==n+4 && /double/{print $2; exit}' "$TMP/signals.txt")
check_match "acute phase: sustained_flexion after ~75 s" '^7[3-8]\.' "$dur"
# While snoozed, no non-critical advice went out.
check_eq "snoozed: no Advice signal after the snooze" "$advice_before" \
        "$(grep -c 'member=Advice' "$TMP/signals.txt")"

check_eq "ReportRecovered" "()" "$(rcall ReportRecovered)"
check_eq "Phase becomes recovered" '"recovered"' "$(rprop Phase)"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"

# --- Acute advice never includes stretching (not snoozed this time).
: >"$TMP/signals.txt"
dbus-monitor --session "type='signal',sender='org.postured.Posture1',member='Advice'" >"$TMP/advice.txt" 2>&1 &
_pids+=($!)
sleep 0.5
start_daemon --source "replay:$DATA/flexion-boundaries.csv?speed=6"
wait_for_name
rcall ReportInjury 0 >/dev/null
wait_for_prop SensorState absent || sleep 20
wait_for_prop SensorState absent
sleep 0.5
ids=$(grep -A1 'member=Advice' "$TMP/advice.txt" | sed -n 's/^ *string "\(.*\)"$/\1/p' | sort -u)
check "acute phase: Advice signals were sent" test -n "$ids"
stretch=$(for id in $ids; do
        awk -v id="[$id]" '$0==id{f=1;next} /^\[/{f=0} f && /^Category=stretch/' conf/advice.conf
done)
check_eq "acute phase: no stretch advice" "" "$stretch"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"

# --- The recovery state survives a restart (StateFile=).
printf '[Recovery]\nStateFile=%s\n' "$TMP/state/recovery" >"$TMP/state.conf"
mkdir -p "$TMP/state"
start_daemon --config "$TMP/state.conf" --source "replay:$DATA/moving.csv?speed=0"
wait_for_name
rcall ReportInjury $(( ($(date +%s) - 3 * 86400) * 1000000 )) >/dev/null
rcall ReportPain 6 "after lifting" >/dev/null
rcall ReportSymptoms "['radiating_pain_leg']" >/dev/null
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
check "the state file is written, private to the daemon" test "$(stat -c %a "$TMP/state/recovery")" = 600
start_daemon --config "$TMP/state.conf" --source "replay:$DATA/moving.csv?speed=0"
wait_for_name
check_eq "after a restart: phase recovering (onset 3 days ago)" '"recovering"' "$(rprop Phase)"
check_match "after a restart: the last pain report" '^6 ' "$(rprop LastPain)"
check_eq "after a restart: the unacknowledged alert is still active" 'as 1 "red-flag"' \
        "$(busctl --user get-property org.postured.Posture1 $OBJ org.postured.Recovery1 ActiveAlerts)"
rcall AcknowledgeAlert red-flag >/dev/null
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
echo "garbage line" >>"$TMP/state/recovery"
start_daemon --config "$TMP/state.conf" --source "replay:$DATA/moving.csv?speed=0"
check "a damaged state file does not stop the daemon" wait_for_name
check_eq "  the acknowledged alert stays acknowledged" 'as 0' \
        "$(busctl --user get-property org.postured.Posture1 $OBJ org.postured.Recovery1 ActiveAlerts)"
check_match "  the bad line is named" "recovery:[0-9]+: not key=value" "$(cat "$TMP/daemon.log")"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"

# --- A system bus: our policy, and the daemon's own check for properties.
check "system bus: postured serves it" start_system_bus
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" 2>&1; }

out=$(gdbus call --system -d org.postured.Posture1 -o $OBJ -m org.postured.Recovery1.ReportPain 3 "root" 2>&1)
check_eq "system bus: root may report pain" "()" "$out"
out=$(as_nobody gdbus call --system -d org.postured.Posture1 -o $OBJ -m org.postured.Recovery1.ReportPain 3 "x")
check_match "system bus: nobody may not call Recovery1 (policy)" 'AccessDenied' "$out"
out=$(as_nobody gdbus call --system -d org.postured.Posture1 -o $OBJ \
        -m org.freedesktop.DBus.Properties.Get org.postured.Recovery1 LastPain)
check_match "system bus: nobody may not read Recovery1 properties (daemon)" \
        "AccessDenied.*only for root and the group 'postured'" "$out"
out=$(as_nobody gdbus call --system -d org.postured.Posture1 -o $OBJ \
        -m org.freedesktop.DBus.Properties.Get org.postured.Posture1 Posture)
check_match "system bus: nobody may read the posture" "<'[a-z-]+'>" "$out"
out=$(as_nobody gdbus call --system -d org.postured.Posture1 -o $OBJ -m org.postured.Posture1.Snooze 60)
check_eq "system bus: nobody may snooze advice" "()" "$out"
stop_system_bus

finish
