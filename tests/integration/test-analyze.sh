#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl analyze: the core library on a recording, in-process.
. "$(dirname "$0")/lib.sh"

# --- Malformed recordings: exit 65 and FILE:LINE on stderr.
while read -r file line; do
        case "$file" in ''|'#'*) continue ;; esac
        path="$DATA/bad/$file"
        err=$("$POSTURECTL" analyze "$path" 2>&1 >/dev/null)
        rc=$?
        check_eq "$file: exit status 65" 65 "$rc"
        if [ "$line" = 0 ]; then
                check_match "$file: says the file is empty" "^$path: empty file" "$err"
        else
                check_match "$file: error names line $line" "^$path:$line: " "$err"
        fi
done <"$DATA/bad/EXPECTED"

err=$("$POSTURECTL" analyze "$TMP/none.csv" 2>&1 >/dev/null)
check_eq "missing file: exit status 66" 66 "$?"
check_match "missing file: names it" "none.csv" "$err"

"$POSTURECTL" analyze --phase sideways "$DATA/moving.csv" >/dev/null 2>&1
check_eq "bad --phase: exit status 64" 64 "$?"
err=$("$POSTURECTL" analyze --mount-matrix "1,0,0;0,1,0" "$DATA/moving.csv" 2>&1 >/dev/null)
check_eq "bad --mount-matrix: exit status 64" 64 "$?"
check_match "bad --mount-matrix: names the option" "mount-matrix" "$err"

# --- Events at the times the recording was built for (tolerance 2 s).
out=$("$POSTURECTL" analyze "$DATA/flexion-boundaries.csv")
check_eq "analyze exits 0" 0 "$?"
echo "$out" >"$TMP/out.jsonl"
check "every line is a JSON object" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)
' "$TMP/out.jsonl"
check "events match flexion-boundaries.expected" python3 - "$TMP/out.jsonl" \
        "$DATA/flexion-boundaries.expected" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
events = [(e["kind"], e["t"]) for e in got if e["type"] == "event"]
want = [(l.split()[0], float(l.split()[1])) for l in open(sys.argv[2])
        if l.strip() and not l.startswith("#")]
assert len(events) == len(want), (events, want)
for (k, t), (wk, wt) in zip(events, want):
    assert k == wk and abs(t - wt) <= 2.0, (k, t, wk, wt)
PY
check "the summary comes last and counts the events" python3 - "$TMP/out.jsonl" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
s = got[-1]
assert s["type"] == "summary", s
assert s["events"]["sustained-flexion"] == 1 and s["events"]["extreme-flexion"] == 1, s
assert 190 < s["duration_s"] < 205, s
assert s["posture_s"]["flexed"] > 140, s
assert all(g["type"] != "summary" for g in got[:-1])
PY

# --- The acute phase tightens the rules: 40° held fires at half the holding time.
out=$("$POSTURECTL" analyze --phase acute "$DATA/flexion-boundaries.csv")
t=$(echo "$out" | python3 -c '
import json, sys
print(next(round(e["t"]) for e in map(json.loads, sys.stdin) if e.get("kind") == "sustained-flexion"))')
check_match "acute phase: sustained-flexion at ~81 s (75 s after 20° at 6 s)" '^(79|8[0-3])$' "$t"

# --- A sensor worn turned a quarter about the vertical axis: with its mount
# matrix the events are the same; without it a forward bend looks sideways
# (calibrating the neutral cannot undo a turn about the vertical).
python3 tests/tools/synth.py --rate 50 --seed 5 --mount-matrix "0,0,-1;0,1,0;1,0,0" \
        "$DATA/flexion-boundaries.spec" >"$TMP/rotated.csv"
a=$("$POSTURECTL" analyze "$DATA/flexion-boundaries.csv" | analyze_kinds)
b=$("$POSTURECTL" analyze --mount-matrix "0,0,-1;0,1,0;1,0,0" "$TMP/rotated.csv" | analyze_kinds)
check_eq "a sensor mounted rotated, with its mount matrix, gives the same events" "$a" "$b"
c=$("$POSTURECTL" analyze "$TMP/rotated.csv" | analyze_kinds)
if [ "$c" != "$a" ]; then ok "without the mount matrix the events differ"; else not_ok "mount matrix had no effect"; fi

# --- Every filter kernel the CPU runs gives the same events; a bad name is a usage error.
ref=$(POSTURED_FILTER=scalar "$POSTURECTL" analyze "$DATA/flexion-boundaries.csv" 2>/dev/null |
        analyze_events)
for k in sse2 avx2; do
        if grep -qw "$( [ $k = avx2 ] && echo avx2 || echo sse2 )" /proc/cpuinfo; then
                out=$(POSTURED_FILTER=$k "$POSTURECTL" analyze "$DATA/flexion-boundaries.csv" 2>/dev/null |
                        analyze_events)
                check_eq "POSTURED_FILTER=$k: the same events as scalar" "$ref" "$out"
        fi
done
err=$(POSTURED_FILTER=bogus "$POSTURECTL" analyze "$DATA/flexion-boundaries.csv" 2>&1 >/dev/null)
check_eq "POSTURED_FILTER=bogus: exit status 64" 64 "$?"
check_match "POSTURED_FILTER=bogus: says so" "POSTURED_FILTER=bogus: no such filter kernel" "$err"
err=$(POSTURED_FILTER=avx512 "$POSTURECTL" analyze "$DATA/flexion-boundaries.csv" 2>&1 >/dev/null)
check_eq "POSTURED_FILTER=avx512 (removed): exit status 64" 64 "$?"
check_match "POSTURED_FILTER=avx512: no such kernel, the valid names listed" \
        "POSTURED_FILTER=avx512: no such filter kernel \(avx2, sse2, neon, scalar\)" "$err"

# --- A line is bounded (RECORDING_MAX_LINE): a stream without newlines is
# bad input at its first line, not a reason to grow without bound.
err=$(timeout 10 "$POSTURECTL" analyze /dev/zero 2>&1 >/dev/null)
check_eq "/dev/zero: exit status 65" 65 "$?"
check_match "/dev/zero: FILE:LINE, line too long" "^/dev/zero:1: line longer than 4096 bytes" "$err"
err=$(head -c 1048576 /dev/zero | timeout 10 "$POSTURECTL" analyze - 2>&1 >/dev/null)
check_eq "1 MiB without a newline on stdin: exit status 65" 65 "$?"
check_match "stdin: FILE:LINE, line too long" "^stdin:1: line longer than 4096 bytes" "$err"
{ printf 'time_s,ax,ay,az\n0,0,0,9.81\n'; head -c 1048576 /dev/zero | tr '\0' 1; } >"$TMP/long.csv"
err=$(timeout 10 "$POSTURECTL" analyze "$TMP/long.csv" 2>&1 >/dev/null)
check_eq "a 1 MiB line in a file: exit status 65" 65 "$?"
check_match "a 1 MiB line in a file: FILE:LINE" "^$TMP/long.csv:3: line longer than 4096 bytes" "$err"

# --- Times as far apart as a recording allows (-9.19e9 s, then +9.19e9 s):
# more than INT64_MAX ns, a gap like any other (each side 300 frames,
# 2.99 s), not an overflow; analyze ends at once, not after its walking
# blocks have stepped across the jump.
{
        printf '# postured recording\n# rate_hz: 100\ntime_s,ax,ay,az\n'
        awk 'BEGIN { for (s = -1; s <= 1; s += 2) for (i = 0; i < 300; i++)
                printf "%.2f,0.1,9.8,0.3\n", s * 9190000000 + i / 100 }'
} >"$TMP/jump.csv"
out=$(timeout 60 "$POSTURECTL" analyze "$TMP/jump.csv" 2>&1)
check_eq "times 1.8e10 s apart: exit status 0 (no hang)" 0 "$?"
check_match "times 1.8e10 s apart: a gap, 5.98 s of data" '"duration_s":5\.980,"frames":600' "$out"
timeout 60 "$POSTURECTL" analyze --samples 0.1 "$TMP/jump.csv" >/dev/null
check_eq "times 1.8e10 s apart, --samples 0.1: exit status 0" 0 "$?"

# --- A recording read mapped that shrinks meanwhile: the pages gone raise
# SIGBUS, which analyze handles: exit 66 and "changed while being read", no
# crash and no figures from what is no longer there. With --samples 0.1 it
# writes as it reads: once the first line is out it is at most the pipe (64
# KiB) and its stdio buffer of output ahead, some 600 samples of 0.1 s, and a
# batch of 1024 frames (about 80 s of the 2000 s at 50 Hz), when the file is
# cut to 4 KiB.
for k in 0 1 2 3 4 5 6 7 8 9; do
        awk -F, -v k="$k" '/^[0-9]/ { printf "%.2f,%s,%s,%s\n", $1 + 200 * k, $2, $3, $4; next }
                           k == 0 { print }' "$DATA/flexion-boundaries.csv"
done >"$TMP/shrink.csv"
"$POSTURECTL" analyze --samples 0.1 "$TMP/shrink.csv" 2>"$TMP/shrink.err" |
        { head -n 1 >/dev/null; truncate -s 4096 "$TMP/shrink.csv"; cat >/dev/null; }
check_eq "shrunk while read: exit status 66" 66 "${PIPESTATUS[0]}"
check_eq "shrunk while read: says so, naming the file" \
        "$TMP/shrink.csv: changed while being read" "$(cat "$TMP/shrink.err")"

# --- A recording read mapped that grows meanwhile (as one that is still
# being recorded): read to the size it had when analysis started, the lines
# appended later not (the same frames as a copy of it). Blocked on its
# output as above, it has read at most some 80 s of its first 1000 s when
# the next 1000 s are appended.
for k in 0 1 2 3 4 5 6 7 8 9; do
        awk -F, -v k="$k" '/^[0-9]/ { printf "%.2f,%s,%s,%s\n", $1 + 200 * k, $2, $3, $4; next }
                           k == 0 { print }' "$DATA/flexion-boundaries.csv"
done >"$TMP/whole.csv"
head -n 50000 "$TMP/whole.csv" >"$TMP/grow.csv"
cp "$TMP/grow.csv" "$TMP/grow-start.csv"
tail -n +50001 "$TMP/whole.csv" >"$TMP/more.csv"
want=$("$POSTURECTL" analyze "$TMP/grow-start.csv" | grep -o '"frames":[0-9]*')
check_eq "grown while read: a copy of it as it was, 1000 s at 50 Hz" '"frames":49984' "$want"
"$POSTURECTL" analyze --samples 0.1 "$TMP/grow.csv" 2>"$TMP/grow.err" |
        { head -n 1 >/dev/null; cat "$TMP/more.csv" >>"$TMP/grow.csv"; cat >"$TMP/grow.out"; }
check_eq "grown while read: exit status 0" 0 "${PIPESTATUS[0]}"
check_eq "grown while read: the frames it had at the start" \
        "$want" "$(grep -o '"frames":[0-9]*' "$TMP/grow.out")"
check_eq "grown while read: no message" "" "$(cat "$TMP/grow.err")"

# --- Sparse recordings. A rate the filter cannot work at (at most twice the
# cut-off of 2 Hz) is bad input where the rate is stated; 5 Hz is analysed.
python3 tests/tools/synth.py --rate 4 --seed 2 "$DATA/flexion-boundaries.spec" >"$TMP/rate4.csv"
err=$("$POSTURECTL" analyze "$TMP/rate4.csv" 2>&1 >/dev/null)
check_eq "# rate_hz: 4: exit status 65" 65 "$?"
check_match "# rate_hz: 4: FILE:LINE of the rate" \
        "^$TMP/rate4.csv:3: a sample rate of 4 Hz is too low for the filter cut-off of 2 Hz" "$err"
python3 tests/tools/synth.py --rate 5 --seed 2 "$DATA/flexion-boundaries.spec" >"$TMP/rate5.csv"
out=$("$POSTURECTL" analyze "$TMP/rate5.csv" | analyze_kinds)
check_eq "# rate_hz: 5: the events of the recording" "sustained-flexion extreme-flexion " "$out"

# A gap of 100000 s: the rate is that of the samples, not of the gap, and the
# gap resets what spans it (40° held 93 s before it and 67 s after is no
# sustained-flexion; the extreme-flexion after it stays).
printf 'time_s,ax,ay,az\n0,0,0,9.81\n0.02,0,0,9.81\n100000.02,0,0,9.81\n100000.04,0,0,9.81\n' \
        >"$TMP/gap-short.csv"
out=$("$POSTURECTL" analyze "$TMP/gap-short.csv" 2>&1)
check_eq "four samples around a 100000 s gap: exit status 0" 0 "$?"
check_match "four samples around a 100000 s gap: 50 Hz, 0.04 s" \
        '"duration_s":0\.040,"frames":4,"rate_hz":50\.000' "$out"
python3 tests/tools/synth.py --rate 50 --seed 2 "$DATA/flexion-boundaries.spec" |
        awk -F, '/^[0-9]/ && $1 >= 100 { printf "%.2f,%s,%s,%s\n", $1 + 100000, $2, $3, $4; next }
                 { print }' >"$TMP/gap.csv"
out=$("$POSTURECTL" analyze "$TMP/gap.csv")
check_eq "a 100000 s gap: exit status 0" 0 "$?"
check_eq "a 100000 s gap: no episode spans it" "extreme-flexion " "$(echo "$out" | analyze_kinds)"
check_match "a 100000 s gap: the gap is not counted" '"duration_s":19[0-9]\.[0-9]+,"frames":9950,"rate_hz":50\.000' "$out"

# --- --samples: one sample object a second of sample time, in time order,
# with the posture and activity; the summary splits the posture by activity.
out=$("$POSTURECTL" analyze --samples 1 "$DATA/flexion-boundaries.csv" 2>/dev/null)
check_eq "--samples 1: exit status 0" 0 "$?"
check "--samples 1: a sample a second, its fields, posture by activity" python3 - "$out" <<'PY'
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
samples = [l for l in lines if l["type"] == "sample"]
s = lines[-1]
assert s["type"] == "summary", s
assert abs(len(samples) - s["duration_s"]) <= 1.5, (len(samples), s["duration_s"])
ts = [x["t"] for x in samples]
assert ts[0] == 0 and all(abs(b - a - 1) < 0.03 for a, b in zip(ts, ts[1:])), ts[:5]
for x in samples:
    assert set(x) == {"type", "t", "flexion", "lateral", "rate_dps", "posture", "activity"}, x
assert any(x["posture"] == "flexed" and 35 < x["flexion"] < 45 for x in samples)
by = s["posture_by_activity_s"]
assert set(by) == {"still", "moving", "walking"}, by
for p, v in s["posture_s"].items():
    assert abs(sum(by[a][p] for a in by) - v) < 0.01, (p, v, by)
for a, v in s["activity_s"].items():
    assert abs(sum(by[a].values()) - v) < 0.01, (a, v, by)
PY
for bad in 0 -1 abc 1e9 nan; do
        err=$("$POSTURECTL" analyze --samples "$bad" "$DATA/flexion-boundaries.csv" 2>&1 >/dev/null)
        check_eq "--samples $bad: exit status 64" 64 "$?"
        check_match "--samples $bad: says what is wrong" "--samples: '$bad' is not a number of seconds from 0.001 to 86400" "$err"
done

finish
