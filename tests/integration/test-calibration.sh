#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The neutral posture (DESIGN.md "Worn or not, and the neutral posture"):
# never taken from a sensor on a desk, refused by Calibrate() far from
# upright, forgotten by ResetCalibration(), kept in the state directory
# across restarts for the same sensor and mount only. Synthetic recordings
# (tests/tools/synth.py: @desk is a sensor not worn).
. "$(dirname "$0")/lib.sh"

SYNTH="tests/tools/synth.py"
export STATE_DIRECTORY="$TMP/state"
mkdir -p "$STATE_DIRECTORY"
saved="$STATE_DIRECTORY/neutral"
rec="$TMP/rec.csv" # the sensor's name is its path: the same for each restart

# --- 10 s face-down on a desk, then put on and worn upright.
python3 "$SYNTH" --rate 50 --seed 5 "hold:90:0:10@desk ramp:90,0:0,0:3 hold:0:0:20@fidget" \
        >"$TMP/desk-start.csv"
out=$("$POSTURECTL" analyze "$TMP/desk-start.csv")
first=$(jq -c 'select(.type == "calibration")' <<<"$out" | head -n 1)
check_match "analyze: the first calibration line is automatic" '"how":"auto"' "$first"
check_in_range "analyze: the neutral is not taken on the desk (t > 10 s)" \
        "$(jq -r .t <<<"$first")" 10 40
check_in_range "analyze: the neutral is upright (y > 9 m/s²)" \
        "$(jq -r '.neutral[1]' <<<"$first")" 9 10.5
check_eq "analyze: nothing fires on the desk" "" \
        "$(jq -r 'select(.type == "event" and .t < 13) | .kind' <<<"$out")"
check_in_range "analyze: the summary counts seconds not worn" \
        "$(jq -r 'select(.type == "summary") | .not_worn_s' <<<"$out")" 6 12

out=$("$POSTURECTL" analyze --neutral 0,9.8,0 "$TMP/desk-start.csv" | head -n 1)
check_eq "analyze --neutral: a given calibration line at t 0" \
        '{"type":"calibration","t":0.000,"neutral":[0.0000,9.8000,0.0000],"how":"given"}' "$out"

# --- An automatic session: face-down on a desk, put on, sitting, a walk,
# sitting again, put face-up on the desk: lying under 5 % of the time,
# nothing fires on the desk at the start, the desk's time counted as not
# worn (at the end from 30 s after it was put down: until then it could be
# a wearer lying down).
python3 "$SYNTH" --rate 50 --seed 8 "hold:90:0:20@desk ramp:90,0:5,0:3 hold:5:0:300@fidget
        hold:0:0:60@walk hold:8:0:200@fidget ramp:8,0:-90,0:2 hold:-90:0:60@desk" \
        >"$TMP/session.csv"
out=$("$POSTURECTL" analyze "$TMP/session.csv")
sum=$(jq -c 'select(.type == "summary")' <<<"$out")
check_in_range "auto session: lying under 5 % of the time" \
        "$(jq -r '.posture_s.lying / .duration_s * 100' <<<"$sum")" 0 4.999
check_in_range "auto session: not worn 20 s at the start and 30 s at the end, about" \
        "$(jq -r .not_worn_s <<<"$sum")" 45 60
check_eq "auto session: nothing fires on the desk at the start" "" \
        "$(jq -r 'select(.type == "event" and .t < 23) | .kind' <<<"$out")"

# --- Taken off and carried upside down in a bag: jostled, yet not-worn.
out=$(python3 "$SYNTH" --rate 50 --seed 9 "hold:0:0:10@fidget ramp:0,0:160,20:2
        hold:160:20:60@bag" | "$POSTURECTL" analyze -)
check_in_range "a sensor upside down in a bag is not-worn" \
        "$(jq -r 'select(.type == "summary") | .not_worn_s' <<<"$out")" 56 62

cp "$TMP/desk-start.csv" "$rec"
start_daemon --source "replay:$rec?speed=0"
check "daemon is up" wait_for_name
check "the desk-start replay ends" wait_for_prop SensorState absent
check_eq "Calibrated after the desk start" true "$(prop Calibrated)"
at=$(prop CalibratedAt)
check_in_range "CalibratedAt is a realtime time in µs" "$at" 1000000000000000 9999999999999999
check "the neutral is saved in the state directory" grep -q '^how=auto$' "$saved"
check "the saved neutral names the sensor" grep -qF "sensor=$rec" "$saved"

check_match "posturectl status shows CalibratedAt" 'CalibratedAt: [0-9]{4}-' \
        "$("$POSTURECTL" --session status)"

# --- ResetCalibration(): automatic again, the saved neutral gone.
out=$("$POSTURECTL" --session calibrate --reset)
check_match "posturectl calibrate --reset calls ResetCalibration()" 'Calibration reset' "$out"
check_eq "CalibratedAt is 0 after ResetCalibration()" 0 "$(prop CalibratedAt)"
check_eq "Calibrated is false after ResetCalibration()" false "$(prop Calibrated)"
check "ResetCalibration() removes the saved neutral" test ! -e "$saved"
check_match "posturectl status: CalibratedAt never" 'CalibratedAt: never' \
        "$("$POSTURECTL" --session status)"
check "ResetCalibration() over the bus succeeds" busctl --user call org.postured.Posture1 \
        /org/postured/Posture1 org.postured.Posture1 ResetCalibration

# --- Calibrate() on the upright end: given, saved.
check "Calibrate() while upright and still succeeds" busctl --user call org.postured.Posture1 \
        /org/postured/Posture1 org.postured.Posture1 Calibrate
check "the given neutral is saved" grep -q '^how=given$' "$saved"
given_at=$(prop CalibratedAt)
check_in_range "CalibratedAt after Calibrate()" "$given_at" 1000000000000000 9999999999999999
stop_daemon

# --- A restart on the same sensor, now on a desk the whole time: the saved
# neutral is used (and never one from the desk).
python3 "$SYNTH" --rate 50 --seed 6 "hold:-90:0:40@desk" >"$rec"
start_daemon --source "replay:$rec?speed=0"
check "daemon is up again" wait_for_name
check "the desk replay ends" wait_for_prop SensorState absent
check_eq "the neutral survives a restart" true "$(prop Calibrated)"
check_eq "CalibratedAt survives a restart" "$given_at" "$(prop CalibratedAt)"
check_eq "a sensor on a desk is not-worn" not-worn "$(prop Posture)"
stop_daemon

# --- Another mount matrix: the saved neutral is not inherited.
printf '[Source]\nMountMatrix=0,-1,0;1,0,0;0,0,1\n' >"$TMP/mount.conf"
start_daemon --config "$TMP/mount.conf" --source "replay:$rec?speed=0"
check "daemon with another mount is up" wait_for_name
check "its replay ends" wait_for_prop SensorState absent
check_eq "another mount does not inherit the neutral" false "$(prop Calibrated)"
check_eq "CalibratedAt is 0 without a neutral" 0 "$(prop CalibratedAt)"
stop_daemon
check_match "the log says why the saved neutral is not used" "belongs to sensor" \
        "$(cat "$DAEMON_LOG")"

# --- A damaged file is logged with its line and ignored.
printf 'sensor=%s\nneutral=1,2\n' "$rec" >"$saved"
start_daemon --source "replay:$rec?speed=0"
check "daemon with a damaged saved neutral is up" wait_for_name
check "its replay ends" wait_for_prop SensorState absent
check_eq "a damaged saved neutral is ignored" false "$(prop Calibrated)"
stop_daemon
check_match "the damaged file is named with its line" "$saved: line 2: bad value for 'neutral'" \
        "$(cat "$DAEMON_LOG")"

# --- Calibrate() on a 35° bend: NotUpright.
python3 "$SYNTH" --rate 50 --seed 7 "hold:0:0:8@fidget ramp:35:0:3 hold:35:0:10" >"$rec"
rm -f "$saved"
start_daemon --source "replay:$rec?speed=0"
check "daemon with a bent wearer is up" wait_for_name
check "the bend replay ends" wait_for_prop SensorState absent
err=$(gdbus call --session -d org.postured.Posture1 -o /org/postured/Posture1 \
        -m org.postured.Posture1.Calibrate 2>&1)
check_match "Calibrate() on a 35° bend: org.postured.Error.NotUpright" \
        'org\.postured\.Error\.NotUpright.*Not upright' "$err"
stop_daemon

finish
