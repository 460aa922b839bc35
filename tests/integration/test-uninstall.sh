#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make uninstall removes exactly what make install installed, and install
# builds no unit test (they need cmocka, which a system build does not).
. "$(dirname "$0")/lib.sh"

dest="$TMP/root"
vars=(BUILD="$TMP/build" PREFIX=/usr sysconfdir=/etc DESTDIR="$dest")
# Something of the administrator's beside ours, which uninstall must keep.
mkdir -p "$dest/etc/postured/postured.conf.d"
echo '[Sensor]' >"$dest/etc/postured/postured.conf.d/local.conf"

check "make install succeeds" quietly make --no-print-directory "${vars[@]}" install
check "make install built no unit test" sh -c '! ls "$1"/tests/test-* >/dev/null 2>&1' sh "$TMP/build"
installed=$(cd "$dest" && find . -type f ! -name local.conf | wc -l)
check "make install installed files" test "$installed" -ge 14
log=$(make --no-print-directory "${vars[@]}" install 2>/dev/null)
check_match "make install says to run systemd-sysusers" "systemd-sysusers" "$log"
check_match "make install says to run systemctl daemon-reload" "systemctl daemon-reload" "$log"

check "make uninstall succeeds" quietly make --no-print-directory "${vars[@]}" uninstall
left=$(cd "$dest" && find . -type f ! -name local.conf)
check_eq "make uninstall leaves no installed file" "" "$left"
check "make uninstall keeps the administrator's drop-in" test -s "$dest/etc/postured/postured.conf.d/local.conf"
check "make uninstall removes the emptied plugin directory" test ! -e "$dest/usr/lib/postured"
check "make uninstall removes the emptied data directory" test ! -e "$dest/usr/share/postured"
check "make uninstall removes the emptied documentation directory" test ! -e "$dest/usr/share/doc/postured"
check "make uninstall of an uninstalled tree succeeds" quietly make --no-print-directory "${vars[@]}" uninstall

finish
