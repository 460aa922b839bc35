#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGHUP (ExecReload=) re-reads the configuration: a changed rule applies at
# once, systemd hears RELOADING=1 (with MONOTONIC_USEC=) and READY=1 on a
# NOTIFY_SOCKET the test provides, the neutral set by Calibrate() stays; a
# broken configuration is refused with its file and line and the old rules
# stay in force. The samples come from a FIFO the test feeds in steps; the
# replay source hands them over in batches of 512 (10 s at 50 Hz), so each
# step ends with a hold of 24 s, whose first part the daemon has certainly
# processed when the test looks.
. "$(dirname "$0")/lib.sh"

SINK="$top/tests/tools/dgram-sink.py"
CONF="$TMP/postured.conf"
FEED="$TMP/feed"

# Upright at 10° forward (the neutral), a bend to 80° (70° from neutral)
# and back to 30°; the same bend ending at 0° (10° behind the neutral);
# the bend once more.
python3 "$top/tests/tools/synth.py" --rate 50 --seed 7 -o "$TMP/rec.csv" \
        hold:10:24 ramp:80:2 hold:80:12 ramp:30:2 hold:30:24 \
        ramp:80:2 hold:80:12 ramp:0:2 hold:0:24 \
        ramp:80:2 hold:80:12 ramp:0:2 hold:0:24 || { not_ok "synth.py"; finish; }
# part FROM TO: the header and the samples with FROM <= t < TO.
part() {
        awk -F, -v from="$1" -v to="$2" '/^#/ { if (from == 0) print; next }
                $1 + 0 >= from && $1 + 0 < to' "$TMP/rec.csv"
}

cat >"$CONF" <<'INI'
[Source]
StallTimeoutSec=3600
[Posture]
AutoCalibrate=no
[Rules]
ExtremeFlexionCooldownSec=0
ExtremeFlexionDeg=85
INI

"$SINK" --ready "$TMP/notify.ready" notify "$TMP/notify.sock" "$TMP/notify.log" &
_pids+=($!)
wait_for_file "$TMP/notify.ready" $!

mkfifo "$FEED"
exec 3<>"$FEED"
# Whatever happens, the FIFO ends before lib.sh's cleanup stops the daemon.
trap 'exec 3>&-; cleanup' EXIT
part 0 24 >&3
# The children must not inherit the FIFO's write end (fd 3): it would never end.
NOTIFY_SOCKET="$TMP/notify.sock" start_daemon --config "$CONF" --source "replay:$FEED?speed=0" 3>&-
check "the daemon is on the bus" wait_for_name
check "READY=1 at start" poll_until 10 "READY=1" grep -qx READY=1 "$TMP/notify.log"

# --- Calibrate on the 10° hold; a bend beyond 70° is no extreme bend yet.
check "the 10° hold is read" quietly bus_wait range Flexion 8 12
check "Calibrate()" quietly busctl --user call org.postured.Posture1 /org/postured/Posture1 \
        org.postured.Posture1 Calibrate
check "Calibrated" wait_for_prop Calibrated true
start_monitor "$TMP/signals.json" StrainEvent 3>&-
part 24 64 >&3
check "the bend and the 30° hold are read" quietly bus_wait --settle 1 range Flexion 18 22
sync_monitor "$TMP/signals.json" "$MONITOR_PID"
check_eq "ExtremeFlexionDeg=85: no extreme-flexion" "" \
        "$(signals "$TMP/signals.json" StrainEvent .kind | grep extreme)"

# --- Reload with ExtremeFlexionDeg=60.
sed -i 's/^ExtremeFlexionDeg=85$/ExtremeFlexionDeg=60/' "$CONF"
kill -HUP "$DAEMON_PID"
check "RELOADING=1, then READY=1" poll_until 10 "RELOADING=1 and READY=1" \
        sh -c "grep -A100 -x RELOADING=1 '$TMP/notify.log' | grep -qx READY=1"
check "MONOTONIC_USEC= with RELOADING=1" grep -q '^MONOTONIC_USEC=[0-9][0-9]*$' "$TMP/notify.log"
check "the reload is logged" poll_until 10 "the reload in the log" grep -q "Reloaded" "$DAEMON_LOG"
part 64 104 >&3
check "after the reload: extreme-flexion" poll_until "$WAIT_TIMEOUT" "an extreme-flexion event" \
        grep -q '"extreme-flexion"' "$TMP/signals.json"
check "the neutral is kept: 0° reads about -10°" quietly bus_wait --settle 1 range Flexion -12 -8
check_eq "still Calibrated" true "$(prop Calibrated)"
check_eq "still running" 0 "$(kill -0 "$DAEMON_PID" 2>/dev/null; echo $?)"

# --- A broken configuration (a bad value on line 8, after a changed rule):
# refused as a whole, naming the file and line; the daemon keeps serving.
sed -i 's/^ExtremeFlexionDeg=60$/ExtremeFlexionDeg=85/' "$CONF"
echo "HysteresisDeg=lots" >>"$CONF"
line=$(wc -l <"$CONF")
kill -HUP "$DAEMON_PID"
check "the broken configuration is logged with its line" poll_until 10 "$CONF:$line: in the log" \
        grep -qF "$CONF:$line: [Rules] HysteresisDeg=lots" "$DAEMON_LOG"
check "the reload is refused" poll_until 10 "Reload refused" grep -q "Reload refused" "$DAEMON_LOG"
check "READY=1 after the refused reload" poll_until 10 "a third READY=1" \
        sh -c "[ \$(grep -cx READY=1 '$TMP/notify.log') -ge 3 ]"
check_eq "the daemon still serves" active "$(prop SensorState)"
n=$(signals "$TMP/signals.json" StrainEvent .kind | grep -c extreme)
part 104 200 >&3
check "the old rules (ExtremeFlexionDeg=60) stay in force" \
        poll_until "$WAIT_TIMEOUT" "another extreme-flexion event" \
        sh -c "[ \$(grep -c '\"extreme-flexion\"' '$TMP/signals.json') -gt $n ]"
check "still calibrated after the refusal" quietly bus_wait --settle 1 range Flexion -12 -8

# The source thread reads the FIFO: end it (EOF) before stopping the daemon.
exec 3>&-
stop_daemon
check_eq "SIGTERM after the reloads: exit status 0" 0 "$STOP_RC"
finish
