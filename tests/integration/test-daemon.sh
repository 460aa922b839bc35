#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon on a private session bus, replaying recordings as fast as
# possible; real D-Bus clients (busctl, gdbus, a Gio monitor) talk to it.
. "$(dirname "$0")/lib.sh"

rec="$DATA/flexion-boundaries.csv"

# --- StrainEvent signals, caught by a monitor subscribed before the daemon
# starts; it ends once the daemon has left the bus, after its last signal.
start_monitor "$TMP/signals.json" --until-gone StrainEvent
mon=$MONITOR_PID
start_daemon --source "replay:$rec?speed=0" --exit-on-eof
wait_daemon
rc=$?
check_eq "daemon replaying to the end exits 0 with --exit-on-eof" 0 "$rc"
check "the monitor saw the daemon leave" wait "$mon"
kinds=$(signals "$TMP/signals.json" StrainEvent .kind | tr '\n' ' ')
check_eq "StrainEvent kinds in order" "sustained-flexion extreme-flexion " "$kinds"
sev=$(signals "$TMP/signals.json" StrainEvent '"\(.kind) \(.severity)"' | tr '\n' ' ')
check_eq "StrainEvent severities" "sustained-flexion warning extreme-flexion critical " "$sev"
dur=$(first_signal "$TMP/signals.json" StrainEvent .duration_s)
check_match "sustained-flexion fired after the ISO 11226 holding time at 40° (150 s)" \
        '^1(4[89]|5[0-3])\.' "$dur"
peak=$(first_signal "$TMP/signals.json" StrainEvent .peak_deg)
check_match "sustained-flexion peak angle about 40°" '^(39|4[0-6])\.' "$peak"

# --- Sample time, not wall time: a real-time-paced replay (here 50x, so it
# takes 4 s) fires the same events with the same durations and peaks.
events_of() { # monitor capture -> "kind severity duration peak" per event
        signals "$1" StrainEvent '"\(.kind) \(.severity) \(.duration_s) \(.peak_deg)"'
}
start_monitor "$TMP/signals-paced.json" --until-gone StrainEvent
mon=$MONITOR_PID
start_daemon --source "replay:$rec?speed=50" --exit-on-eof
wait_daemon
check "the monitor saw the paced daemon leave" wait "$mon"
check_eq "paced replay fires the same events as the fastest one" \
        "$(events_of "$TMP/signals.json")" "$(events_of "$TMP/signals-paced.json")"

# --- Properties after a replay that has ended; the daemon keeps serving.
start_daemon --source "replay:$rec?speed=0"
check "daemon takes org.postured.Posture1" wait_for_name
check "SensorState becomes absent at the end of the recording" wait_for_prop SensorState absent
check_eq "Posture is upright at the end" upright "$(prop Posture)"
check_eq "Activity is still at the end" still "$(prop Activity)"
check_eq "Calibrated (auto, first still window)" true "$(prop Calibrated)"
check_eq "Sensor names the recording" "$rec" "$(prop Sensor)"
check_eq "SampleRate from the recording's metadata" 50 "$(prop SampleRate)"
check_in_range "Flexion near 0 when upright" "$(prop Flexion)" -4.999 4.999
check_in_range "LateralBend near 0 when upright" "$(prop LateralBend)" -4.999 4.999
check_in_range "StrainLevel is within 0..1" "$(prop StrainLevel)" 0 1
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
check_match "FilterKernel names a kernel" '^(scalar|sse2|avx2|neon)$' "$(prop FilterKernel)"

# --- posturectl status reads the same properties.
st=$("$POSTURECTL" --session status 2>&1)
check_match "posturectl status shows the posture" 'upright' "$st"
st=$("$POSTURECTL" --session status --json 2>&1 | jq -r .Posture)
check_eq "posturectl status --json gives the posture" upright "$st"

# --- SIGTERM shuts down cleanly.
kill -TERM "$DAEMON_PID"
wait_daemon
check_eq "SIGTERM: exit status 0" 0 "$?"

# --- Calibrate() refused while moving.
POSTURED_FILTER=scalar start_daemon --source "replay:$DATA/moving.csv?speed=0"
check "daemon with a moving wearer is up" wait_for_name
check "the moving replay ends" wait_for_prop SensorState absent
err=$(gdbus call --session -d org.postured.Posture1 -o /org/postured/Posture1 \
        -m org.postured.Posture1.Calibrate 2>&1)
check_match "Calibrate() while moving: org.postured.Error.NotStill" \
        'org\.postured\.Error\.NotStill.*Not still' "$err"
check_eq "POSTURED_FILTER=scalar picks the scalar kernel" scalar "$(prop FilterKernel)"
kill -TERM "$DAEMON_PID"; wait_daemon

# --- A kernel name that does not exist (avx512 was removed) stops the daemon.
POSTURED_FILTER=avx512 run_daemon --source "replay:$DATA/moving.csv?speed=0"
check_eq "POSTURED_FILTER=avx512 (removed): exit status 1" 1 "$rc"
check_match "POSTURED_FILTER=avx512: no such kernel, the valid names listed" \
        'POSTURED_FILTER=avx512: no such filter kernel \(avx2, sse2, neon, scalar\)' "$err"

# --- sd_notify READY=1 and STATUS= through NOTIFY_SOCKET: the listener
# exits once it has READY=1 and a STATUS= naming the sensor (or after 30 s).
python3 - "$TMP/notify.sock" "STATUS=Sensor $rec" >"$TMP/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(30)
seen = set()
try:
    while not {"READY=1", "STATUS"} <= seen:
        for line in s.recv(4096).decode().splitlines():
            print(line, flush=True)
            if line == "READY=1":
                seen.add(line)
            elif line.startswith(sys.argv[2]):
                seen.add("STATUS")
except socket.timeout:
    print("# timed out after 30 s waiting for READY=1 and " + sys.argv[2], file=sys.stderr)
PY
npid=$!
poll_until -p "$npid" 10 "the notify socket" test -S "$TMP/notify.sock"
NOTIFY_SOCKET="$TMP/notify.sock" start_daemon --source "replay:$rec?speed=0"
check "daemon with NOTIFY_SOCKET takes its name" wait_for_name
wait "$npid"
kill -TERM "$DAEMON_PID"; wait_daemon
check "sd_notify READY=1 sent" grep -qx 'READY=1' "$TMP/notify.txt"
check "sd_notify STATUS= names the sensor" grep -q "^STATUS=Sensor $rec" "$TMP/notify.txt"

finish
