#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A replay: URI is %XX-escaped: a recording whose path holds '?', '&', '%'
# or a blank is replayed when they are written %3F, %26, %25, %20, and a
# '%' that is no escape is refused by name.
. "$(dirname "$0")/lib.sh"

dir="$TMP/odd dir"
mkdir -p "$dir"
file="$dir/take?1&2%.csv"
cp "$DATA/moving.csv" "$file"
uri="replay:$TMP/odd%20dir/take%3F1%262%25.csv?speed=0"

start_daemon --source "$uri"
check "daemon takes org.postured.Posture1" wait_for_name
check "the escaped recording is replayed to its end (SensorState absent)" \
        wait_for_prop SensorState absent
check_eq "Sensor names the file, decoded" "$file" "$(prop Sensor)"
check_eq "SampleRate from the recording's metadata" 50 "$(prop SampleRate)"
kill -TERM "$DAEMON_PID"
wait_daemon
check_eq "the daemon exits 0 on SIGTERM" 0 "$?"

run_daemon --source "replay:$TMP/take%zz.csv?speed=0" --exit-on-eof
check_eq "a bad escape: exit status 1" 1 "$rc"
check_match "a bad escape: the message names the URI and the escape" \
        "replay:$TMP/take%zz.csv\?speed=0: bad escape '%zz' in the path" "$err"

run_daemon --source "replay:$DATA/moving.csv?sp%65ed=0" --exit-on-eof
check_eq "an escaped option name is decoded: the replay runs to its end" 0 "$rc"

finish
