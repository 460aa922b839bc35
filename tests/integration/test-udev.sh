#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The udev rules, udev/60-postured.rules:
#  - they parse, and udevadm test, run against the emulated devices of
#    tests/data/umockdev/, gives IIO accelerometers (polled or buffered) and
#    input accelerometers to the group postured, with the sysfs attributes
#    of buffered IIO, and starts postured.service for them; not for other
#    IIO devices or triggers;
#  - the daemon running as the user postured, on a private system bus with
#    the shipped policy, streams from an emulated IIO accelerometer whose
#    node and attributes have the modes the rules give, and without them
#    says clearly that it is not allowed to.
# Neither the test machines' kernel (no IIO) nor udevd (not running in a
# container) can apply the rules to a device, so the test takes what
# `udevadm test` says they do (its GROUP, MODE and run: lines) and applies
# exactly that to the emulated device, the RUN command with /sys pointing
# at the testbed's.
# The user and group postured, the rules and udevadm's database live in a
# private mount namespace (unshare -m): copies of /etc/passwd and /etc/group
# with the user from systemd/postured.sysusers, the rules as the only file
# in /etc/udev/rules.d, a /run and /dev of its own for udevadm. The machine's
# files are not changed.
. "$(dirname "$0")/lib.sh"

FIX="$DATA/umockdev"
PY=/usr/bin/python3
RULES="$top/udev/60-postured.rules"

# Missing tools are a failure, not a skip.
if ! command -v udevadm >/dev/null || ! command -v unshare >/dev/null ||
        ! command -v setpriv >/dev/null || ! command -v umockdev-run >/dev/null ||
        ! "$PY" -c 'import gi; gi.require_version("UMockdev", "1.0"); from gi.repository import UMockdev' \
                2>/dev/null || [ ! -e "$PLUGINS/iio.so" ] || [ "$(id -u)" -ne 0 ]; then
        not_ok "prerequisites: root, udevadm (udev), unshare, setpriv, umockdev, python3-gi, $PLUGINS/iio.so"
        finish
fi

# --- The namespace's files.
NS=$(mktemp -d)
chmod 755 "$NS"
_cleanup_ns() { rm -rf "$NS" "${SYSDIR:-}"; }
_exit_hooks+=(_cleanup_ns)
mkdir -p "$NS/root/etc" "$NS/rules" "$NS/olddev"
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$NS/root/etc/"
# systemd-sysusers --root reads configuration files below the root: stdin.
check "systemd-sysusers creates the user postured from systemd/postured.sysusers" \
        quietly systemd-sysusers --root="$NS/root" - <"$top/systemd/postured.sysusers"
gid=$(awk -F: '$1 == "postured" { print $3 }' "$NS/root/etc/group")
check "  and the group postured" test -n "$gid"
cp "$RULES" "$NS/rules/"

# in_ns [--udevadm] COMMAND...: COMMAND in a new mount namespace with the
# user postured and the rules; --udevadm also gives it an empty /run and a
# /dev of its own, where udevadm test writes its database and /dev/char.
# A script, so that it can run in the background and be signalled.
cat >"$NS/in-ns" <<'EOF'
#!/bin/sh
ns=$(dirname "$0")
udev=0
[ "$1" = --udevadm ] && { udev=1; shift; }
exec unshare -m -- /bin/sh -ec '
        ns=$1 udev=$2
        shift 2
        mount --bind "$ns/root/etc/passwd" /etc/passwd
        mount --bind "$ns/root/etc/group" /etc/group
        mount --bind "$ns/rules" /etc/udev/rules.d
        if [ "$udev" = 1 ]; then
                mount -t tmpfs tmpfs /run
                mount --rbind /dev "$ns/olddev"
                mount -t tmpfs -o mode=755 tmpfs /dev
                for n in null zero full random urandom tty; do
                        touch "/dev/$n"
                        mount --bind "$ns/olddev/$n" "/dev/$n"
                done
                mkdir /dev/pts /dev/shm
                mount --bind "$ns/olddev/pts" /dev/pts
                ln -s pts/ptmx /dev/ptmx
                ln -s /proc/self/fd /dev/fd
        fi
        exec "$@"' sh "$ns" "$udev" "$@"
EOF
chmod 755 "$NS/in-ns"
in_ns() {
        "$NS/in-ns" "$@"
}

# --- 1. The rules parse.
if udevadm verify --help >/dev/null 2>&1; then
        check "udevadm verify: the rules parse" quietly udevadm verify "$RULES"
else
        ok "# SKIP udevadm verify: not in systemd $(udevadm --version) (it came in 253); udevadm test below reads the rules"
fi

# The fixtures with MAJOR and MINOR in the node's properties, as the kernel
# sends them: without them udev sees no device node and applies no GROUP or
# MODE.
for f in iio-accel-s12 iio-accel-be24 iio-accel-poll evdev-accel; do
        awk '{ print } /^A: dev=[0-9]+:[0-9]+$/ {
                split(substr($0, 8), mm, ":"); print "E: MAJOR=" mm[1]; print "E: MINOR=" mm[2] }' \
                "$FIX/$f.umockdev" >"$NS/$f.umockdev"
done

# udev_test FIXTURE SYSPATH: udevadm test --action=add of the device, with
# only our rules (and the machine's in /usr/lib/udev/rules.d); its output in
# $NS/udev.out.
udev_test() {
        in_ns --udevadm umockdev-run -d "$NS/$1.umockdev" -- \
                udevadm test --action=add "/sys$2" >"$NS/udev.out" 2>&1 ||
                { sed 's/^/# udevadm: /' "$NS/udev.out" | tail -n 20; return 1; }
}

# ours: what udevadm says of our rules file (its GROUP, MODE, RUN, errors).
ours() {
        grep -F '60-postured.rules' "$NS/udev.out" | grep -v '^Reading rules file'
}

# prop_of NAME: the device's property after the rules.
prop_of() {
        sed -n "s/^$1=//p" "$NS/udev.out" | tail -n 1
}

# Our service among SYSTEMD_WANTS: other packages' rules (iio-sensor-proxy's,
# where it is installed) may want their own services of the same device.
wants_ours() {
        prop_of SYSTEMD_WANTS | tr ' ' '\n' | grep -x postured.service
}

s12=/devices/platform/fake-accel/iio:device0
check "udevadm test: the buffered IIO accelerometer (s12)" udev_test iio-accel-s12 "$s12"
check "  udevadm read our rules" grep -q 'Reading rules file: /etc/udev/rules.d/60-postured.rules' \
        "$NS/udev.out"
check "  no complaint about our rules (only GROUP, MODE, RUN lines)" \
        sh -c '! printf "%s\n" "$1" | grep -Ev "rules:[0-9]+ (GROUP|MODE|RUN) " | grep -q .' sh "$(ours)"
check_match "  GROUP postured ($gid)" "60-postured.rules:[0-9]+ GROUP $gid\$" "$(ours)"
check_match "  MODE 0660" "60-postured.rules:[0-9]+ MODE 0660\$" "$(ours)"
check_match "  tagged for systemd" ":systemd:" "$(prop_of TAGS)"
check_eq "  SYSTEMD_WANTS=postured.service" postured.service "$(wants_ours)"
run=$(sed -n "s/^run: '\\(.*\\)'\$/\\1/p" "$NS/udev.out")
check_match "  RUN: chgrp postured and chmod g+w of the device's attributes" \
        "^/bin/sh -c 'cd /sys$s12 .*chgrp postured .*chmod g\\+w " "$run"
# What the test applies below: udevadm's own words, saved.
s12_group=$(ours | sed -n 's/.* GROUP \([0-9]*\)$/\1/p' | tail -n 1)
s12_mode=$(ours | sed -n 's/.* MODE \(0[0-7]*\)$/\1/p' | tail -n 1)
s12_run=$run

# Without a buffer or events the kernel makes no node: nothing for GROUP=
# and MODE=, the raw attributes are world-readable, the rate is the RUN's.
check "udevadm test: the IIO accelerometer without a buffer (polled)" \
        udev_test iio-accel-poll /devices/platform/fake-accel-poll/iio:device0
check_match "  RUN: chgrp and chmod g+w of its attributes" "RUN .*chgrp postured" "$(ours)"
check_eq "  SYSTEMD_WANTS=postured.service" postured.service "$(wants_ours)"

check "udevadm test: the 24-bit IIO accelerometer (be24)" \
        udev_test iio-accel-be24 /devices/platform/fake-accel24/iio:device1
check_match "  GROUP postured, MODE 0660" "GROUP $gid.*MODE 0660" "$(ours | tr '\n' ' ')"
check_eq "  SYSTEMD_WANTS=postured.service" postured.service "$(wants_ours)"

check "udevadm test: an IIO barometer" \
        udev_test iio-accel-be24 /devices/platform/fake-baro/iio:device0
check_eq "  is left alone" "" "$(ours)"
check_eq "  does not start the service" "" "$(wants_ours)"

check "udevadm test: an IIO trigger" udev_test iio-accel-s12 /devices/trigger1
check_eq "  is left alone" "" "$(ours)"

check "udevadm test: the input accelerometer (ID_INPUT_ACCELEROMETER=1)" \
        udev_test evdev-accel /devices/virtual/input/input42/event4
check_match "  GROUP postured, MODE 0640 (read only)" "GROUP $gid.*MODE 0640" "$(ours | tr '\n' ' ')"
check_match "  tagged for systemd" ":systemd:" "$(prop_of TAGS)"
check_eq "  SYSTEMD_WANTS=postured.service" postured.service "$(wants_ours)"

# make install puts the rules where udev reads them (make -n: what it would run).
inst=$(make --no-print-directory -n install PREFIX=/usr DESTDIR=/dest 2>/dev/null)
check_match "make install PREFIX=/usr installs the rules into udev's rules.d" \
        "install -m644 udev/60-postured.rules /dest$(pkg-config --variable=udevdir udev 2>/dev/null || echo /usr/lib/udev)/rules.d/" \
        "$inst"

# --- 2. The daemon as the user postured, on a private system bus.
system_bus_config
in_ns dbus-daemon --config-file="$SYSDIR/system.conf" --fork --print-pid=3 3>"$SYSDIR/pid" \
        2>"$SYSDIR/dbus.log"
_pids+=("$(cat "$SYSDIR/pid")")
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYSDIR/socket"

CTL="$NS/control"
printf 'flexion=0\nlateral=0\nstate=run\n' >"$CTL"

# The testbed's command: as root, make the testbed reachable, give the node
# the kernel's default (root:root 0600; a umockdev node is a pty, 0620
# root:tty), apply the rules' effect when asked, then become postured.
# The harness's own commands run without the preload library.
cat >"$NS/as-postured" <<'EOF'
#!/bin/sh
set -e
apply=$1
shift
root=$UMOCKDEV_DIR
node=$(readlink -f "$root/dev/iio:device0")
env -u LD_PRELOAD chmod 755 "$root"
env -u LD_PRELOAD chown root:root "$node"
env -u LD_PRELOAD chmod 0600 "$node"
# umockdev's channel for the node's ioctls (the kernel's is the node itself).
env -u LD_PRELOAD find "$root/ioctl" -type s -exec chmod 0666 {} +
if [ "$apply" = yes ]; then
        env -u LD_PRELOAD chgrp "$GROUP" "$node"
        env -u LD_PRELOAD chmod "$MODE" "$node"
        # The RUN command as udevadm printed it, its /sys the testbed's.
        run=$(printf '%s' "$RUN" | sed "s| /sys/| $root/sys/|g")
        eval "env -u LD_PRELOAD $run"
fi
env -u LD_PRELOAD ls -lL "$node" "$root/sys/devices/platform/fake-accel/iio:device0/buffer" >&2
exec setpriv --reuid=postured --regid=postured --init-groups "$@"
EOF
chmod 755 "$NS/as-postured"

# start_as_postured yes|no: the daemon as postured on the s12 device, with
# the rules' modes or without; DAEMON_PID is the namespace's process, which
# passes SIGTERM on to the daemon only (timeout --foreground: not to its
# process group, which would signal the daemon twice), and ends it after
# 120 s should it not end.
start_as_postured() {
        GROUP=$s12_group MODE=$s12_mode RUN=$s12_run \
                "$NS/in-ns" timeout --foreground 120 "$PY" "$FIX/iio-testbed.py" "$FIX/iio-accel-s12.umockdev" "$CTL" -- \
                "$NS/as-postured" "$1" "$POSTURED" --system \
                --source 'iio:local:fake-accel?trigger=hrtimer0&rate=50' >"$DAEMON_LOG" 2>&1 &
        DAEMON_PID=$!
        track_daemon "$DAEMON_PID" "$DAEMON_LOG"
}

sys_wait() {
        "$BUS_WAIT" --system --timeout "$WAIT_TIMEOUT" --pid "$DAEMON_PID" --log "$DAEMON_LOG" "$@" \
                >/dev/null
}

sys_prop() {
        busctl --json=short get-property org.postured.Posture1 /org/postured/Posture1 \
                org.postured.Posture1 "$1" | jq -r '.data'
}

# daemon_uid: the real uid of the daemon proper (the postured process
# under this test's testbed).
daemon_uid() {
        local p root
        root=$(cat "$CTL.root")
        for p in $(pgrep -x postured); do
                tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "UMOCKDEV_DIR=$root" &&
                        awk '/^Uid:/ { print $2 }' "/proc/$p/status"
        done
}

sysfs() {
        tr -d '\0' <"$(cat "$CTL.root")/sys/$s12/$1"
}

stop_as_postured() {
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait_daemon
        STOP_RC=$?
        sys_wait gone >/dev/null 2>&1 || true
}

# The testbed's directory, once its harness has ended.
remove_testbed() {
        [ -s "$CTL.root" ] && rm -rf "$(cat "$CTL.root")"
        rm -f "$CTL.root"
}

start_as_postured yes
check "with the rules' modes: the daemon as postured owns its name on the system bus" sys_wait name
check "  SensorState becomes active" sys_wait prop SensorState active
check_eq "  it runs as the user postured" \
        "$(awk -F: '$1 == "postured" { print $3 }' "$NS/root/etc/passwd")" "$(daemon_uid)"
check_eq "  rate=50 written to sampling_frequency" 50.000 "$(sysfs sampling_frequency)"
check_eq "  trigger=hrtimer0 written to trigger/current_trigger" hrtimer0 \
        "$(sysfs trigger/current_trigger)"
check_eq "  buffer/enable written" 1 "$(sysfs buffer/enable)"
check_eq "  scan_elements/in_accel_x_en written" 1 "$(sysfs scan_elements/in_accel_x_en)"
check "  calibrates on the streamed samples" sys_wait prop Calibrated true
# (Binding udev's netlink socket as a user other than root is refused in
# this container: "Cannot watch udev", which is not the device's access.)
check "  no permission error about the device in the log" \
        sh -c '! grep -i "permission denied" "$1" | grep -qv "Cannot watch udev"' sh "$DAEMON_LOG"
stop_as_postured
check_eq "  SIGTERM: exit status 0" 0 "$STOP_RC"
check_eq "  buffer disabled on exit (postured may write buffer/enable)" 0 "$(sysfs buffer/enable)"
remove_testbed

# Without them the source cannot be opened at start: exit status 1 (see
# postured(8)), and the log says what was refused.
start_as_postured no
wait_daemon
check_eq "without them: the daemon as postured cannot open the device: exit status 1" 1 "$rc"
check_match "  the log says the device cannot be opened, and why" \
        "Cannot open source: iio:device0 \(fake-accel\): .*Permission denied" "$(cat "$DAEMON_LOG")"
check_eq "  it wrote nothing: buffer not enabled" 0 "$(sysfs buffer/enable)"
remove_testbed

finish
