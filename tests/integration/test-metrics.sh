#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [Metrics] TextfileDirectory=: postured.prom in the Prometheus text format,
# replaced atomically, readable by the exporter's user, with the seconds of
# the replay in each posture; nothing of the recovery. Debian's
# prometheus-node-exporter reads it with its textfile collector and serves it.
. "$(dirname "$0")/lib.sh"

dir="$TMP/textfile"
mkdir -p "$dir"
printf '[Metrics]\nTextfileDirectory=%s\n' "$dir" >"$TMP/metrics.conf"
prom="$dir/postured.prom"

run_daemon --config "$TMP/metrics.conf" --exit-on-eof --source "replay:$DATA/work-session.csv?speed=0"
check_eq "a replay with metrics (exit status)" 0 "$rc"
check "postured.prom is written" test -s "$prom"
check_eq "  readable by every user (0644)" 644 "$(stat -c %a "$prom")"
check "  no temporary file is left" test ! -e "$prom.tmp"
analyze=$("$POSTURECTL" analyze "$DATA/work-session.csv" | tail -n 1)
metric() { # NAME{LABELS} -> its value rounded
        awk -v k="$1" '$1 == k { printf "%d\n", $2 + 0.5 }' "$prom"
}
for p in upright slouched flexed; do
        check_eq "  seconds $p = analyze's" "$(jq -r ".posture_s[\"$p\"] | round" <<<"$analyze")" \
                "$(metric "postured_posture_seconds_total{posture=\"$p\"}")"
done
check_eq "  seconds walking = analyze's" "$(jq -r '.activity_s.walking | round' <<<"$analyze")" \
        "$(metric 'postured_activity_seconds_total{activity="walking"}')"
kind=$(jq -r '.events | to_entries | map(select(.value > 0)) | .[0].key' <<<"$analyze")
check "  strain events by kind and severity ($kind)" \
        grep -q "^postured_strain_events_total{kind=\"$kind\",severity=\"[a-z]*\"} [1-9]" "$prom"
check_match "  the sensor's state" 'postured_sensor_state\{state="absent"\} 1' "$(cat "$prom")"
check_match "  StrainLevel" '^postured_strain_level [0-9.]+$' "$(grep '^postured_strain_level ' "$prom")"
check_match "  samples dropped" '^postured_samples_dropped_total [0-9]+$' "$(grep '^postured_samples_dropped_total' "$prom")"
check "  nothing of the recovery" sh -c "! grep -qi 'phase\|pain\|symptom\|alert\|injur' '$prom'"
check "  every sample has HELP and TYPE" sh -c \
        "awk '/^# TYPE/ { t[\$3] = 1 } !/^#/ { n = \$1; sub(/\\{.*/, \"\", n); if (!(n in t)) exit 1 }' '$prom'"

exporter=$(command -v prometheus-node-exporter)
if [ -z "$exporter" ]; then
        not_ok "prometheus-node-exporter is installed (tools/install-deps)"
        finish
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$exporter" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
        --collector.textfile --collector.textfile.directory="$dir" >"$TMP/exporter.log" 2>&1 &
exporter_pid=$!
_pids+=("$exporter_pid")
scrape() {
        python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' \
                "http://127.0.0.1:$port/metrics" >"$TMP/scrape.txt" 2>/dev/null
}
check "the node exporter answers" poll_until -p "$exporter_pid" "$WAIT_TIMEOUT" "the node exporter" scrape
check_match "  it read postured.prom without error" 'node_textfile_scrape_error 0' "$(cat "$TMP/scrape.txt")"
check_eq "  and serves the seconds upright" \
        "$(jq -r '.posture_s.upright | round' <<<"$analyze")" \
        "$(awk '$1 == "postured_posture_seconds_total{posture=\"upright\"}" { printf "%d\n", $2 + 0.5 }' "$TMP/scrape.txt")"
check_match "  and the strain events" "postured_strain_events_total\\{kind=\"$kind\"" "$(cat "$TMP/scrape.txt")"
kill "$exporter_pid"
wait "$exporter_pid" 2>/dev/null

finish
