#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The history store: a day replayed at full speed is kept minute by minute
# and agrees with `posturectl analyze` on the same recording to the second;
# GetHistory, GetEvents, export and forget; bad ranges are InvalidArgs
# naming the argument; a SIGKILL loses nothing already written; a damaged
# database is moved aside; a year of minutes answers in well under a second;
# on a system bus nobody outside the health group reaches any of it; a
# daemon keeping no history does not load SQLite.
. "$(dirname "$0")/lib.sh"

OBJ=/org/postured/Posture1
rcall() { # METHOD ARGS... on Recovery1 via gdbus (prints the full error)
        local m=$1
        shift
        gdbus call --session -d org.postured.Posture1 -o $OBJ -m "org.postured.Recovery1.$m" "$@" 2>&1
}
ctl() { "$POSTURECTL" --session "$@"; }
export STATE_DIRECTORY="$TMP/state"
mkdir -p "$STATE_DIRECTORY"
DB="$STATE_DIRECTORY/history.db"

# A day at 5 Hz: desk work, bent work, walking, hour after hour.
for _ in $(seq 24); do
        printf '%s\n' hold:1,0:1500@fidget ramp:25,2:5 hold:25,2:1200 ramp:1,0:5 \
                hold:1,0:600@walk ramp:40,0:5 hold:40,0:285
done >"$TMP/day.spec"
python3 tests/tools/synth.py --rate 5 "$TMP/day.spec" -o "$TMP/day.csv"
# One sample: a source that adds no time, for a daemon that only answers.
printf '# rate_hz: 5\ntime_s,ax,ay,az\n0,0,9.8,0\n' >"$TMP/idle.csv"
serve() { # start a daemon that answers from the store
        start_daemon --source "replay:$TMP/idle.csv" "$@"
        wait_for_name
}
serve_nohistory() {
        STATE_DIRECTORY= start_daemon --source "replay:$TMP/idle.csv"
        wait_for_name
}
sum_key() { jq -r "$1" <<<"$summary"; }

# --- No history kept (no state directory): SQLite is not even loaded.
check "daemon keeping no history" serve_nohistory
check "  libsqlite3 not mapped" sh -c "! grep -q libsqlite3 /proc/$DAEMON_PID/maps"
stop_daemon

# --- A day at full speed; the end of the replay writes the last minute.
run_daemon --exit-on-eof --source "replay:$TMP/day.csv?speed=0"
check_eq "a day replayed at full speed (exit status)" 0 "$rc"
check "history.db is there, mode 0600" test "$(stat -c %a "$DB" 2>/dev/null)" = 600
check_eq "WAL journal" wal "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode").fetchone()[0])' "$DB")"
analyze=$("$POSTURECTL" analyze "$TMP/day.csv" | tail -n 1)

check "daemon serving the store" serve
check "  libsqlite3 loaded" grep -q libsqlite3 "/proc/$DAEMON_PID/maps"
summary=$(ctl summary --since -2d --json)
check_eq "GetSummary duration = analyze's" "$(jq -r .duration_s <<<"$analyze")" "$(sum_key .duration_s)"
for p in upright slouched flexed extreme-flexion moving; do
        check_eq "  posture $p to the second" \
                "$(jq -r ".posture_s[\"$p\"] | round" <<<"$analyze")" "$(sum_key ".posture_s[\"$p\"] | round")"
done
for a in still moving walking; do
        check_eq "  activity $a to the second" \
                "$(jq -r ".activity_s[\"$a\"] | round" <<<"$analyze")" "$(sum_key ".activity_s[\"$a\"] | round")"
done
check_eq "  the same strain events" "$(jq -cS .events <<<"$analyze")" "$(sum_key '.events' | jq -cS .)"
check_eq "  not_worn_s is there" 0 "$(sum_key '.not_worn_s | round')"

hours=$(ctl history --since -2d --bucket 1h --json | wc -l)
check "history by the hour: 24 or 25 buckets ($hours)" test "$hours" -ge 24 -a "$hours" -le 25
total=$(ctl history --since -2d --bucket 1d --json | jq -s 'map(.duration_s) | add | . * 10 | round / 10')
check_eq "day buckets add up to the summary" "$(sum_key '.duration_s * 10 | round / 10')" "$total"
events=$(rcall GetEvents 0 0 | grep -o "'sustained_flexion'\|'sustained-flexion'" | wc -l)
check_eq "GetEvents: every sustained flexion" "$(jq -r '.events | to_entries | map(select(.key | test("sustained"))) | .[0].value' <<<"$analyze")" "$events"

# --- Bad ranges: InvalidArgs naming the argument.
check_match "bucket of 1 µs: InvalidArgs" 'InvalidArgs.*bucket_usec 1 ' "$(rcall GetHistory 0 0 1)"
check_match "bucket of two days: InvalidArgs" 'InvalidArgs.*bucket_usec' "$(rcall GetHistory 0 0 172800000000)"
check_match "until before since: InvalidArgs" 'InvalidArgs.*until_usec 5 is not after since_usec 10' "$(rcall GetSummary 10 5)"
check_match "GetEvents until before since: InvalidArgs" 'InvalidArgs.*until_usec' "$(rcall GetEvents 10 5)"
check_match "posturectl history --bucket 2d: usage error" 'from 1m to 1d' "$(ctl history --bucket 2d 2>&1)"

# --- export.
ctl export --format csv >"$TMP/export.csv"
check_match "export csv: a header" '^start_usec,start,duration_s,not_worn_s,' "$(head -n 1 "$TMP/export.csv")"
rows=$(($(wc -l <"$TMP/export.csv") - 1))
check "export csv: a row a minute ($rows)" test "$rows" -ge 1440 -a "$rows" -le 1442
check_eq "export csv: the seconds add up" "$(sum_key '.duration_s | round')" \
        "$(awk -F, 'NR > 1 { s += $3 } END { printf "%d", s + 0.5 }' "$TMP/export.csv")"
ctl export --format json >"$TMP/export.json"
check "export json: valid JSON Lines" sh -c "jq -e . '$TMP/export.json' >/dev/null"
check "export json: minutes and events" test "$(jq -r .type "$TMP/export.json" | sort -u | tr '\n' ' ')" = "event minute "
ctl export --format csv --what events >"$TMP/events.csv"
check_eq "export csv --what events: a header" "start_usec,start,kind,severity,duration_s,peak_deg" \
        "$(head -n 1 "$TMP/events.csv")"
json_events=$(jq -r 'select(.type == "event") | [.start_usec, .kind, .severity] | join(" ")' "$TMP/export.json")
check "  there are events to compare" test -n "$json_events"
check_eq "  a row an event, as the JSON has them (RFC 4180 fields)" "$json_events" \
        "$(python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(len(r) == 6 for r in rows), rows
print("\n".join(" ".join((r[0], r[2], r[3])) for r in rows[1:]))' "$TMP/events.csv")"
check_eq "export json --what minutes: minutes only" "minute" \
        "$(ctl export --format json --what minutes | jq -r .type | sort -u)"
check_match "export --what bogus: usage error" "invalid --what 'bogus'" "$(ctl export --format csv --what bogus 2>&1)"

# --- forget.
out=$(ctl forget --all </dev/null 2>&1)
check_match "forget without a terminal refuses" 'pass --yes' "$out"
check_eq "  and deletes nothing" "$(sum_key .duration_s)" "$(ctl summary --since -2d --json | jq -r .duration_s)"
mid=$(jq -r 'select(.type == "minute") | .t' "$TMP/export.json" | sed -n 720p)
check_eq "Forget(before the middle)" "()" "$(rcall Forget "$mid")"
left=$(ctl summary --since -2d --json | jq -r '.duration_s | round')
check "  about half is left ($left s)" test "$left" -gt 40000 -a "$left" -lt 46000
check_match "forget --all --yes" 'deleted' "$(ctl forget --all --yes 2>&1)"
check_eq "  nothing is left" 0 "$(ctl summary --since -2d --json | jq -r '.duration_s | round')"
check_eq "  no event is left" "(@a(sstdd) [],)" "$(rcall GetEvents 0 0)"
stop_daemon

# --- SIGKILL: what was written stays, and the next daemon reads it.
POSTURED_HISTORY_COMMIT_SEC=1 start_daemon --source "replay:$TMP/day.csv?speed=600"
wait_for_name
poll_until 30 "ten minutes of history" sh -c \
        "[ \"\$('$POSTURECTL' --session summary --since -2d --json | jq -r '.duration_s | round')\" -ge 600 ]"
before=$(ctl summary --since -2d --json | jq -r '.duration_s | floor')
kill -KILL "$DAEMON_PID"
wait_daemon 2>/dev/null
check_eq "  killed (status 137)" 137 "$rc"
wait_for_name_gone
after=$(python3 -c 'import sqlite3,sys; print(int(sqlite3.connect(sys.argv[1]).execute("SELECT total(duration_s) FROM minutes").fetchone()[0]))' "$DB")
check "SIGKILL: nothing written is lost ($before s before, $after s after)" test "$after" -ge "$before"
check "  the next daemon serves it" serve
check "  and reads it" test "$(ctl summary --since -2d --json | jq -r '.duration_s | floor')" -ge "$before"
stop_daemon

# --- A damaged database is moved aside, and a new one started.
head -c 65536 /dev/urandom >"$DB"
rm -f "$DB-wal" "$DB-shm"
check "damaged database: the daemon starts" serve
check_match "  says so" 'is damaged: moved aside to .*history\.db\.corrupt-' "$(cat "$DAEMON_LOG")"
check "  the damaged file is kept aside" test -n "$(ls "$STATE_DIRECTORY"/history.db.corrupt-* 2>/dev/null)"
check_eq "  a new, empty history" 0 "$(ctl summary --since -2d --json | jq -r '.duration_s | round')"

# --- Pain reports and phase changes have tables of their own.
check_eq "ReportInjury" "()" "$(rcall ReportInjury 0)"
check_eq "ReportPain" "()" "$(rcall ReportPain 3 "lifting a box")"
stop_daemon
sql() { python3 -c 'import sqlite3,sys; print("|".join(str(v) for v in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()))' "$DB" "$1"; }
check_eq "  the pain report is kept" "3|lifting a box" "$(sql 'SELECT level, context FROM pain')"
check_eq "  the phase change is kept" "acute" "$(sql 'SELECT phase FROM phases ORDER BY t_us DESC LIMIT 1')"

# --- A year of minutes: day buckets answer in well under a second.
python3 - "$DB" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time() // 60)
rows = ((m, 60.0, 12.5, 30.0, 2.0, 5.0, 0.3, 40.0, 20.0, 60.0) for m in range(now - 364 * 1440, now))
db.executemany("INSERT INTO minutes (minute, duration_s, flexion_mean, flexion_peak, lateral_mean,"
               " lateral_peak, strain_mean, posture_upright, posture_flexed, activity_still)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
# As a store of schema version 1 (before the hours table): opening it migrates.
db.execute("DROP TABLE hours")
db.execute("PRAGMA user_version = 1")
db.commit()
PY
check "a year of minutes: daemon up" serve
days=$(ctl history --since -400d --bucket 1d --json | wc -l)
check "  day buckets of a year: $days buckets" test "$days" -ge 364 -a "$days" -le 366
year=$(ctl summary --since -400d --json | jq -r '.duration_s | round')
check_eq "  GetSummary of the year" $((364 * 1440 * 60)) "$year"
# How fast the daemon answers, timed by the call itself (busctl --timeout),
# not by a client process whose start a sanitizer build on a busy machine
# makes slow; since at an hour, as posturectl sends it (the hours table).
# Reading the minutes instead takes seconds here.
since=$(((($(date +%s) - 400 * 86400) / 3600 * 3600) * 1000000))
answers_within() { # SECONDS METHOD SIGNATURE ARGS...: Recovery1.METHOD replies in time
        busctl --user --timeout="$1" call org.postured.Posture1 $OBJ org.postured.Recovery1 "${@:2}" >/dev/null
}
check "  day buckets in well under a second (0.5 s)" \
        answers_within 0.5 GetHistory ttt "$since" 0 86400000000
check "  the summary in well under a second (0.5 s)" answers_within 0.5 GetSummary tt "$since" 0
check_match "  a year of minutes is more than a reply holds" 'InvalidArgs.*more than 100000' \
        "$(rcall GetHistory 0 0 60000000)"
check_eq "  the schema is at version 2" 2 "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' "$DB")"
stop_daemon

check_no_sanitizer_report "$TMP/all-daemons.log"

# --- A system bus: nobody outside the health group reaches the history.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
        echo "# SKIP history as nobody: needs root and setpriv (not counted)"
        finish
fi
check "system bus: postured serves it" start_system_bus
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" 2>&1; }
for call in "GetSummary 0 0" "GetHistory 0 0 3600000000" "GetEvents 0 0" "Forget 0"; do
        # shellcheck disable=SC2086
        out=$(as_nobody gdbus call --system -d org.postured.Posture1 -o $OBJ -m org.postured.Recovery1.$call)
        check_match "system bus: nobody gets AccessDenied for ${call%% *}" 'AccessDenied' "$out"
done
out=$(gdbus call --system -d org.postured.Posture1 -o $OBJ -m org.postured.Recovery1.GetSummary 0 0 2>&1)
check_match "system bus: root may read it" "'duration_s'" "$out"
stop_system_bus

finish
