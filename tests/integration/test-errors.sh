#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon refuses bad configuration, sources and plugins with an error
# that names what and where, and a non-zero exit status; never a crash.
. "$(dirname "$0")/lib.sh"

printf '[Filter]\nOrder=4\nCutoffHz=fast\n' >"$TMP/bad.conf"
run_daemon --config "$TMP/bad.conf" --source "replay:$DATA/moving.csv?speed=0"
check_eq "bad config value: exit status 78 (EX_CONFIG)" 78 "$rc"
check_match "bad config value: names file, line and key" \
        "$TMP/bad.conf:3: \[Filter\] CutoffHz=fast: not a number" "$err"

mkdir -p "$TMP/main.conf.d"
printf '[Filter]\nOrder=4\n' >"$TMP/main.conf"
printf '[Rules]\nExtremeFlexionDg=50\n' >"$TMP/main.conf.d/50-local.conf"
run_daemon --config "$TMP/main.conf" --source "replay:$DATA/moving.csv?speed=0"
check_eq "unknown key in a drop-in: exit status 78" 78 "$rc"
check_match "unknown key in a drop-in: names the drop-in, line and key" \
        "main.conf.d/50-local.conf:2: \[Rules\] unknown key ExtremeFlexionDg=" "$err"

run_daemon --config "$TMP/missing.conf"
check_eq "missing --config file: exit status 78" 78 "$rc"
check_match "missing --config file: names it" "missing.conf" "$err"

run_daemon --source "iio:" --plugin-dir "$TMP"
check_eq "missing plugin: exit status 1" 1 "$rc"
check_match "missing plugin: says which plugin and where it looked" \
        "no plugin for 'iio:' sources: $TMP/iio.so does not exist" "$err"

printf 'not an ELF file\n' >"$TMP/replay.so"
run_daemon --source "replay:$DATA/moving.csv" --plugin-dir "$TMP"
check_eq "broken plugin: exit status 1" 1 "$rc"
check_match "broken plugin: names the file" "cannot load $TMP/replay.so" "$err"

cat >"$TMP/abi2.c" <<'C'
#include "abi/source.h"
static const PosturedSourceV1 ops = { .abi_major = 2, .abi_minor = 0, .scheme = "abi2" };
__attribute__((visibility("default"))) const PosturedSourceV1 *postured_source_v1(void) { return &ops; }
C
if cc -shared -fPIC -Idaemon -o "$TMP/abi2.so" "$TMP/abi2.c"; then
        run_daemon --source "abi2:x" --plugin-dir "$TMP"
        check_eq "plugin of another ABI: exit status 1" 1 "$rc"
        check_match "plugin of another ABI: says both versions" \
                "speaks plugin ABI 2.0, this postured speaks 1.x" "$err"
else
        not_ok "could not build the ABI-2 test plugin"
fi

run_daemon --source "replay:$TMP/nope.csv"
check_eq "missing recording: exit status 1" 1 "$rc"
check_match "missing recording: names the file" "nope.csv: No such file or directory" "$err"

run_daemon --source "replay:$DATA/moving.csv?speed=fast"
check_eq "bad replay option: exit status 1" 1 "$rc"
check_match "bad replay option: names it" "replay option speed=fast is not a number" "$err"

run_daemon --source "replay:$DATA/moving.csv?sped=2"
check_match "unknown replay option: names it" "unknown replay option 'sped'" "$err"

run_daemon --source "no scheme here"
check_eq "URI without a scheme: exit status 1" 1 "$rc"
check_match "URI without a scheme: says so" "has no valid scheme" "$err"

run_daemon --bogus
check_eq "unknown option: exit status 64 (EX_USAGE)" 64 "$rc"

out=$("$POSTURED" --help)
check_match "--help documents --source" "--source=URI" "$out"

# A broken recording found mid-way: the daemon reports the line, SensorState=error, keeps serving.
{ head -n 200 "$DATA/moving.csv"; echo "3.9,0.1,abc,0.2"; } >"$TMP/broken.csv"
start_daemon --source "replay:$TMP/broken.csv?speed=0"
check "daemon with a broken recording starts" wait_for_name
check "SensorState becomes error at the bad line" wait_for_prop SensorState error
check_match "the log names file and line" "broken.csv:201:" "$(cat "$TMP/daemon.log")"
stop_daemon
check_eq "SIGTERM: exit status 0" 0 "$?"

finish
