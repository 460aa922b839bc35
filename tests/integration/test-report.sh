#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# posturectl report: a recording offline and a day and a week of the
# daemon's history, drawn as PNG, SVG and PDF of the right size, with the
# posture colours, labelled axes and the guidance line; bad input refused.
. "$(dirname "$0")/lib.sh"

ctl() { "$POSTURECTL" --session "$@"; }
colours() { python3 tests/tools/png-colours.py "$@"; }
UPRIGHT=76,176,79 FLEXED=250,140,0 SLOUCHED=252,217,54
pdf_text() { pdftotext -layout "$1" - 2>/dev/null; }

# --- A recording, offline.
out=$("$POSTURECTL" report --from "$DATA/work-session.csv" -o "$TMP/ws.png" 2>&1)
check_eq "report --from a recording: PNG written" "" "$out"
read -r -a c < <(colours "$TMP/ws.png" "$UPRIGHT" "$FLEXED" "$SLOUCHED" | tr '\n' ' ')
check_eq "  1200 × 720 pixels" "1200 720" "${c[0]} ${c[1]}"
check "  upright bands (green: ${c[2]} pixels)" test "${c[2]}" -gt 5000
check "  flexed bands (orange: ${c[3]} pixels)" test "${c[3]}" -gt 5000
check "  slouched bands (yellow: ${c[4]} pixels)" test "${c[4]}" -gt 1000
"$POSTURECTL" report --from "$DATA/work-session.csv" -o "$TMP/ws.pdf"
text=$(pdf_text "$TMP/ws.pdf")
check_match "  PDF: the title" 'Posture in work-session\.csv' "$text"
check_match "  PDF: the flexion axis and its unit" 'Flexion \(degrees' "$text"
check_match "  PDF: the StrainLevel axis" 'StrainLevel \(0 to 1' "$text"
check_match "  PDF: the time axis" 'Time since the start of the recording' "$text"
check_match "  PDF: time per posture" 'upright [0-9]+ min' "$text"
check_match "  PDF: the strain events" 'strain events: 3' "$text"
check_match "  PDF: general guidance, not diagnosis" 'general guidance, not diagnosis' "$text"
"$POSTURECTL" report --from "$DATA/work-session.csv" -o "$TMP/ws.svg"
check_match "  SVG of 1200 × 720" '<svg[^>]*width="1200[^"]*"[^>]*height="720' "$(head -c 400 "$TMP/ws.svg")"

# --- The settings of analyze: --config and --mount-matrix change the report as
# they change analyze's summary (whole minutes per posture).
pdf_minutes() { pdf_text "$1" | grep -oE '(upright|slouched|flexed|lateral) [0-9]+ min' | sort | tr '\n' ' '; }
analyze_minutes() {
        "$POSTURECTL" analyze "$@" | jq -r 'select(.type == "summary") | .posture_s |
                to_entries[] | select(.key | test("^(upright|slouched|flexed|lateral)$")) |
                "\(.key) \(.value / 60 | round) min"' | sort | tr '\n' ' '
}
printf '[Posture]\nFlexedDeg=60\nSlouchDeg=50\n' >"$TMP/upright.conf"
"$POSTURECTL" report --from "$DATA/work-session.csv" --config "$TMP/upright.conf" -o "$TMP/conf.pdf"
check_eq "report --config: the minutes of analyze --config" \
        "$(analyze_minutes --config "$TMP/upright.conf" "$DATA/work-session.csv")" "$(pdf_minutes "$TMP/conf.pdf")"
check_match "  flexed no longer (FlexedDeg=60)" 'flexed 0 min' "$(pdf_minutes "$TMP/conf.pdf")"
check_match "  while by default it is" 'flexed [1-9][0-9]* min' "$(pdf_minutes "$TMP/ws.pdf")"
M="0,0,-1;0,1,0;1,0,0"
"$POSTURECTL" report --from "$DATA/work-session.csv" --mount-matrix "$M" -o "$TMP/mm.pdf"
check_eq "report --mount-matrix: the minutes of analyze --mount-matrix" \
        "$(analyze_minutes --mount-matrix "$M" "$DATA/work-session.csv")" "$(pdf_minutes "$TMP/mm.pdf")"
check_match "  a forward bend turned sideways" 'lateral [1-9][0-9]* min' "$(pdf_minutes "$TMP/mm.pdf")"
"$POSTURECTL" report --from "$DATA/work-session.csv" --config "$TMP/none.conf" -o "$TMP/none.pdf" 2>/dev/null
check_eq "report --config with a missing file: exit status 66" 66 "$?"
out=$("$POSTURECTL" report --from "$DATA/work-session.csv" --mount-matrix "1,0,0" -o "$TMP/bad.pdf" 2>&1)
check_eq "report --mount-matrix not a matrix: exit status 64" "64 mount-matrix" "$? $(grep -o mount-matrix <<<"$out" | head -n 1)"
out=$("$POSTURECTL" report --day today --config "$TMP/upright.conf" -o "$TMP/x.png" 2>&1)
check_match "report --config without --from: usage error" 'go with --from' "$out"

out=$("$POSTURECTL" report --from "$DATA/work-session.csv" -o "$TMP/ws.jpg" 2>&1)
check_match "a .jpg is refused" "must end in \.png, \.svg or \.pdf" "$out"
out=$("$POSTURECTL" report --from "$DATA/bad/bad-number.csv" -o "$TMP/bad.png" 2>&1)
rc=$?
check_eq "a bad recording: exit status 65" 65 "$rc"
check_match "  saying where" ':[0-9]+: ' "$out"
check "  and nothing written" test ! -e "$TMP/bad.png"
out=$("$POSTURECTL" report --from "$DATA/work-session.csv" 2>&1)
check_match "without -o: usage error" '-o FILE' "$out"

# --- cairo is loaded when report draws, not linked: the other commands start
# without mapping it; the ELF note names it for packagers.
check "posturectl does not link cairo or fontconfig" \
        sh -c '! readelf -d "$1" | grep -E "NEEDED.*(cairo|fontconfig)"' sh "$POSTURECTL"
check_match "  its .note.dlopen names libcairo.so.2" '"soname":\["libcairo\.so\.2"' \
        "$(readelf -p .note.dlopen "$POSTURECTL" | tr -d '\n')"
if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        ok "# SKIP report without cairo: needs root and unshare -m (not counted)"
else
        # The libcairo.so.2 of posturectl's own architecture: beside the libc it loads.
        libc=$(ldd "$POSTURECTL" | sed -n 's/^[[:space:]]*libc\.so\.6 => \([^ ]*\).*/\1/p')
        cairo=$(readlink -f "$(dirname "$libc")/libcairo.so.2")
        check "  libcairo.so.2 found ($cairo)" test -f "$cairo"
        # The library made unloadable by an empty file bound over it, in a namespace of its own.
        out=$(unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
                sh "$cairo" "$POSTURECTL" report --from "$DATA/work-session.csv" -o "$TMP/nocairo.png" 2>&1)
        check_eq "report without cairo: exit status 69" 69 "$?"
        check_match "  naming the library and the package" 'cannot load libcairo\.so\.2 .*libcairo2' "$out"
        check "  and nothing written" test ! -e "$TMP/nocairo.png"
        out=$(unshare -m --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
                sh "$cairo" "$POSTURECTL" analyze "$DATA/work-session.csv" | tail -n 1 | jq -r .type)
        check_eq "  while analyze runs without it" summary "$out"
fi

# --- The daemon's history: a day and a week.
export STATE_DIRECTORY="$TMP/state"
mkdir -p "$STATE_DIRECTORY"
run_daemon --exit-on-eof --source "replay:$DATA/work-session.csv?speed=0"
printf '# rate_hz: 5\ntime_s,ax,ay,az\n0,0,9.8,0\n' >"$TMP/idle.csv"
start_daemon --source "replay:$TMP/idle.csv"
check "daemon serving the history" wait_for_name
day=$(ctl export --format json | jq -r 'select(.type == "minute") | .start' | head -n 1 | cut -c1-10)
check_match "the replay's day ($day)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "$day"
ctl report --day "$day" -o "$TMP/day.png"
read -r -a c < <(colours "$TMP/day.png" "$UPRIGHT" "$FLEXED" | tr '\n' ' ')
check_eq "report --day: 1200 × 720" "1200 720" "${c[0]} ${c[1]}"
check "  upright minutes drawn (${c[2]} pixels)" test "${c[2]}" -gt 100
check "  flexed minutes drawn (${c[3]} pixels)" test "${c[3]}" -gt 100
ctl report --day "$day" -o "$TMP/day.pdf"
text=$(pdf_text "$TMP/day.pdf")
check_match "  PDF: the day in the title" "Posture on .* $(date -d "$day" +%Y)" "$text"
check_match "  PDF: the time of day" 'Time of day' "$text"
check_match "  PDF: general guidance, not diagnosis" 'general guidance, not diagnosis' "$text"
ctl report --week "$day" -o "$TMP/week.pdf"
text=$(pdf_text "$TMP/week.pdf")
check_match "report --week: the week in the title" 'Posture in the week from' "$text"
check_match "  a bar per day, labelled" "$(date -d "$day" '+%a %-d %b')" "$text"
check_match "  hours on the axis" 'Hours worn' "$text"
ctl report --week "$day" -o "$TMP/week.png"
read -r -a c < <(colours "$TMP/week.png" "$UPRIGHT" | tr '\n' ' ')
check "  the upright part of the day's bar (${c[2]} pixels)" test "${c[2]}" -gt 100
stop_daemon

finish
