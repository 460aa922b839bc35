#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's commands work from the build tree right after make, as
# written there: no --plugin-dir, no --config; the binaries find the build's
# plugins and the source tree's conf/ themselves (daemon/util/build-tree.c).
# test-install.sh checks that an installed copy uses the installed paths.
. "$(dirname "$0")/lib.sh"

# As the README says it, relative to the source tree (lib.sh cd's there).
rec=tests/data/work-session.csv

# --- The daemon replays a recording as fast as it can, serves its name and
# exits 0 at the end; a monitor subscribed before it starts sees it come and
# go, and the advice the catalogue of conf/ gives.
start_monitor "$TMP/bus.json" --until-gone
mon=$MONITOR_PID
"$BUILD/postured" --session --source "replay:$rec?speed=0" --exit-on-eof >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
track_daemon "$DAEMON_PID" "$DAEMON_LOG"
wait_daemon
rc=$?
check_eq "$BUILD/postured --session --source 'replay:$rec?speed=0' --exit-on-eof: exit status 0" 0 "$rc"
[ "$rc" -eq 0 ] || daemon_log_tail
check "the monitor saw the daemon leave" wait "$mon"
check "the daemon served org.postured.Posture1" quietly jq -se \
        'any(.[]; .signal == "NameOwnerChanged" and .name == "org.postured.Posture1" and .new_owner != "")' \
        "$TMP/bus.json"
check "the daemon sent Advice (it found the catalogue)" quietly jq -se \
        'any(.[]; .signal == "Advice")' "$TMP/bus.json"
check "its ergonomic Advice on Posture1 names a category (posture, break or movement)" \
        quietly jq -se 'any(.[]; .signal == "Advice" and .interface == "org.postured.Posture1")
                and all(.[]; .signal != "Advice" or .interface != "org.postured.Posture1"
                        or (.category | IN("posture", "break", "movement")))' "$TMP/bus.json"
check_eq "the daemon missed no file, looked in no installed path" "" \
        "$(grep -E 'No such file|/usr/local' "$DAEMON_LOG")"

# --- posturectl analyze prints advice lines.
"$BUILD/posturectl" analyze --phase acute "$rec" >"$TMP/analyze.jsonl" 2>"$TMP/analyze.err"
check_eq "$BUILD/posturectl analyze --phase acute $rec: exit status 0" 0 "$?"
check_eq "  nothing on stderr" "" "$(cat "$TMP/analyze.err")"
n=$(jq -r 'select(.type == "advice") | .id' "$TMP/analyze.jsonl" | wc -l)
check "  prints advice lines ($n)" test "$n" -gt 0
check "  the acute phase's guidance among them" quietly jq -se \
        'any(.[]; .type == "advice" and (.id | startswith("acute-")))' "$TMP/analyze.jsonl"

# --- --help names the defaults: the source tree's conf/ and the build's plugins.
help=$("$BUILD/postured" --help)
check_eq "$BUILD/postured --help: exit status 0" 0 "$?"
check_match "  the default configuration is the source tree's conf/postured.conf" \
        "\(default $top/conf/postured.conf;" "$help"
check_match "  the default plugin directory is the build's" \
        "\(default $top/$BUILD/plugins\)" "$help"
check "  no installed path as a default" sh -c '! printf "%s" "$1" | grep -Eq "default /usr|default /etc"' \
        sh "$help"

finish
