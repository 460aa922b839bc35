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
rprop() { # NAME -> the Recovery1 property, strings bare, the rest as JSON
        prop "$1" org.postured.Recovery1
}
# recent_usec VALUE: a CLOCK_REALTIME µs within the last minute.
recent_usec() {
        in_range "$1" $((($(date +%s) - 60) * 1000000)) $((($(date +%s) + 1) * 1000000))
}

start_monitor "$TMP/signals.json" Alert Advice StrainEvent
mon=$MONITOR_PID
# A replay slow enough (6x) to report the injury during its first still seconds.
start_daemon --source "replay:$DATA/flexion-boundaries.csv?speed=6"
check "daemon up" wait_for_name

# --- Bad input: InvalidArgs with a message, state unchanged.
out=$(rcall ReportInjury $(( ($(date +%s) + 3600) * 1000000 )))
check_match "ReportInjury in the future: InvalidArgs" 'InvalidArgs.*future' "$out"
check_eq "  phase unchanged" none "$(rprop Phase)"
out=$(rcall ReportInjury 1000000)
check_match "ReportInjury in 1970: InvalidArgs" 'InvalidArgs.*more than a year' "$out"
out=$(rcall ReportPain 11 "lifting")
check_match "ReportPain 11: InvalidArgs naming the level" 'InvalidArgs.*Pain level 11 is not within 0\.\.10' "$out"
check_eq "  no pain recorded" '[0,0]' "$(rprop LastPain)"
out=$(rcall ReportSymptoms "['fever', 'headache']")
check_match "unknown symptom: InvalidArgs naming it" "InvalidArgs.*Unknown symptom 'headache'" "$out"
check_eq "  no alert raised (fever not taken either)" '[]' "$(rprop ActiveAlerts)"
out=$(rcall AcknowledgeAlert bogus)
check_match "acknowledging an unknown alert: NoSuchAlert" 'org\.postured\.Error\.NoSuchAlert' "$out"
out=$(rcall ReportRecovered)
check_match "recovered without an injury: NotInjured" 'org\.postured\.Error\.NotInjured' "$out"
out=$(gdbus call --session -d org.postured.Posture1 -o $OBJ -m org.postured.Posture1.Snooze 14401 2>&1)
check_match "Snooze beyond 4 h: InvalidArgs" 'InvalidArgs.*4 h' "$out"

# --- The acute phase.
check_eq "ReportInjury(0) succeeds" "()" "$(rcall ReportInjury 0)"
check_eq "Phase becomes acute" acute "$(rprop Phase)"
onset=$(rprop InjuryOnset)
check "InjuryOnset is now ($onset)" recent_usec "$onset"

# --- Snoozed, a red flag still raises exactly one critical alert.
check "the monitor caught up" sync_monitor "$TMP/signals.json" "$mon"
advice_before=$(signals "$TMP/signals.json" Advice .id | wc -l)
check "entering the acute phase gave advice" test "$advice_before" -gt 0
check_eq "Snooze 3600" "()" "$(gdbus call --session -d org.postured.Posture1 -o $OBJ -m org.postured.Posture1.Snooze 3600 2>&1)"
check_eq "ReportSymptoms fever" "()" "$(rcall ReportSymptoms "['fever']")"
check_eq "ReportSymptoms leg_weakness while the alert is active" "()" "$(rcall ReportSymptoms "['leg_weakness']")"
check_eq "ActiveAlerts holds the red flag" '["red-flag"]' "$(rprop ActiveAlerts)"

check_eq "ReportPain 4 while bending" "()" "$(rcall ReportPain 4 "bending over the bench")"
pain=$(rprop LastPain)
check_eq "LastPain is 4" 4 "$(jq '.[0]' <<<"$pain")"
check "  reported now ($pain)" recent_usec "$(jq '.[1]' <<<"$pain")"

# Wait for the replay (about 33 s of wall time at 6x) to end.
check "the replay ends" wait_for_prop SensorState absent 120
check "the monitor caught up" sync_monitor "$TMP/signals.json" "$mon"
check_eq "exactly one Alert signal" 1 "$(signals "$TMP/signals.json" Alert .id | wc -l)"
check_eq "the alert is critical" critical "$(first_signal "$TMP/signals.json" Alert .severity)"
check_eq "AcknowledgeAlert red-flag" "()" "$(rcall AcknowledgeAlert red-flag)"
check_eq "ActiveAlerts is empty" '[]' "$(rprop ActiveAlerts)"

# Acute rules: 40° held fires after half the holding time (75 s, not 150 s).
dur=$(first_signal "$TMP/signals.json" StrainEvent .duration_s)
check_match "acute phase: sustained-flexion after ~75 s" '^7[3-8]\.' "$dur"
# While snoozed, no non-critical advice went out.
check_eq "snoozed: no Advice signal after the snooze" "$advice_before" \
        "$(signals "$TMP/signals.json" Advice .id | wc -l)"

check_eq "ReportRecovered" "()" "$(rcall ReportRecovered)"
check_eq "Phase becomes recovered" recovered "$(rprop Phase)"
stop_daemon
kill "$mon"; wait "$mon" 2>/dev/null

# --- Acute advice never includes stretching (not snoozed this time).
start_monitor "$TMP/advice.json" Advice
mon=$MONITOR_PID
start_daemon --source "replay:$DATA/flexion-boundaries.csv?speed=6"
check "daemon up again" wait_for_name
rcall ReportInjury 0 >/dev/null
check "the replay ends" wait_for_prop SensorState absent 120
check "the monitor caught up" sync_monitor "$TMP/advice.json" "$mon"
ids=$(signals "$TMP/advice.json" Advice .id | sort -u)
check "acute phase: Advice signals were sent" test -n "$ids"
stretch=$(for id in $ids; do
        awk -v id="[$id]" '$0==id{f=1;next} /^\[/{f=0} f && /^Category=stretch/' conf/advice.conf
done)
check_eq "acute phase: no stretch advice" "" "$stretch"
stop_daemon

# --- The recovery state survives a restart (StateFile=).
printf '[Recovery]\nStateFile=%s\n' "$TMP/state/recovery" >"$TMP/state.conf"
mkdir -p "$TMP/state"
start_daemon --config "$TMP/state.conf" --source "replay:$DATA/moving.csv?speed=0"
check "daemon with StateFile= up" wait_for_name
rcall ReportInjury $(( ($(date +%s) - 3 * 86400) * 1000000 )) >/dev/null
rcall ReportPain 6 "after lifting" >/dev/null
rcall ReportSymptoms "['radiating_pain_leg']" >/dev/null
stop_daemon
check "the state file is written, private to the daemon" test "$(stat -c %a "$TMP/state/recovery")" = 600
start_daemon --config "$TMP/state.conf" --source "replay:$DATA/moving.csv?speed=0"
check "restarted daemon up" wait_for_name
check_eq "after a restart: phase recovering (onset 3 days ago)" recovering "$(rprop Phase)"
check_eq "after a restart: the last pain report" 6 "$(rprop LastPain | jq '.[0]')"
check_eq "after a restart: the unacknowledged alert is still active" '["red-flag"]' \
        "$(rprop ActiveAlerts)"
rcall AcknowledgeAlert red-flag >/dev/null
stop_daemon
echo "garbage line" >>"$TMP/state/recovery"
start_daemon --config "$TMP/state.conf" --source "replay:$DATA/moving.csv?speed=0"
check "a damaged state file does not stop the daemon" wait_for_name
check_eq "  the acknowledged alert stays acknowledged" '[]' "$(rprop ActiveAlerts)"
check_match "  the bad line is named" "recovery:[0-9]+: not key=value" "$(cat "$TMP/daemon.log")"
stop_daemon

# --- A report that cannot be stored is refused and changes nothing.
: >"$TMP/not-a-dir"
printf '[Recovery]\nStateFile=%s\n' "$TMP/not-a-dir/recovery" >"$TMP/unsaved.conf"
start_daemon --config "$TMP/unsaved.conf" --source "replay:$DATA/moving.csv?speed=0"
check "daemon with an unwritable StateFile= up" wait_for_name
pain_before=$(rprop LastPain)
check_match "ReportPain that cannot be stored: NotSaved" 'org\.postured\.Error\.NotSaved' \
        "$(rcall ReportPain 6 "lifting")"
check_eq "  the pain report is not taken" "$pain_before" "$(rprop LastPain)"
check_match "ReportSymptoms that cannot be stored: NotSaved" 'org\.postured\.Error\.NotSaved' \
        "$(rcall ReportSymptoms "['fever']")"
check_eq "  no alert is raised" '[]' "$(rprop ActiveAlerts)"
stop_daemon

# --- Injury, recovery and acknowledgement that cannot be stored, the same:
# the state is saved, then its directory is replaced by a file.
mkdir -p "$TMP/sd"
printf '[Recovery]\nStateFile=%s\n' "$TMP/sd/recovery" >"$TMP/sd.conf"
start_daemon --config "$TMP/sd.conf" --source "replay:$DATA/moving.csv?speed=0"
check "daemon with a StateFile= that will become unwritable up" wait_for_name
rcall ReportInjury $(( ($(date +%s) - 3 * 86400) * 1000000 )) >/dev/null
rcall ReportSymptoms "['fever']" >/dev/null
saved=$(cat "$TMP/sd/recovery")
mv "$TMP/sd" "$TMP/sd.saved"
: >"$TMP/sd"
onset_before=$(rprop InjuryOnset)
check_match "ReportInjury that cannot be stored: NotSaved" 'org\.postured\.Error\.NotSaved' \
        "$(rcall ReportInjury 0)"
check_eq "  the onset is unchanged" "$onset_before" "$(rprop InjuryOnset)"
check_match "ReportRecovered that cannot be stored: NotSaved" 'org\.postured\.Error\.NotSaved' \
        "$(rcall ReportRecovered)"
check_eq "  the phase is unchanged" recovering "$(rprop Phase)"
check_match "AcknowledgeAlert that cannot be stored: NotSaved" 'org\.postured\.Error\.NotSaved' \
        "$(rcall AcknowledgeAlert red-flag)"
check_eq "  the alert stays active" '["red-flag"]' "$(rprop ActiveAlerts)"
check_match "AcknowledgeAlert of no active alert: still NoSuchAlert" 'NoSuchAlert' \
        "$(rcall AcknowledgeAlert nosuch)"
stop_daemon
rm -f "$TMP/sd"
mv "$TMP/sd.saved" "$TMP/sd"
check_eq "  the state file is as saved before" "$saved" "$(cat "$TMP/sd/recovery")"
start_daemon --config "$TMP/sd.conf" --source "replay:$DATA/moving.csv?speed=0"
check "restarted daemon up" wait_for_name
check_eq "  after a restart: the alert is still active" '["red-flag"]' "$(rprop ActiveAlerts)"
check_eq "  after a restart: still recovering" recovering "$(rprop Phase)"
check_eq "AcknowledgeAlert that can be stored" "()" "$(rcall AcknowledgeAlert red-flag)"
check_eq "ReportRecovered that can be stored" "()" "$(rcall ReportRecovered)"
stop_daemon
check "  both are in the state file" grep -q '^recovered=1' "$TMP/sd/recovery"

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
check_match "system bus: nobody may not snooze advice (polkit, not running here: test-polkit.sh)" \
        'AccessDenied' "$out"
stop_system_bus

finish
