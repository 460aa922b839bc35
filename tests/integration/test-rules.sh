#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The ergonomic rules end to end: synthetic recordings (tests/tools/synth.py:
# trunk angles to accelerations with noise, sensor offset, the kinematic
# acceleration of a sensor 0.45 m above the hip, walking bounce, glitches)
# generated into $TMP from the specs in tests/data/rules/, then
# `posturectl analyze` on them.
#
# Each spec is a synth.py timeline with these comment lines:
#   # synth: ARGS              synth.py options (a fixed --seed, --glitches, ...)
#   # expect PHASE: KIND T ... the events `analyze --phase PHASE` must print, in
#                              order, fired within ±2 s of T; "-" for none
#   # summary PHASE: EXPR      a Python expression on the summary object s
. "$(dirname "$0")/lib.sh"

SYNTH="$top/tests/tools/synth.py"
RULES="$DATA/rules"

check_events() { # NAME PHASE JSONL "KIND T ..." -> ok / not ok
        local msg
        if msg=$(python3 - "$3" "$4" <<'PY' 2>&1
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
events = [(e["kind"], e["t"]) for e in got if e["type"] == "event"]
words = sys.argv[2].split()
want = [] if words == ["-"] else list(zip(words[0::2], map(float, words[1::2])))
ok = len(events) == len(want) and all(
    k == wk and abs(t - wt) <= 2.0 for (k, t), (wk, wt) in zip(events, want))
if not ok:
    sys.exit("got %s" % " ".join("%s@%.1f" % e for e in events) or "none")
PY
        ); then
                ok "$1, phase $2: events $4"
        else
                not_ok "$1, phase $2: events $4 ($msg)"
        fi
}

for spec in "$RULES"/*.spec; do
        name=$(basename "$spec" .spec)
        args=$(sed -n 's/^# synth: *//p' "$spec")
        # shellcheck disable=SC2086 # the options are words
        if ! python3 "$SYNTH" $args -o "$TMP/$name.csv" "$spec"; then
                not_ok "$name: synth.py failed"
                continue
        fi
        while read -r phase expected; do
                "$POSTURECTL" analyze --phase "$phase" "$TMP/$name.csv" >"$TMP/$name-$phase.jsonl" \
                        2>"$TMP/$name-$phase.err"
                rc=$?
                if [ "$rc" -ne 0 ]; then
                        not_ok "$name, phase $phase: analyze exited $rc: $(head -c 300 "$TMP/$name-$phase.err")"
                        continue
                fi
                check_events "$name" "$phase" "$TMP/$name-$phase.jsonl" "$expected"
        done < <(sed -n 's/^# expect \([a-z]*\): *\(.*\)$/\1 \2/p' "$spec")
        while read -r phase expr; do
                check "$name, phase $phase: $expr" python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["type"] == "summary", s
sys.exit(0 if eval(sys.argv[2], {"s": s}) else 1)
' "$TMP/$name-$phase.jsonl" "$expr"
        done < <(sed -n 's/^# summary \([a-z]*\): *\(.*\)$/\1 \2/p' "$spec")
done

# The same recordings are generated the same way every time.
python3 "$SYNTH" --seed 35 --glitches 30 -o "$TMP/again.csv" "$RULES/glitch.spec"
check "synth.py is deterministic for a seed" cmp -s "$TMP/glitch.csv" "$TMP/again.csv"

# Every rule is configurable: a drop-in that lowers the lateral limit to 20 s
# makes lateral.spec fire 40 s earlier.
printf '[Rules]\nLateralHoldSec=20\n' >"$TMP/lateral.conf"
t=$("$POSTURECTL" analyze --config "$TMP/lateral.conf" "$TMP/lateral.csv" 2>/dev/null |
        python3 -c '
import json, sys
print(next(round(e["t"]) for e in map(json.loads, sys.stdin) if e.get("kind") == "lateral-bend"))')
check_match "LateralHoldSec=20: lateral-bend at ~26 s" '^2[5-8]$' "$t"

# BackrestSupport=no keeps the strict rule: sitting reclined 22° back
# against a backrest (backrest.spec) fires 60 s after passing -20°.
printf '[Rules]\nBackrestSupport=no\n' >"$TMP/strict.conf"
t=$("$POSTURECTL" analyze --config "$TMP/strict.conf" "$TMP/backrest.csv" 2>/dev/null |
        python3 -c '
import json, sys
print(next(round(e["t"]) for e in map(json.loads, sys.stdin)
           if e.get("kind") in ("unsupported-extension",)))')
check_match "BackrestSupport=no: unsupported-extension at ~67 s" '^6[5-9]$' "$t"

# conf/postured.conf shows every rule's default: with all its keys set as
# shown, the events are the same as without it.
sed 's/^#\([A-Z][A-Za-z]*=\)/\1/' conf/postured.conf >"$TMP/defaults.conf"
for name in lateral repetitive sudden; do
        a=$("$POSTURECTL" analyze "$TMP/$name.csv" 2>/dev/null | analyze_events)
        b=$("$POSTURECTL" analyze --config "$TMP/defaults.conf" "$TMP/$name.csv" 2>/dev/null |
                analyze_events)
        check_eq "$name: conf/postured.conf spells out the defaults" "$a" "$b"
done

# Slouch feedback can be turned off.
printf '[Rules]\nSlouchFeedback=no\n' >"$TMP/noslouch.conf"
n=$("$POSTURECTL" analyze --config "$TMP/noslouch.conf" "$TMP/slouch.csv" 2>/dev/null |
        jq -r 'select(.type == "event" and .kind == "slouch") | .kind' | wc -l)
check_eq "SlouchFeedback=no: no slouch event" 0 "$n"

# The flexion-boundaries recording keeps its two events: the 40° hold lies
# above the slouch band, nothing else is near a limit.
kinds=$("$POSTURECTL" analyze "$DATA/flexion-boundaries.csv" 2>/dev/null | analyze_kinds)
check_eq "flexion-boundaries: only sustained-flexion and extreme-flexion" \
        'sustained-flexion extreme-flexion ' "$kinds"

finish
