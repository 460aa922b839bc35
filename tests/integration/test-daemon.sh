#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon on a private session bus, replaying recordings as fast as
# possible; real D-Bus clients (busctl, gdbus, dbus-monitor) talk to it.
. "$(dirname "$0")/lib.sh"

rec="$DATA/flexion-boundaries.csv"

# --- StrainEvent signals, caught by dbus-monitor started before the daemon.
dbus-monitor --session "type='signal',interface='org.postured.Posture1',member='StrainEvent'" \
        >"$TMP/signals.txt" 2>&1 &
mon=$!
_pids+=($mon)
sleep 0.5
start_daemon --source "replay:$rec?speed=0" --exit-on-eof
wait "$DAEMON_PID"
rc=$?
sleep 0.5
kill "$mon"; wait "$mon" 2>/dev/null
check_eq "daemon replaying to the end exits 0 with --exit-on-eof" 0 "$rc"
sleep 0.5
kinds=$(grep -A1 'member=StrainEvent' "$TMP/signals.txt" | sed -n 's/^ *string "\(.*\)"$/\1/p' | tr '\n' ' ')
check_eq "StrainEvent kinds in order" "sustained_flexion extreme_flexion " "$kinds"
sev=$(grep -A2 'member=StrainEvent' "$TMP/signals.txt" | sed -n 's/^ *string "\(.*\)"$/\1/p' | tr '\n' ' ')
check_eq "StrainEvent severities" "sustained_flexion warning extreme_flexion critical " "$sev"
dur=$(awk '/member=StrainEvent/{n=NR} n && NR==n+4 && /double/{print $2; exit}' "$TMP/signals.txt")
check_match "sustained_flexion fired after the ISO 11226 holding time at 40° (150 s)" \
        '^1(4[89]|5[0-3])\.' "$dur"
peak=$(awk '/member=StrainEvent/{n=NR} n && NR==n+5 && /double/{print $2; exit}' "$TMP/signals.txt")
check_match "sustained_flexion peak angle about 40°" '^(39|4[0-6])\.' "$peak"

# --- Sample time, not wall time: a real-time-paced replay (here 50x, so it
# takes 4 s) fires the same events with the same durations and peaks.
events_of() { # dbus-monitor capture -> "kind severity duration peak" per event
        awk '/member=StrainEvent/{n=NR; line=""} n && NR>n && NR<=n+5 {
                if ($1=="string") { gsub(/"/,"",$2); line=line $2 " " }
                if ($1=="double") line=line $2 " "
                if (NR==n+5) print line }' "$1"
}
dbus-monitor --session "type='signal',interface='org.postured.Posture1',member='StrainEvent'" \
        >"$TMP/signals-paced.txt" 2>&1 &
mon=$!
_pids+=($mon)
sleep 0.5
start_daemon --source "replay:$rec?speed=50" --exit-on-eof
wait "$DAEMON_PID"
sleep 0.5
kill "$mon"; wait "$mon" 2>/dev/null
check_eq "paced replay fires the same events as the fastest one" \
        "$(events_of "$TMP/signals.txt")" "$(events_of "$TMP/signals-paced.txt")"

# --- Properties after a replay that has ended; the daemon keeps serving.
start_daemon --source "replay:$rec?speed=0"
check "daemon takes org.postured.Posture1" wait_for_name
check "SensorState becomes absent at the end of the recording" wait_for_prop SensorState absent
check_eq "Posture is upright at the end" upright "$(prop Posture)"
check_eq "Activity is still at the end" still "$(prop Activity)"
check_eq "Calibrated (auto, first still window)" true "$(prop Calibrated)"
check_eq "Sensor names the recording" "$rec" "$(prop Sensor)"
check_eq "SampleRate from the recording's metadata" 50 "$(prop SampleRate)"
check_match "Flexion near 0 when upright" '^-?[0-4](\.[0-9]+)?$' "$(prop Flexion)"
check_match "LateralBend near 0 when upright" '^-?[0-4](\.[0-9]+)?$' "$(prop LateralBend)"
check_match "StrainLevel is within 0..1" '^(0(\.[0-9]+)?|1)$' "$(prop StrainLevel)"
check "Calibrate() succeeds while still" \
        busctl --user call org.postured.Posture1 /org/postured/Posture1 org.postured.Posture1 Calibrate
out=$(gdbus call --session -d org.postured.Posture1 -o /org/postured/Posture1 \
        -m org.postured.Posture1.Calibrate 2>&1)
check_eq "gdbus Calibrate() replies" "()" "$out"

# --- The introspection XML in dbus/ is what the daemon serves.
busctl --user introspect --xml-interface org.postured.Posture1 /org/postured/Posture1 \
        >"$TMP/live.xml"
check "dbus/org.postured.Posture1.xml matches the live interface" \
        python3 tests/integration/compare-introspection.py dbus/org.postured.Posture1.xml "$TMP/live.xml"

# --- The filter kernel chosen for this CPU is shown; POSTURED_FILTER overrides it.
check_match "FilterKernel names a kernel" '^(scalar|sse2|avx2|avx512|neon)$' "$(prop FilterKernel)"

# --- posturectl status reads the same properties.
st=$("$POSTURECTL" --session status 2>&1)
check_match "posturectl status shows the posture" 'upright' "$st"

# --- SIGTERM shuts down cleanly.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check_eq "SIGTERM: exit status 0" 0 "$?"

# --- Calibrate() refused while moving.
POSTURED_FILTER=scalar start_daemon --source "replay:$DATA/moving.csv?speed=0"
check "daemon with a moving wearer is up" wait_for_name
wait_for_prop SensorState absent
err=$(gdbus call --session -d org.postured.Posture1 -o /org/postured/Posture1 \
        -m org.postured.Posture1.Calibrate 2>&1)
check_match "Calibrate() while moving: org.postured.Error.NotStill" \
        'org\.postured\.Error\.NotStill.*Not still' "$err"
check_eq "POSTURED_FILTER=scalar picks the scalar kernel" scalar "$(prop FilterKernel)"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"

# --- sd_notify READY=1 and STATUS= through NOTIFY_SOCKET.
python3 - "$TMP/notify.sock" >"$TMP/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(10)
try:
    while True:
        print(s.recv(4096).decode(), flush=True)
except socket.timeout:
    pass
PY
npid=$!
for _ in $(seq 100); do [ -S "$TMP/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$TMP/notify.sock" start_daemon --source "replay:$rec?speed=0"
wait_for_name
sleep 0.5
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
kill "$npid" 2>/dev/null; wait "$npid" 2>/dev/null
check "sd_notify READY=1 sent" grep -qx 'READY=1' "$TMP/notify.txt"
check "sd_notify STATUS= names the sensor" grep -q "^STATUS=Sensor $rec" "$TMP/notify.txt"

finish
