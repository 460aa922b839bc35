#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl record: StartRecording() hands over a pipe; what comes out of it
# is a recording of the sensor's raw frames that posturectl analyze reads,
# with the values of the replayed file. Whole lines only, whatever stops it
# (--duration, SIGINT, the daemon leaving); usage errors are 64.
. "$(dirname "$0")/lib.sh"

src="$DATA/flexion-boundaries.csv"
# The replay lasts 199 s of sample time, about 10 s at speed 20: looping,
# so that no recording runs dry on a slow machine (its times go on
# increasing); every recording below is bounded by `timeout` all the same.
start_daemon --source "replay:$src?speed=20&loop=1"
check "daemon takes org.postured.Posture1" wait_for_name

# --- A recording of 5 s of sample time.
timeout 30 "$POSTURECTL" --session record "$TMP/rec.csv" --duration 5 2>"$TMP/rec.err"
check_eq "record --duration 5 exits 0" 0 "$?"
check_eq "the file starts with the magic comment" "# postured recording" "$(head -1 "$TMP/rec.csv")"
check "the file says # rate_hz: 50" grep -qx '# rate_hz: 50' "$TMP/rec.csv"
check "the file has the header line" grep -qx 'time_s,ax,ay,az' "$TMP/rec.csv"
check "the file names the source" grep -qx "# source: $src" "$TMP/rec.csv"

# RECORDING -> "first last count" of the sample times; exit 1 if not strictly increasing
span_of() {
        awk -F, '/^#/ || /^time_s,/ {next}
                { if (n > 0 && $1 <= last) bad = 1; if (n == 0) first = $1; last = $1; n++ }
                END { print first, last, n; exit bad }' "$1"
}
span=$(span_of "$TMP/rec.csv")
check_eq "times strictly increase" 0 "$?"
check "samples span at least 5 s and less than 6 s" \
        awk -v s="$span" 'BEGIN { split(s, a, " "); d = a[2] - a[1]; exit !(d >= 5 && d < 6) }'
"$POSTURECTL" analyze "$TMP/rec.csv" >/dev/null 2>"$TMP/analyze.err"
check_eq "posturectl analyze reads the recording" 0 "$?"

# The replay's first recorded frame may be any one: find its offset in the
# source by its values, then compare rows at the same relative times.
check "recorded values equal the source's at the same relative times" \
        python3 - "$src" "$TMP/rec.csv" <<'PY'
import sys

def samples(path):
    rows = []
    for line in open(path):
        if line.startswith('#') or line.startswith('time_s,') or not line.strip():
            continue
        t, *v = line.strip().split(',')
        rows.append((round(float(t) * 1e6), [float(x) for x in v]))
    return rows

src, rec = samples(sys.argv[1]), samples(sys.argv[2])
by_time = {t: v for t, v in src}
close = lambda a, b: all(abs(x - y) <= 2e-5 for x, y in zip(a, b))
offsets = [t for t, v in src if close(v, rec[0][1])]
picks = [rec[i] for i in (0, 1, len(rec) // 3, len(rec) // 2, len(rec) - 2, len(rec) - 1)]
for off in offsets:
    if all(t + off in by_time and close(by_time[t + off], v) for t, v in picks):
        sys.exit(0)
print(f'no offset of {len(offsets)} candidates matches', file=sys.stderr)
sys.exit(1)
PY

# --- Two recordings at once.
timeout 30 "$POSTURECTL" --session record "$TMP/a.csv" --duration 2 2>/dev/null &
a=$!
timeout 30 "$POSTURECTL" --session record "$TMP/b.csv" --duration 2 2>/dev/null &
b=$!
wait "$a"
check_eq "first of two concurrent recordings exits 0" 0 "$?"
wait "$b"
check_eq "second of two concurrent recordings exits 0" 0 "$?"
for f in a b; do
        check_match "concurrent recording $f spans 2 s" '^0\.000000 2\.000000 101$' \
                "$(span_of "$TMP/$f.csv")"
done

has_lines() { # FILE N: FILE has more than N lines
        [ -f "$1" ] && [ "$(wc -l <"$1")" -gt "$2" ]
}
wait_for_lines() { # FILE N PID: until the recorder PID has written more than N lines to FILE
        poll_until -p "$3" "$WAIT_TIMEOUT" "more than $2 lines in $1" has_lines "$1" "$2"
}
samples_in() { # RECORDING -> how many samples it holds
        local first last n
        read -r first last n < <(span_of "$1")
        echo "${n:-0}"
}

# --- SIGINT: exit 0, and the file ends with a whole line.
"$POSTURECTL" --session record "$TMP/int.csv" 2>/dev/null &
p=$!
_pids+=("$p")
check "record writes the samples as they come" wait_for_lines "$TMP/int.csv" 20 "$p"
kill -INT "$p"
wait "$p"
check_eq "record stopped by SIGINT exits 0" 0 "$?"
check "the interrupted file holds samples" test "$(samples_in "$TMP/int.csv")" -gt 10
check_eq "the interrupted file ends with a newline" "" "$(tail -c1 "$TMP/int.csv")"
check "every line of the interrupted file is whole" \
        awk -F, '/^#/ || /^time_s,/ {next} NF != 4 || $4 == "" {exit 1}' "$TMP/int.csv"
"$POSTURECTL" analyze "$TMP/int.csv" >/dev/null 2>&1
check_eq "posturectl analyze reads the interrupted file" 0 "$?"

# --- Usage errors and a file that cannot be created.
err=$("$POSTURECTL" --session record "$TMP/missing/rec.csv" --duration 1 2>&1)
check_eq "record into a missing directory exits 1" 1 "$?"
check_match "the message names the path" "$TMP/missing/rec.csv" "$err"
err=$("$POSTURECTL" --session record "$TMP/x.csv" --duration abc 2>&1)
check_eq "record --duration abc exits 64" 64 "$?"
check_match "the message names the option" "duration" "$err"
"$POSTURECTL" --session record 2>/dev/null
check_eq "record without FILE exits 64" 64 "$?"

# --- A second daemon, also replaying in a loop.
# stop_daemon waits until the name is gone: not to be taken for the next daemon's.
stop_daemon
check_eq "daemon exits 0 on SIGTERM after the recordings" 0 "$?"
start_daemon --source "replay:$src?speed=20&loop=1"
check "a looping replay takes the name" wait_for_name

# --- At most 8 recordings at once; the ninth is refused, and an ended one frees its place.
many=()
for i in 1 2 3 4 5 6 7 8; do
        "$POSTURECTL" --session record "$TMP/many$i.csv" 2>"$TMP/many$i.err" &
        many+=($!)
        _pids+=($!)
done
started=0
for i in 1 2 3 4 5 6 7 8; do
        wait_for_lines "$TMP/many$i.csv" 5 "${many[$((i - 1))]}" && started=$((started + 1))
done
check_eq "eight recordings at once all record" 8 "$started"
err=$(timeout 30 "$POSTURECTL" --session record "$TMP/ninth.csv" --duration 1 2>&1)
check_eq "a ninth recording at once exits 1" 1 "$?"
check_match "the daemon says why" "Too many recordings" "$err"
kill -INT "${many[@]}"
failed=0
for p in "${many[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "the eight exit 0 on SIGINT" 0 "$failed"
[ "$failed" -eq 0 ] || { cat "$TMP"/many*.err; cat "$TMP/daemon.log"; }
# The daemon sees each close when it next writes: retried until a place is free.
record_again() {
        timeout 30 "$POSTURECTL" --session record "$TMP/again.csv" --duration 1 2>/dev/null
}
check "closed recordings free their places" poll_until 30 "a free place for a recording" record_again

# --- The daemon going away ends the recording: exit 0 when it holds samples.
"$POSTURECTL" --session record "$TMP/eof.csv" 2>"$TMP/eof.err" &
p=$!
_pids+=("$p")
check "the last recording writes samples" wait_for_lines "$TMP/eof.csv" 20 "$p"
kill -TERM "$DAEMON_PID"
wait_daemon
check_eq "daemon with a recording running exits 0 on SIGTERM" 0 "$?"
wait "$p"
check_eq "record exits 0 when the daemon leaves" 0 "$?"
check_match "and says so on stderr" "ended the recording" "$(cat "$TMP/eof.err")"
check "that file holds samples" test "$(samples_in "$TMP/eof.csv")" -gt 10
check_eq "that file ends with a newline" "" "$(tail -c1 "$TMP/eof.csv")"

finish
