#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl loads libsystemd when a command talks to postured, not before:
# it is not linked, its ELF note names it for packagers, the commands that
# talk to postured work with it, and without it they end with status 69
# naming the library and the package, while analyze, report --from and
# usage errors do not need it.
. "$(dirname "$0")/lib.sh"

check "posturectl does not link libsystemd" \
        sh -c '! readelf -d "$1" | grep -q "NEEDED.*libsystemd"' sh "$POSTURECTL"
check_eq "  and calls no sd_ function directly" "" \
        "$(nm -u "$POSTURECTL" | grep -E ' sd_' | tr -d '\n')"
note=$(readelf -p .note.dlopen "$POSTURECTL" | tr -d '\n')
check_match "  its .note.dlopen names libsystemd.so.0, required" \
        '"priority":"required","soname":\["libsystemd\.so\.0"\]' "$note"

# --- With libsystemd: the commands that connect load it (the other
# integration tests run every one of them).
# Looping at speed 20, as in test-record.sh: the recording cannot run dry.
start_daemon --source "replay:$DATA/flexion-boundaries.csv?speed=20&loop=1"
check "daemon up" wait_for_name
out=$("$POSTURECTL" --session status 2>&1)
check_eq "status loads libsystemd and succeeds" 0 "$?"
check_match "  showing the posture" 'Posture: ' "$out"
timeout 30 "$POSTURECTL" --session record --duration 0.5 "$TMP/rec.csv"
check_eq "record (sd-bus and sd-event) succeeds" 0 "$?"
check_eq "  and writes a recording" "# postured recording" "$(head -n 1 "$TMP/rec.csv")"
stop_daemon
check_eq "daemon stopped: exit status 0" 0 "$?"

# --- Without libsystemd.
if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        ok "# SKIP posturectl without libsystemd: needs root and unshare -m (not counted)"
        finish
fi
# The libsystemd.so.0 of posturectl's own architecture: beside the libc it loads.
libc=$(ldd "$POSTURECTL" | sed -n 's/^[[:space:]]*libc\.so\.6 => \([^ ]*\).*/\1/p')
lib=$(readlink -f "$(dirname "$libc")/libsystemd.so.0")
check "libsystemd.so.0 found ($lib)" test -f "$lib"
# without ARGS...: posturectl ARGS with the library made unloadable by an
# empty file bound over it, in a mount namespace of its own; sets out, rc.
without() {
        out=$(unshare -m --propagation private \
                sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
                sh "$lib" "$POSTURECTL" "$@" 2>&1)
        rc=$?
}
for verb in status "calibrate" "snooze 10m" "pain 3" "history" "monitor"; do
        # shellcheck disable=SC2086 # the verb's words
        without --session $verb
        check_eq "$verb without libsystemd: exit status 69" 69 "$rc"
        check_match "  naming the library and the package" \
                '^Cannot load libsystemd\.so\.0 \(.*\): .*\(Debian: libsystemd0\)$' "$out"
done
without --session record "$TMP/none.csv"
check_eq "record without libsystemd: exit status 69" 69 "$rc"
check "  and FILE not created" test ! -e "$TMP/none.csv"
without --session status --bogus
check_eq "a usage error comes first: 64" 64 "$rc"
without analyze "$DATA/moving.csv"
check_eq "analyze runs without libsystemd" "0 summary" "$rc $(tail -n 1 <<<"$out" | jq -r .type)"
without --help
check_eq "--help runs without libsystemd" 0 "$rc"

finish
