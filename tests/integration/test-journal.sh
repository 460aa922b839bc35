#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The structured journal: with stderr "connected to the journal"
# ($JOURNAL_STREAM names its device and inode, as systemd sets it), strain
# events and sensor state changes reach the journal's native protocol socket
# with their MESSAGE_ID and POSTURED_* fields. sd_journal_send() in
# libsystemd 252 always writes to /run/systemd/journal/socket, so the daemon
# runs in a mount namespace of its own where a directory of the test is
# mounted over /run/systemd, and tests/tools/dgram-sink.py owns the socket.
# Also: the catalog file compiles and lists every MESSAGE_ID.
. "$(dirname "$0")/lib.sh"

SINK="$top/tests/tools/dgram-sink.py"
ids=$(sed -n 's/^#define MESSAGE_ID_[A-Z_]* *"\([0-9a-f]*\)"$/\1/p' "$top/daemon/log.h")

# --- The catalog file: journalctl compiles it into a root of the test's own.
root="$TMP/root"
mkdir -p "$root/usr/lib/systemd/catalog" "$root/var/lib/systemd/catalog"
cp "$top/systemd/postured.catalog" "$root/usr/lib/systemd/catalog/"
check "journalctl --update-catalog takes postured.catalog" \
        journalctl --root="$root" --update-catalog
catalog=$(journalctl --root="$root" --list-catalog 2>&1)
for id in $ids; do
        check_match "the catalog explains $id" "^$id postured: " "$catalog"
done
check_eq "every id of the catalog is in log.h" "$(echo "$ids" | sort | tr '\n' ' ')" \
        "$(sed -n 's/^-- \([0-9a-f]*\)$/\1/p' "$top/systemd/postured.catalog" | sort | tr '\n' ' ')"

# --- The fields, from the native protocol socket.
if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        ok "# SKIP the journal's fields: needs root and unshare -m (not counted)"
        finish
fi
mkdir -p "$TMP/run/journal"
"$SINK" --ready "$TMP/sink.ready" journal "$TMP/run/journal/socket" "$TMP/journal.json" &
_pids+=($!)
wait_for_file "$TMP/sink.ready" $!

: >"$DAEMON_LOG"
stream=$(stat -c '%d:%i' "$DAEMON_LOG")
JOURNAL_STREAM=$stream unshare -m --propagation private \
        sh -c 'mount --bind "$1" /run/systemd && shift && exec "$@"' sh "$TMP/run" \
        "$POSTURED" --session --source "replay:$DATA/flexion-boundaries.csv?speed=0" \
        --exit-on-eof >>"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
track_daemon "$DAEMON_PID" "$DAEMON_LOG"
wait_daemon
check_eq "the daemon replays to the end" 0 "$?"
# The datagrams were sent before the exit; the sink may still be writing them.
poll_until 10 "the last journal entry" grep -q '"POSTURED_SENSOR_STATE": "absent"' "$TMP/journal.json"

entry() { # JQ filter -> the first matching entry
        jq -c "select($1)" "$TMP/journal.json" | head -n 1
}
strain=$(entry '.MESSAGE_ID == "2b204412c71d4853a559146bac71e6e5"')
check "a strain event reached the journal" test -n "$strain"
check_eq "  its POSTURED_EVENT" sustained-flexion "$(jq -r .POSTURED_EVENT <<<"$strain")"
check_eq "  its POSTURED_SEVERITY" warning "$(jq -r .POSTURED_SEVERITY <<<"$strain")"
check_match "  its POSTURED_PEAK_DEG" '^[0-9]+\.[0-9]$' "$(jq -r .POSTURED_PEAK_DEG <<<"$strain")"
check_match "  its POSTURED_DURATION_S" '^[0-9]+\.[0-9]$' "$(jq -r .POSTURED_DURATION_S <<<"$strain")"
check_eq "  its PRIORITY" 6 "$(jq -r .PRIORITY <<<"$strain")"
check_match "  its MESSAGE" '^Strain event sustained-flexion \(warning\)' "$(jq -r .MESSAGE <<<"$strain")"
check_eq "  its SYSLOG_IDENTIFIER" postured "$(jq -r .SYSLOG_IDENTIFIER <<<"$strain")"
check_eq "the strain events in the journal" "sustained-flexion extreme-flexion " \
        "$(jq -r 'select(.POSTURED_EVENT) | .POSTURED_EVENT' "$TMP/journal.json" | tr '\n' ' ')"

states=$(jq -r 'select(.MESSAGE_ID == "4310c9278dd84f36a0782f7bd76c7cbc") |
        "\(.POSTURED_SENSOR) \(.POSTURED_SENSOR_STATE)"' "$TMP/journal.json" | tr '\n' ' ')
# absent until the first sample, active, absent at the end of the recording.
check_eq "the sensor's state changes in the journal" \
        "$DATA/flexion-boundaries.csv absent $DATA/flexion-boundaries.csv active $DATA/flexion-boundaries.csv absent " \
        "$states"

check_match "plain messages still go to stderr, with their priority" '^<6>Reading ' \
        "$(cat "$DAEMON_LOG")"
check "no structured message on stderr too" sh -c "! grep -q 'Strain event' '$DAEMON_LOG'"
finish
