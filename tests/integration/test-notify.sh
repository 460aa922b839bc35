#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# postured-notify against a real notification server: Debian's dunst on a
# private X server (Xvfb), on this test's session bus, read back through
# dunstctl (what is displayed, the history, the context menu that invokes an
# action) and through a dunst rule script that logs every notification dunst
# shows with its urgency. The agent starts before postured; a work session
# with an extreme bend gives one critical notification that later advice
# replaces rather than stacks; Snooze 30 min sets SnoozedUntil; a red-flag
# report gives a resident alert whose "I have seen this" clears
# ActiveAlerts; a new agent shows an active alert again; a restarted
# postured is followed. --dry-run, --help and the configuration too.
. "$(dirname "$0")/lib.sh"

NOTIFY="$top/$BUILD/postured-notify"

# --- Without a server: --help, bad configuration, --dry-run.
out=$("$NOTIFY" --help)
check_match "--help names the options" "--dry-run.*" "$(printf '%s' "$out" | tr '\n' ' ')"
printf '[Notify]\nMinIntervalSec=soon\n' >"$TMP/bad.conf"
err=$("$NOTIFY" --session --dry-run --config "$TMP/bad.conf" 2>&1)
check_eq "a bad configuration: exit status 78" 78 "$?"
check_match "  saying FILE:LINE: and the key" "bad.conf:2: \[Notify\] MinIntervalSec=soon" "$err"
err=$("$NOTIFY" --session --dry-run --config "$TMP/missing.conf" 2>&1)
check_eq "a missing --config: exit status 78" 78 "$?"
"$NOTIFY" --bogus >/dev/null 2>&1
check_eq "an unknown option: exit status 64" 64 "$?"

if ! command -v dunst >/dev/null || ! command -v Xvfb >/dev/null; then
        ok "# SKIP dunst or Xvfb is not installed (tools/install-deps installs them)"
        finish
fi

# --- dunst on a private X server. Every notification it shows is logged by
# a rule script; its context menu (dunstctl context) picks, through a
# dmenu stand-in, the first action whose label contains $TMP/pick.
# Xvfb picks a free display and writes its number, once it accepts
# connections, to fd 5 (-displayfd): no number guessed that a stale socket or
# another X server may hold.
Xvfb -displayfd 5 -screen 0 800x600x24 -nolisten tcp 5>"$TMP/display" >"$TMP/xvfb.log" 2>&1 &
_pids+=("$!")
display_written() { grep -qx '[0-9][0-9]*' "$TMP/display"; }
check "Xvfb up" poll_until -p "$!" "$WAIT_TIMEOUT" "the X server's display number" display_written
display=$(cat "$TMP/display")
cat >"$TMP/log.sh" <<SH
#!/bin/sh
printf '%s|%s|%s|%s|%s\n' "\$DUNST_ID" "\$DUNST_URGENCY" "\$DUNST_CATEGORY" "\$DUNST_SUMMARY" "\$DUNST_BODY" >>"$TMP/shown.log"
SH
cat >"$TMP/dmenu.sh" <<SH
#!/bin/sh
cat >"$TMP/menu.txt"
grep -m1 -F "\$(cat "$TMP/pick")" "$TMP/menu.txt"
SH
chmod +x "$TMP/log.sh" "$TMP/dmenu.sh"
: >"$TMP/shown.log"
cat >"$TMP/dunstrc" <<INI
[global]
    dmenu = $TMP/dmenu.sh
    history_length = 50
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
[log]
    summary = "*"
    script = $TMP/log.sh
INI
DISPLAY=":$display" dunst -config "$TMP/dunstrc" >"$TMP/dunst.log" 2>&1 &
DUNST_PID=$!
_pids+=("$DUNST_PID")
check "dunst owns org.freedesktop.Notifications" \
        poll_until -p "$DUNST_PID" "$WAIT_TIMEOUT" "dunst on the bus" \
        sh -c 'busctl --user status org.freedesktop.Notifications >/dev/null 2>&1'

shown() { # the notifications dunst showed, FIELD (1 id, 2 urgency, 3 category, 4 summary, 5 body)
        cut -d'|' -f"$1" "$TMP/shown.log"
}
displayed() {
        dunstctl count displayed
}
# Predicates for poll_until: a "$(...)" in its arguments would be read once,
# before the first try, so every count is read in a function, at each try.
none_displayed() { [ "$(displayed)" = 0 ]; }
alerts_shown() { [ "$(grep -c '|x-postured.alert|' "$TMP/shown.log")" = "$1" ]; }
shown_more_than() { [ "$(wc -l <"$TMP/shown.log")" -gt "$1" ]; }

# --- The agent, before postured.
printf '[Notify]\nMinIntervalSec=0\n' >"$TMP/notify.conf"
start_agent() {
        "$NOTIFY" --session --config "$TMP/notify.conf" >>"$TMP/agent.log" 2>&1 &
        AGENT_PID=$!
        _pids+=("$AGENT_PID")
        poll_until -p "$AGENT_PID" "$WAIT_TIMEOUT" "the agent to subscribe" \
                grep -q "^Following postured" "$TMP/agent.log"
}
check "postured-notify waits for postured" start_agent

start_daemon --source "replay:$DATA/work-session.csv?speed=0"
check "daemon up" wait_for_name
check "the work session has been replayed" wait_for_prop SensorState absent
check "dunst showed a critical notification for the extreme bend" \
        poll_until "$WAIT_TIMEOUT" "a CRITICAL notification" grep -q '^[0-9]*|CRITICAL|x-postured' "$TMP/shown.log"
check "  from the app postured, categorised" \
        sh -c 'grep "|CRITICAL|" "$1" | grep -Eq "\|x-postured\.(strain|advice)\|"' sh "$TMP/shown.log"
check "several advice notifications were shown" test "$(wc -l <"$TMP/shown.log")" -ge 2
check_eq "  all as one notification, replaced (one id)" 1 "$(shown 1 | sort -u | wc -l)"
check_eq "  one notification on the screen, not a stack" 1 "$(displayed)"
check_eq "  nothing in the history (a replaced one is not closed)" 0 "$(dunstctl count history)"

# --- Snooze 30 min, through dunst's context menu.
echo "Snooze 30 min" >"$TMP/pick"
dunstctl context
snoozed() { [ "$(prop SnoozedUntil)" != 0 ]; }
check "invoking Snooze 30 min sets SnoozedUntil" poll_until "$WAIT_TIMEOUT" "SnoozedUntil" snoozed
check "  (the context menu listed Snooze 30 min)" grep -q "Snooze 30 min" "$TMP/menu.txt"
check_in_range "  about 30 min from now (s)" $(($(prop SnoozedUntil) / 1000000 - $(date +%s))) 1790 1800
check "  and the advice notification is closed" poll_until "$WAIT_TIMEOUT" "no notification" none_displayed

# --- A red-flag report: a resident alert; "I have seen this" acknowledges it.
n_before=$(wc -l <"$TMP/shown.log")
"$POSTURECTL" --session symptoms leg_weakness >/dev/null
check "the red-flag alert is shown although advice is snoozed" \
        poll_until "$WAIT_TIMEOUT" "the alert" grep -q '|CRITICAL|x-postured.alert|' "$TMP/shown.log"
check_eq "  once" 1 "$(grep -c '|x-postured.alert|' "$TMP/shown.log")"

# A new agent (a new login) while the alert is active shows it again.
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
dunstctl close-all
check "  closed with the old agent gone" poll_until "$WAIT_TIMEOUT" "no notification" none_displayed
# The bus frees the old agent's name when it has read its disconnect, not
# when the process exits: a new agent started before that says "already runs".
agent_name_free() { ! busctl --user status org.postured.Notify >/dev/null 2>&1; }
check "  and its name org.postured.Notify is free" poll_until "$WAIT_TIMEOUT" "the name" agent_name_free
: >"$TMP/agent.log"
start_agent
check "a new agent shows the active alert again" poll_until "$WAIT_TIMEOUT" "the alert again" alerts_shown 2
check "  with the catalogue's text" sh -c 'grep "|x-postured.alert|" "$1" | tail -n 1 | grep -q "healthcare provider"' \
        sh "$TMP/shown.log"
check_eq "  resident: on the screen" 1 "$(displayed)"
echo "I have seen this" >"$TMP/pick"
dunstctl context
no_alerts() { [ "$(prop ActiveAlerts org.postured.Recovery1)" = "[]" ]; }
check "I have seen this: ActiveAlerts is empty" poll_until "$WAIT_TIMEOUT" "ActiveAlerts []" no_alerts
check "  and the alert is closed" poll_until "$WAIT_TIMEOUT" "no notification" none_displayed

# --- postured restarts: the agent follows the new one (the snooze is gone with it).
# (Not moving.csv: it never keeps still, so it gives no neutral, and without
# one no trunk rule fires.)
stop_daemon >/dev/null
n_before=$(wc -l <"$TMP/shown.log")
start_daemon --source "replay:$DATA/work-session.csv?speed=0"
check "restarted daemon up" wait_for_name
check "the restarted daemon's advice is shown" poll_until "$WAIT_TIMEOUT" "new advice" shown_more_than "$n_before"
check "the agent is still running" kill -0 "$AGENT_PID"
stop_daemon >/dev/null
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# --- --dry-run prints instead of showing.
n_before=$(wc -l <"$TMP/shown.log")
"$NOTIFY" --session --dry-run --config "$TMP/notify.conf" >"$TMP/dry.out" 2>&1 &
DRY_PID=$!
_pids+=("$DRY_PID")
poll_until -p "$DRY_PID" "$WAIT_TIMEOUT" "the dry run" grep -q '^ready' "$TMP/dry.out"
start_daemon --source "replay:$DATA/work-session.csv?speed=0"
check "--dry-run prints a critical notification" poll_until "$WAIT_TIMEOUT" "a printed notification" \
        grep -q '^notify urgency=critical category=x-postured' "$TMP/dry.out"
check "  with Snooze 30 min" grep -q 'actions=snooze' "$TMP/dry.out"
check "  and Calibrate for the slouch" grep -q 'actions=snooze,calibrate' "$TMP/dry.out"
check_eq "  and shows nothing" "$n_before" "$(wc -l <"$TMP/shown.log")"
stop_daemon >/dev/null

finish
