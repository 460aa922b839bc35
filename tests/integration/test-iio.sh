#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The iio source plugin, in the real daemon, against IIO accelerometers
# emulated by umockdev (the kernel here has no IIO): a "wearer" bends and
# the D-Bus properties follow. tests/data/umockdev/iio-testbed.py streams
# scans into the device node as a kernel driver would, encoded from the
# scan_elements/*_type files of each fixture.
#  - 12-bit samples (le:s12/16>>4), monotonic timestamps, rotated mount
#    matrix, trigger and rate given in the URI; a pause (no spinning, prompt
#    stop), a stall and the reopened source;
#  - 24-bit offset-binary big-endian samples (be:u24/32>>8), per-axis scale,
#    found by discovery (iio:) behind a non-accelerometer; unplugged;
#  - the 12-bit device served by iiod, read over iio:ip:127.0.0.1:PORT:NAME;
#  - a device without a buffer, polled.
. "$(dirname "$0")/lib.sh"

FIX="$DATA/umockdev"
CTL="$TMP/control"
PY=/usr/bin/python3

# Missing tools are a failure, not a skip.
if ! "$PY" -c 'import gi; gi.require_version("UMockdev", "1.0"); from gi.repository import UMockdev' \
        2>/dev/null || ! command -v iiod >/dev/null || [ ! -e "$PLUGINS/iio.so" ]; then
        not_ok "prerequisites: python3-gi with UMockdev, iiod, $PLUGINS/iio.so"
        finish
fi

# Angles published 20 times a second.
printf '[Bus]\nPropertyRateHz=20\n' >"$TMP/postured.conf"

# posture FLEXION [LATERAL [STATE]]: what the emulated wearer does now.
posture() {
        printf 'flexion=%s\nlateral=%s\nstate=%s\n' "$1" "${2:-0}" "${3:-run}" >"$CTL.tmp"
        mv "$CTL.tmp" "$CTL"
}

# under_testbed FIXTURE: start_daemon then runs postured inside the testbed.
under_testbed() {
        printf '#!/bin/sh\nexec %s %s %s %s -- %s "$@"\n' "$PY" "$FIX/iio-testbed.py" \
                "$FIX/$1" "$CTL" "$top/$BUILD/postured" >"$TMP/postured-in-testbed"
        chmod +x "$TMP/postured-in-testbed"
        POSTURED="$TMP/postured-in-testbed"
        rm -f "$CTL.root"
}

# sysfs FILE: an attribute of the emulated device, as the plugin left it.
sysfs() {
        tr -d '\0' <"$(cat "$CTL.root")/sys/$1"
}

# wait_prop PROPERTY VALUE: wait_for_prop (which fails at once when the
# daemon has died).
wait_prop() {
        wait_for_prop "$@"
}

# wait_near PROPERTY TARGET: within 1° for 0.5 s of its PropertiesChanged
# signals (20 a second here): settled, not passing through.
wait_near() {
        bus_wait --settle 0.5 range "$1" "$(($2 - 1))" "$(($2 + 1))" >/dev/null
}

# The daemon proper (a child of the testbed harness, or DAEMON_PID itself).
daemon_pid() {
        pgrep -P "$DAEMON_PID" -x postured || echo "$DAEMON_PID"
}

# run_briefly SECONDS URI: the output of a daemon that refuses a source and
# exits (SECONDS bounds it, should it not).
run_briefly() {
        timeout "$1" "$POSTURED" --session --config "$TMP/postured.conf" --source "$2" 2>&1
}

# --- 1. 12-bit samples, rotated mount matrix, trigger and rate in the URI.
posture 0
under_testbed iio-accel-s12.umockdev
start_daemon --config "$TMP/postured.conf" --source 'iio:local:fake-accel?trigger=hrtimer0&rate=50'
check "s12: daemon takes its name" wait_for_name
check "s12: SensorState becomes active" wait_prop SensorState active
check_eq "s12: Sensor names the device" "iio:device0 (fake-accel)" "$(prop Sensor)"
check_eq "s12: rate=50 written to sampling_frequency and reported" 50 "$(prop SampleRate)"
dev=devices/platform/fake-accel/iio:device0
check_eq "s12: trigger=hrtimer0 attached" hrtimer0 "$(sysfs $dev/trigger/current_trigger)"
check_eq "s12: buffer enabled" 1 "$(sysfs $dev/buffer/enable)"
check_eq "s12: timestamp scan element enabled" 1 "$(sysfs $dev/scan_elements/in_timestamp_en)"
check_eq "s12: watermark set for one wake a second (50 Hz)" 50 \
        "$(sysfs $dev/buffer/watermark)"
check "s12: calibrates on the still, upright start" wait_prop Calibrated true
check "s12: Flexion 0° while upright" wait_near Flexion 0
posture 30
check "s12: Flexion follows a 30° forward bend within 1°" wait_near Flexion 30
check "s12: LateralBend stays 0° (mount matrix applied)" wait_near LateralBend 0
posture 0 15
check "s12: LateralBend follows a 15° bend to the right within 1°" wait_near LateralBend 15
check "s12: Flexion back to 0°" wait_near Flexion 0

# A sensor that stops sending: the thread waits without spinning (measured
# over the first 3 s of the pause, before the 5 s stall verdict).
pid=$(daemon_pid)
threads=$(ls "/proc/$pid/task" | wc -l)
posture 0 0 pause
check_cpu_under "s12: no data for 3 s costs under 0.3 s of CPU" 3 "$pid" 30
check_eq "s12: the source thread is still there while no data comes" "$threads" \
        "$(ls "/proc/$pid/task" | wc -l)"
posture 20 0 run
check "s12: samples flow again after the pause" wait_near Flexion 20
# Longer than StallTimeoutSec=5: the daemon closes the source and opens it again.
posture 20 0 pause
check "s12: a longer pause is a stall (the daemon's verdict)" wait_prop SensorState stalled
posture 0 0 run
check "s12: the reopened source streams again" wait_near Flexion 0
check_eq "s12: SensorState active again" active "$(prop SensorState)"
# No data again, until the daemon has given up on it and reopened the source,
# which waits for data that does not come: SIGTERM then.
posture 20 0 pause
check "s12: no data again: stalled" wait_prop SensorState stalled
stop_daemon
check "s12: SIGTERM while no data comes stops within 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000
check_eq "s12: SIGTERM: exit status 0" 0 "$STOP_RC"
check_eq "s12: buffer disabled on exit" 0 "$(sysfs $dev/buffer/enable)"

# --- 2. 24-bit big-endian offset-binary samples, found by discovery.
posture 0
under_testbed iio-accel-be24.umockdev
start_daemon --config "$TMP/postured.conf" --source iio:
check "be24: daemon takes its name" wait_for_name
check "be24: SensorState becomes active" wait_prop SensorState active
check_eq "be24: discovery skips the barometer" "iio:device1 (fake-accel24)" "$(prop Sensor)"
check_eq "be24: SampleRate from sampling_frequency" 100 "$(prop SampleRate)"
dev=devices/platform/fake-accel24/iio:device1
check_eq "be24: the device's own trigger attached" fake-accel24-dev1 \
        "$(sysfs $dev/trigger/current_trigger)"
check "be24: calibrates" wait_prop Calibrated true
check "be24: Flexion 0° while upright" wait_near Flexion 0
posture 30
check "be24: Flexion follows a 30° forward bend within 1°" wait_near Flexion 30
posture 30 0 gone
check "be24: unplugging ends the stream (SensorState)" \
        wait_prop SensorState absent
check "be24: the daemon says the device was removed" \
        poll_until 10 "'device removed' in the log" grep -q 'device removed' "$DAEMON_LOG"
check "be24: the daemon keeps running" kill -0 "$(daemon_pid)"
pid_before=$(daemon_pid)
posture 30 0 run
check "be24: plugged in again, SensorState active without a restart" wait_prop SensorState active
check_eq "be24: the same daemon process" "$pid_before" "$(daemon_pid)"
check "be24: Flexion follows again" wait_near Flexion 30
stop_daemon
check_eq "be24: SIGTERM after the unplug: exit status 0" 0 "$STOP_RC"

# --- 3. The same 12-bit device, served by iiod, read over the network.
posture 0
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" "$FIX/iio-testbed.py" "$FIX/iio-accel-s12.umockdev" "$CTL" -- iiod -D -p "$port" \
        >"$TMP/iiod.log" 2>&1 &
iiod_pid=$!
_pids+=("$iiod_pid")
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
check "iiod listens" poll_until -p "$iiod_pid" "$WAIT_TIMEOUT" "iiod to listen on $port" port_open
POSTURED="$top/$BUILD/postured"
start_daemon --config "$TMP/postured.conf" --source "iio:ip:127.0.0.1:$port:fake-accel"
check "iiod: daemon takes its name" wait_for_name
check "iiod: SensorState becomes active" wait_prop SensorState active
check_eq "iiod: Sensor names the device and the host" \
        "iio:device0 (fake-accel) on ip:127.0.0.1:$port" "$(prop Sensor)"
check "iiod: calibrates" wait_prop Calibrated true
check "iiod: Flexion 0° while upright" wait_near Flexion 0
posture 30
check "iiod: Flexion follows a 30° forward bend within 1°" wait_near Flexion 30
pid=$(daemon_pid)
posture 30 0 pause
check_cpu_under "iiod: no data for 3 s costs under 0.3 s of CPU" 3 "$pid" 30
posture 10 0 run
check "iiod: samples flow again after the pause" wait_near Flexion 10
stop_daemon
check "iiod: SIGTERM stops the daemon within 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000
check_eq "iiod: SIGTERM: exit status 0" 0 "$STOP_RC"
kill "$iiod_pid" 2>/dev/null
wait "$iiod_pid" 2>/dev/null

# --- 4. No buffer: in_accel_*_raw polled at the default 50 Hz.
posture 0
under_testbed iio-accel-poll.umockdev
start_daemon --config "$TMP/postured.conf" --source iio:fake-accel-poll
check "poll: daemon takes its name" wait_for_name
check "poll: SensorState becomes active" wait_prop SensorState active
check_eq "poll: SampleRate is the polling rate" 50 "$(prop SampleRate)"
check "poll: calibrates" wait_prop Calibrated true
check "poll: Flexion 0° while upright" wait_near Flexion 0
posture 30
check "poll: Flexion follows a 30° forward bend within 1°" wait_near Flexion 30
posture 30 0 gone
check "poll: unplugging ends the stream" wait_prop SensorState absent
stop_daemon
check_eq "poll: SIGTERM: exit status 0" 0 "$STOP_RC"

# --- 5. The daemon's own discovery (auto) finds the IIO accelerometer.
posture 0
under_testbed iio-accel-be24.umockdev
start_daemon --config "$TMP/postured.conf" --source auto
check "auto: SensorState becomes active" wait_prop SensorState active
check_eq "auto: Sensor is the IIO accelerometer" "iio:device1 (fake-accel24)" "$(prop Sensor)"
stop_daemon

# --- 6. Errors name what is wrong.
posture 0
POSTURED="$top/$BUILD/postured"
out=$(run_briefly 5 'iio:local:x?speed=2')
check_match "an unknown URI option is refused by name" "unknown option 'speed'" "$out"
under_testbed iio-accel-s12.umockdev
out=$(run_briefly 5 'iio:fake-accel?trigger=nope')
check_match "a missing trigger is refused by name" "no IIO trigger named 'nope'" "$out"
# A device that is not there (yet) is waited for, and the log says what is missing.
start_daemon --config "$TMP/postured.conf" --source 'iio:nosuch'
check "a missing device is waited for" wait_prop SensorState absent
check "  naming the devices there are" poll_until 10 "the missing device in the log" \
        grep -Eq "no IIO device.*'nosuch'.*iio:device0 \(fake-accel\)" "$DAEMON_LOG"
stop_daemon
check_eq "  SIGTERM: exit status 0" 0 "$STOP_RC"

finish
