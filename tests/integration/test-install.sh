#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make install honours PREFIX, sysconfdir and DESTDIR, and the installed
# daemon knows where it was installed.
. "$(dirname "$0")/lib.sh"

dest="$TMP/root"
# The unit goes where systemd.pc says when PREFIX=/usr (Debian 12: /lib/systemd/system).
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
unitdir=${unitdir:-/usr/lib/systemd/system}
unitdir=${unitdir#/}
if make --no-print-directory BUILD="$TMP/build" PREFIX=/usr sysconfdir=/etc DESTDIR="$dest" \
        install >"$TMP/install.log" 2>&1; then
        ok "make install PREFIX=/usr sysconfdir=/etc DESTDIR=… succeeds"
else
        cat "$TMP/install.log"
        not_ok "make install failed"
fi

for f in usr/sbin/postured usr/bin/posturectl usr/lib/postured/plugins/replay.so \
        etc/postured/postured.conf "$unitdir/postured.service" \
        usr/share/dbus-1/system.d/org.postured.Posture1.conf \
        usr/share/dbus-1/system-services/org.postured.Posture1.service \
        usr/share/dbus-1/interfaces/org.postured.Posture1.xml \
        usr/share/polkit-1/actions/org.postured.policy \
        usr/share/man/man8/postured.8 usr/share/man/man1/posturectl.1 \
        usr/share/man/man5/postured.conf.5 usr/share/doc/postured/examples/iio-network.conf \
        usr/bin/postured-notify usr/lib/systemd/user/postured-notify.service \
        usr/lib/systemd/user/graphical-session.target.wants/postured-notify.service \
        etc/xdg/autostart/postured-notify.desktop usr/share/man/man1/postured-notify.1 \
        usr/share/bash-completion/completions/posturectl usr/share/zsh/vendor-completions/_posturectl \
        usr/share/fish/vendor_completions.d/posturectl.fish \
        usr/share/doc/postured/examples/waybar/config.jsonc usr/share/doc/postured/examples/i3blocks/postured \
        usr/share/doc/postured/examples/postured-indicator.py; do
        check "installed $f" test -s "$dest/$f"
done
check "drop-in directory etc/postured/postured.conf.d exists" test -d "$dest/etc/postured/postured.conf.d"
check "the unit starts the installed daemon" grep -qx 'ExecStart=/usr/sbin/postured --system' \
        "$dest/$unitdir/postured.service"

unit="$dest/usr/lib/systemd/user/postured-notify.service"
check "the user unit starts the installed agent" grep -qx 'ExecStart=/usr/bin/postured-notify' "$unit"
check "  with the graphical session" \
        sh -c 'grep -qx "PartOf=graphical-session.target" "$1" && grep -qx "WantedBy=graphical-session.target" "$1"' sh "$unit"
check "the autostart file starts the installed agent" \
        grep -qx 'Exec=/usr/bin/postured-notify' "$dest/etc/xdg/autostart/postured-notify.desktop"
check "postured-notify --help" quietly "$dest/usr/bin/postured-notify" --help
check "the installed bash completion completes commands" \
        bash -c '. "$1"; COMP_WORDS=(posturectl mon); COMP_CWORD=1; _posturectl; [ "${COMPREPLY[*]}" = monitor ]' \
        bash "$dest/usr/share/bash-completion/completions/posturectl"

help=$("$dest/usr/sbin/postured" --help)
check_match "compiled-in configuration path follows sysconfdir" "/etc/postured/postured.conf" "$help"
check_match "compiled-in plugin directory follows PREFIX" "/usr/lib/postured/plugins" "$help"
# Installed, it is no longer in its build directory: the installed paths
# only, never the build tree's plugins or the source tree's conf/.
check_match "installed: the default configuration is /etc's" "\(default /etc/postured/postured.conf;" "$help"
check_match "installed: the default plugin directory is PREFIX's" "\(default /usr/lib/postured/plugins\)" "$help"
check "installed: --help names neither the build nor the source tree" \
        sh -c '! printf "%s" "$1" | grep -Fq -e "$2" -e "$3"' sh "$help" "$TMP/build" "$top"
# Its analyze looks for the catalogue where it was installed (here absent:
# DESTDIR), not in the source tree.
err=$("$dest/usr/bin/posturectl" analyze "$DATA/moving.csv" 2>&1 >/dev/null)
check "installed posturectl analyze fails without the installed catalogue" test -n "$err"
check_match "  naming the installed catalogue" "/usr/share/postured/advice.conf" "$err"

# The installed default configuration is valid: it parses and the daemon runs with it.
start_daemon --config "$dest/etc/postured/postured.conf" --plugin-dir "$dest/usr/lib/postured/plugins" \
        --source "replay:$DATA/moving.csv?speed=0"
check "installed daemon, config and plugin serve the bus" wait_for_name
stop_daemon
check_eq "installed daemon: SIGTERM: exit status 0" 0 "$?"

check "bus policy is well-formed XML" python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' \
        "$dest/usr/share/dbus-1/system.d/org.postured.Posture1.conf"
# The unit parses and is sandboxed: systemd's exposure score at most 1.4,
# the score before the group input was dropped (the default unit of a
# daemon scores 9.6). --threshold is the score times 10.
security() {
        systemd-analyze security --offline=true --threshold="$2" "$1" >"$TMP/security.txt" 2>&1 ||
                { cat "$TMP/security.txt"; return 1; }
}
unit="$dest/$unitdir/postured.service"
check "systemd-analyze security: unit hardened (exposure <= 1.4)" security "$unit" 14
# DeviceAllow=char-input lets every input node through the cgroup filter;
# only the group postured (udev: ID_INPUT_ACCELEROMETER=1) may limit what
# the daemon reads. A group input would open every keyboard.
check "the unit adds no supplementary group (no SupplementaryGroups=input)" \
        sh -c '! grep -Eq "^[[:space:]]*SupplementaryGroups=" "$1"' sh "$unit"
check "the unit runs as user and group postured" \
        sh -c 'grep -qx "User=postured" "$1" && grep -qx "Group=postured" "$1"' sh "$unit"

# The iio:ip: drop-in, applied to the installed unit (a drop-in directory
# next to a unit given by path is read), loads without a warning, lets the
# daemon have IP sockets and keeps it exposed no more than 2.0.
verify_dropin() {
        local d=$1
        systemd-analyze verify --man=no "$d/postured.service" >"$TMP/verify.txt" 2>&1 &&
                [ ! -s "$TMP/verify.txt" ] || { sed 's/^/# /' "$TMP/verify.txt"; return 1; }
}
for variant in shipped edited; do
        d="$TMP/units-$variant"
        mkdir -p "$d/postured.service.d"
        sed "s|^ExecStart=/usr/sbin/postured|ExecStart=$dest/usr/sbin/postured|" "$unit" >"$d/postured.service"
        if [ "$variant" = shipped ]; then
                cp "$dest/usr/share/doc/postured/examples/iio-network.conf" "$d/postured.service.d/"
        else
                sed 's|^#IPAddressAllow=HOST$|IPAddressAllow=192.0.2.10|' \
                        "$dest/usr/share/doc/postured/examples/iio-network.conf" >"$d/postured.service.d/iio-network.conf"
        fi
        check "systemd-analyze verify: unit with the iio:ip: drop-in ($variant)" verify_dropin "$d"
        check "  the drop-in allows Internet sockets ($variant)" \
                sh -c 'systemd-analyze security --offline=true "$1" | grep -q "^✗ RestrictAddressFamilies=~AF_(INET|INET6) "' \
                sh "$d/postured.service"
        check "  and keeps the unit hardened (exposure <= 2.0) ($variant)" security "$d/postured.service" 20
done
check "the shipped drop-in allows no IP host until edited" \
        sh -c 'grep -qx "IPAddressDeny=any" "$1" && ! grep -q "^IPAddressAllow=" "$1"' \
        sh "$dest/usr/share/doc/postured/examples/iio-network.conf"
check "sysusers file installed" test -s "$dest/usr/lib/sysusers.d/postured.conf"

finish
