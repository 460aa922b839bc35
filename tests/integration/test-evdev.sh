#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The evdev source plugin in the real daemon, reading an input-subsystem
# accelerometer that umockdev emulates (this kernel has no uinput):
# tests/data/umockdev/evdev-accel.py streams postures live to
# /dev/input/event4 and answers libevdev's ioctls; the daemon runs under
# libumockdev-preload; busctl reads what it makes of the stream.
. "$(dirname "$0")/lib.sh"

FEEDER="$DATA/umockdev/evdev-accel.py"
SENSOR="/dev/input/event4 (Fake evdev accelerometer)"

if ! [ -e "$PLUGINS/evdev.so" ] || ! /usr/bin/python3 -c \
        'import gi; gi.require_version("UMockdev", "1.0"); from gi.repository import UMockdev' \
        2>/dev/null; then
        ok "# SKIP no evdev plugin or no umockdev Python bindings (make deps)"
        finish
fi

# Start the emulated device with evdev-accel.py's options; its stdin is fd 3.
feeder_start() {
        rm -f "$TMP/ready" "$TMP/ctl"
        mkfifo "$TMP/ctl"
        /usr/bin/python3 "$FEEDER" --ready "$TMP/ready" "$@" <"$TMP/ctl" >>"$TMP/feeder.log" 2>&1 &
        FEEDER_PID=$!
        _pids+=("$FEEDER_PID")
        exec 3>"$TMP/ctl"
        wait_for_file "$TMP/ready" "$FEEDER_PID"
        ROOT=$(cat "$TMP/ready" 2>/dev/null)
        [ -n "$ROOT" ] || echo "feeder did not start: $(cat "$TMP/feeder.log")"
}

feed() { echo "$*" >&3; }

# status_lines: how many times the feeder has printed its counters.
status_lines() {
        grep -c '^evdev-accel: clients ' "$TMP/feeder.log"
}

status_since() { [ "$(status_lines)" -gt "$1" ]; }

# feeder_frames: how many frames the feeder has written so far.
feeder_frames() {
        local before
        before=$(status_lines)
        feed status
        poll_until -p "$FEEDER_PID" "$WAIT_TIMEOUT" "the feeder's counters" \
                status_since "$before" || return 1
        grep '^evdev-accel: clients ' "$TMP/feeder.log" | tail -n 1 |
                sed 's/.* frames \([0-9]*\).*/\1/'
}

# wait_for_frames N: until the feeder has written N frames in all (it
# writes while the daemon reads).
frames_reached() { [ "$(feeder_frames)" -ge "$1" ]; }
wait_for_frames() {
        poll_until -p "$FEEDER_PID" -p "$DAEMON_PID" "$WAIT_TIMEOUT" "the feeder to write $1 frames" \
                frames_reached "$1"
}

feeder_stop() {
        exec 3>&-
        wait "$FEEDER_PID" 2>/dev/null
}

# The daemon under the umockdev preload library, without the feeder's
# stdin (or the feeder would never see its end). An ASan build wants its
# runtime first in the library list, which LD_PRELOAD prevents: tell it
# that is fine.
start_emulated() {
        LD_PRELOAD=libumockdev-preload.so.0 UMOCKDEV_DIR="$ROOT" \
                ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:log_path=stderr" \
                UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=stderr" \
                start_daemon "$@" 3>&-
}

# check_range "what" PROPERTY LO HI: ok once PROPERTY has lain within LO..HI
# for 1.2 s of its PropertiesChanged signals (it is throttled to 1 Hz):
# settled, not passing through.
check_range() {
        local v
        if v=$(bus_wait --settle 1.2 range "$2" "$3" "$4"); then
                ok "$1 ($2 = $v)"
        else
                not_ok "$1 ($2 = '$(prop "$2" 2>/dev/null)', expected $3..$4)"
        fi
}

# check_stays "what" PROPERTY LO HI SECONDS COMMAND...: PROPERTY never leaves
# LO..HI while COMMAND runs and for SECONDS from its start: every
# PropertiesChanged is checked. A window of wall time, as the bus carries
# no sample time; the feeder's own disturbances are shorter than SECONDS.
check_stays() {
        local what=$1 name=$2 lo=$3 hi=$4 secs=$5 w
        shift 5
        rm -f "$TMP/stays.ready"
        bus_wait --ready "$TMP/stays.ready" stays "$name" "$lo" "$hi" "$secs" >"$TMP/stays.out" &
        w=$!
        wait_for_file "$TMP/stays.ready" "$w"
        "$@"
        if wait "$w"; then
                ok "$what ($name = $(cat "$TMP/stays.out"))"
        else
                not_ok "$what ($name left $lo..$hi)"
        fi
}

# Until SensorState is something else than active.
wait_for_not_active() {
        bus_wait not SensorState active >/dev/null
}

# Times the daemon's threads went to sleep and were woken, all together.
all_wakeups() {
        cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'
}

# check_log "what" REGEX: the daemon says so (while it runs, its log may lag
# a little).
check_log() {
        if grep -Eq -- "$2" "$DAEMON_LOG" ||
                { kill -0 "$DAEMON_PID" 2>/dev/null &&
                        poll_until 10 "/$2/ in the log" grep -Eq -- "$2" "$DAEMON_LOG"; }; then
                ok "$1"
        else
                not_ok "$1 (no /$2/ in the log)"
        fi
}

# --- 1. A named device, 256 units per g, CLOCK_MONOTONIC accepted.
feeder_start --resolution 256
start_emulated --source evdev:/dev/input/event4
check "daemon takes org.postured.Posture1 with evdev:/dev/input/event4" wait_for_name
check "SensorState becomes active" wait_for_prop SensorState active
check_eq "Sensor names the device node and the device" "$SENSOR" "$(prop Sensor)"
check_range "SampleRate estimated from the event times (feeder: 100 Hz)" SampleRate 95 105
check "the plugin asked for CLOCK_MONOTONIC event times (EVIOCSCLOCKID 1)" \
        grep -q 'client chose clock 1' "$TMP/feeder.log"
check "auto-calibrated on the first still window" wait_for_prop Calibrated true
check_range "upright: Flexion about 0°" Flexion -1 1
check_range "upright: LateralBend about 0°" LateralBend -1 1
check_eq "upright: Posture" upright "$(prop Posture)"

feed angle 30
check_range "30° forward bend: Flexion within 1° (units scaled by the resolution)" Flexion 29 31
check_range "30° forward bend: LateralBend about 0°" LateralBend -1 1
# Counted over 300 frames the feeder writes (3 s at 100 Hz), not over a sleep.
f0=$(feeder_frames)
# A reader woken by each frame sleeps at least 300 times; the main loop reads
# the queue a few times a second (under umockdev each read() also waits twice
# for the emulator: about 4 switches a read, 50 in all).
w0=$(all_wakeups "$DAEMON_PID")
if wait_for_frames $((f0 + 300)); then
        w1=$(all_wakeups "$DAEMON_PID")
        check "100 Hz stream: read in batches, no wakeup per frame ($((w1 - w0)) switches of all threads in 300 frames)" \
                test $((w1 - w0)) -lt 150
else
        not_ok "100 Hz stream: frames handed over in batches (the 300 frames never came)"
fi

# SYN_DROPPED while the wearer moves to 45°, with the torn tail of a frame
# (x at its maximum, z at its minimum) behind it; then the device is silent,
# as a still one is. Only libevdev's resync (EVIOCGABS) tells the new posture,
# and only holding the last values keeps samples coming.
feed drop 45
check_range "after SYN_DROPPED: the resynced 45° posture" Flexion 44 46
check_range "after SYN_DROPPED: no bogus sideways bend from the torn frame" LateralBend -1 1
check_eq "after SYN_DROPPED: SensorState still active (silent device held)" active \
        "$(prop SensorState)"
check_log "the drop is logged" 'SYN_DROPPED'
# A window of wall time: a silent device sends nothing to count by.
check_cpu_under "silent device: the daemon idles (under 10 % CPU)" 2 "$DAEMON_PID" \
        $((2 * $(getconf CLK_TCK) / 10))
f0=$(feeder_frames)
feed resume
check "the feeder streams again" wait_for_frames $((f0 + 100))
check_range "streaming again at 45°" Flexion 44 46
check "daemon still running" kill -0 "$DAEMON_PID"

# A daemon that stops reading while 50 frames come (a sanitizer build on a
# busy machine): more than the kernel's queue holds (32 frames), and more
# than the pseudo-terminal's line buffer (42), beyond which a read could end
# inside an event. The queue overflows as the kernel's does, and the daemon
# carries on from the SYN_DROPPED it finds.
overflows() { grep -c 'client queue full' "$TMP/feeder.log"; }
n=$(overflows)
f0=$(feeder_frames)
kill -STOP "$DAEMON_PID"
check "a daemon stopped while 50 frames come" wait_for_frames $((f0 + 50))
kill -CONT "$DAEMON_PID"
check "  its queue overflowed" test "$(overflows)" -gt "$n"
feed angle 20
check_range "  then it reads on (20°)" Flexion 19 21
check_eq "  SensorState still active" active "$(prop SensorState)"

feed unplug
check "unplugged: SensorState leaves active" wait_for_not_active
check_log "unplugged: the source reports the device removed" 'device removed'
stop_daemon
check_eq "SIGTERM after the unplug: exit status 0" 0 "$?"
feeder_stop

# --- 2. Discovery; an older driver: no resolution (it sends mg), no
# EVIOCSCLOCKID, and a udev mount matrix that turns the z axis around (the
# sensor reads +z when the wearer bends forward).
feeder_start --resolution 0 --units-per-g 1000 --refuse-clockid \
        --name "Legacy accelerometer" --mount-matrix "1, 0, 0; 0, 1, 0; 0, 0, -1"
start_emulated --source evdev:
check "daemon with evdev: (discovery) is up" wait_for_name
check "discovery: SensorState becomes active" wait_for_prop SensorState active
check_eq "discovery: Sensor names the device found" \
        "/dev/input/event4 (Legacy accelerometer)" "$(prop Sensor)"
check_range "discovery: SampleRate plausible" SampleRate 95 105
check_log "no EVIOCSCLOCKID: falls back to CLOCK_REALTIME, and says so" 'CLOCK_REALTIME'
check_log "no resolution: 1 g measured while still (1000 units)" \
        'no axis resolution; took the 1000 units'
check "no resolution: still enough to auto-calibrate (units right)" wait_for_prop Calibrated true
check_range "no resolution: upright Flexion about 0°" Flexion -1 1
feed angle 30
check_range "udev ACCEL_MOUNT_MATRIX applied: forward bend reads +30°" Flexion 29 31
feed angle 0 20
check_range "lateral bend to the right: LateralBend about +20°" LateralBend 19 21
# x at the top of a ±2 g range: 2.3 g in all, plausible as a magnitude, so
# only FRAME_SATURATED keeps these frames away from the angles.
check_stays "x saturated for 1.5 s: those frames do not bend the wearer sideways" \
        LateralBend 19 21 3 feed saturate 1.5
stop_daemon
check_eq "SIGTERM: exit status 0" 0 "$?"
feeder_stop

# --- 3. No accelerometer yet, a missing node: waited for; a bad URI: refused.
feeder_start --no-accel
start_emulated --source evdev:
check "evdev: with no accelerometer: the daemon waits" wait_for_name
check "evdev: with no accelerometer: SensorState absent" wait_for_prop SensorState absent
check_log "evdev: with no accelerometer: says what it looked for" \
        'no accelerometer \(INPUT_PROP_ACCELEROMETER with ABS_X/Y/Z\) among 1 /dev/input/event\*'
feed accel
check "the device turns into an accelerometer: found on retry" wait_for_prop SensorState active
check_eq "... and named" "$SENSOR" "$(prop Sensor)"
stop_daemon
check_eq "SIGTERM: exit status 0" 0 "$?"
feeder_stop

feeder_start
start_emulated --source evdev:/dev/input/event9
check "a missing device node: the daemon waits" wait_for_name
check "a missing device node: SensorState absent" wait_for_prop SensorState absent
check_log "a missing device node: named in the log" 'cannot open /dev/input/event9: No such file'
stop_daemon
check_eq "SIGTERM: exit status 0" 0 "$?"
start_emulated --source 'evdev:/dev/input/event4?resolution=abc'
wait_daemon
check_eq "a bad option: the daemon fails" 1 "$?"
check_log "a bad option: named in the error" "evdev option 'resolution' needs a positive number"
feeder_stop

finish
