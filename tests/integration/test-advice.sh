#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl analyze --phase: the advice engine and the catalogue on a recording.
. "$(dirname "$0")/lib.sh"

CATALOGUE="$top/conf/advice.conf"
REC="$DATA/flexion-boundaries.csv"

for phase in none acute recovering; do
        "$POSTURECTL" analyze --phase "$phase" --catalogue "$CATALOGUE" "$REC" \
                >"$TMP/$phase.jsonl" 2>"$TMP/$phase.err"
        check_eq "--phase $phase: exit status 0" 0 "$?"
        check_eq "--phase $phase: nothing on stderr" "" "$(cat "$TMP/$phase.err")"
        check "--phase $phase: valid JSON Lines, advice with every field, summary last" \
                python3 - "$TMP/$phase.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(isinstance(l, dict) for l in lines)
assert lines[-1]["type"] == "summary" and all(l["type"] != "summary" for l in lines[:-1])
advice = [l for l in lines if l["type"] in ("advice", "alert")]
assert advice, "no advice"
sources = ("MedlinePlus", "NINDS", "Harvard Health Publishing", "ISO 11226", "EN 1005-4")
for a in advice:
    assert set(a) == {"type", "t", "id", "severity", "category", "text", "source"}, a
    assert a["severity"] in ("info", "warning", "critical"), a
    assert a["category"] in ("posture", "break", "movement", "stretch", "rest", "pain", "care"), a
    assert a["id"] and a["text"] and a["source"].startswith(sources), a
    assert isinstance(a["t"], (int, float)) and a["t"] >= 0, a
# Only red flags raise alerts, and a recording reports none.
assert not [l for l in lines if l["type"] == "alert"]
PY
        check "--phase $phase: every event is followed by its advice, at its time" \
                python3 - "$TMP/$phase.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
events = [i for i, l in enumerate(lines) if l["type"] == "event"]
assert len(events) == 2, events
for i in events:
    nxt = lines[i + 1]
    assert nxt["type"] == "advice" and nxt["t"] == lines[i]["t"], (lines[i], nxt)
PY
done

check "acute: never stretching, and the acute guidance at the start" python3 - "$TMP/acute.jsonl" <<'PY'
import json, sys
advice = [json.loads(l) for l in open(sys.argv[1])]
advice = [a for a in advice if a["type"] == "advice"]
assert all(a["category"] != "stretch" for a in advice), advice
start = {a["id"] for a in advice if a["t"] == 0}
want = {"acute-no-stretch", "acute-pause-activity", "acute-ice-heat", "acute-pain-relief",
        "acute-keep-moving"}
assert want <= start, start
assert {a["id"] for a in advice if a["t"] > 0} == {"acute-sustained-flexion", "acute-extreme-flexion"}
PY
check "recovering: its guidance, stretching included, and its own event advice" \
        python3 - "$TMP/recovering.jsonl" <<'PY'
import json, sys
advice = [json.loads(l) for l in open(sys.argv[1])]
advice = [a for a in advice if a["type"] == "advice"]
start = {a["id"] for a in advice if a["t"] == 0}
assert {"recovering-lower-intensity", "recovering-pain-guide"} <= start, start
assert any(a["category"] == "stretch" for a in advice), advice
assert {a["id"] for a in advice if a["t"] > 0} == {"recovering-sustained-flexion",
                                                  "recovering-extreme-flexion"}
PY
check "none: ergonomic advice for the events only" python3 - "$TMP/none.jsonl" <<'PY'
import json, sys
advice = [json.loads(l) for l in open(sys.argv[1])]
advice = [a for a in advice if a["type"] == "advice"]
assert [a["id"] for a in advice] == ["sustained-flexion", "extreme-flexion"], advice
assert all(a["source"].startswith("ISO 11226") for a in advice), advice
PY

# The acute phase still tightens the detectors; advice does not change the events.
t=$(python3 -c '
import json, sys
print(next(round(e["t"]) for e in map(json.loads, open(sys.argv[1])) if e.get("kind") == "sustained-flexion"))' \
        "$TMP/acute.jsonl")
check_match "acute: sustained-flexion at ~81 s" '^(79|8[0-3])$' "$t"
# A catalogue of the one item every catalogue needs (red-flag) gives no advice.
awk '/^\[red-flag\]/ { f = 1; print; next } /^\[/ { f = 0 } f && !/^#/' "$CATALOGUE" >"$TMP/minimal.conf"
"$POSTURECTL" analyze --phase none --catalogue "$TMP/minimal.conf" "$REC" >"$TMP/minimal.jsonl" 2>&1
check_eq "a catalogue of the red flag alone: no advice" 0 \
        "$(jq -r 'select(.type == "advice") | .id' "$TMP/minimal.jsonl" | wc -l)"
a=$(analyze_events <"$TMP/none.jsonl")
b=$(analyze_events <"$TMP/minimal.jsonl")
check_eq "the catalogue does not change the events" "$a" "$b"
c=$("$POSTURECTL" analyze --phase none "$REC" 2>/dev/null | jq -c 'select(.type == "advice")')
check_eq "without --catalogue: the source tree's conf/advice.conf" \
        "$(jq -c 'select(.type == "advice")' "$TMP/none.jsonl")" "$c"

# --- Catalogue errors.
"$POSTURECTL" analyze --catalogue "$TMP/missing.conf" "$REC" >/dev/null 2>"$TMP/err"
check_eq "missing --catalogue: exit status 66" 66 "$?"
check_match "missing --catalogue: names it" "missing.conf" "$(cat "$TMP/err")"

sed 's/^Phases=none recovering recovered$/Phases=none acute recovering recovered/' \
        "$CATALOGUE" >"$TMP/stretch.conf"
line=$(awk '/^Phases=none acute recovering recovered$/ { print NR; exit }' "$TMP/stretch.conf")
"$POSTURECTL" analyze --phase acute --catalogue "$TMP/stretch.conf" "$REC" >"$TMP/out" 2>"$TMP/err"
check_eq "a catalogue that stretches while acute: exit status 1" 1 "$?"
check_match "... and says where: FILE:LINE" \
        "^$TMP/stretch.conf:$line: \\[break-stretch\\] Category=stretch must not list the acute phase" \
        "$(cat "$TMP/err")"
check_eq "... and prints nothing" "" "$(cat "$TMP/out")"

printf '[red-flag]\nSeverity=critical\nColour=red\n' >"$TMP/bad.conf"
err=$("$POSTURECTL" analyze --catalogue "$TMP/bad.conf" "$REC" 2>&1 >/dev/null)
check_eq "bad catalogue: exit status 1" 1 "$?"
check_match "bad catalogue: FILE:LINE: what is wrong" "^$TMP/bad.conf:3: \\[red-flag\\] unknown key Colour=" \
        "$err"

finish
