#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small posture indicator for bars that run a command and show its last
line (polybar's "tail = true", xmobar's CommandReader, lemonbar scripts):
follows postured over D-Bus with GLib and prints one short line whenever the
posture, the strain level or the snooze changes, "posture: off" while
postured is not running.

    postured-indicator.py [--session] [--once]

--session follows a daemon on the session bus; --once prints the current
state and exits (1 when postured is not running).
"""
import sys
import time

from gi.repository import Gio, GLib

NAME = "org.postured.Posture1"
PATH = "/org/postured/Posture1"
IFACE = "org.postured.Posture1"


def line(proxy):
    """The one-line summary of the cached properties of @proxy."""
    def get(name, default=None):
        v = proxy.get_cached_property(name)
        return default if v is None else v.unpack()

    posture = get("Posture", "unknown")
    sensor = get("SensorState", "absent")
    if sensor != "active":
        return f"posture: sensor {sensor}"
    text = f"{posture} {get('Flexion', 0.0):+.0f}°"
    strain = get("StrainLevel")
    if strain is not None:
        text += f" strain {round(strain * 100)}%"
    if get("SnoozedUntil", 0) > time.time() * 1e6:
        text += " (snoozed)"
    return text


class Indicator:
    def __init__(self, bus_type, once):
        self.bus_type = bus_type
        self.once = once
        self.proxy = None
        self.last = None
        self.loop = GLib.MainLoop()
        self.status = 0

    def show(self, text):
        if text != self.last:
            print(text, flush=True)
            self.last = text

    def appeared(self, connection, name, owner):
        self.proxy = Gio.DBusProxy.new_sync(
            connection, Gio.DBusProxyFlags.NONE, None, NAME, PATH, IFACE, None)
        self.proxy.connect("g-properties-changed",
                           lambda *args: self.show(line(self.proxy)))
        self.show(line(self.proxy))
        if self.once:
            self.loop.quit()

    def vanished(self, connection, name):
        self.proxy = None
        self.show("posture: off")
        if self.once:
            self.status = 1
            self.loop.quit()

    def run(self):
        Gio.bus_watch_name(self.bus_type, NAME, Gio.BusNameWatcherFlags.NONE,
                           self.appeared, self.vanished)
        self.loop.run()
        return self.status


def main(argv):
    unknown = [a for a in argv if a not in ("--session", "--once")]
    if unknown:
        print(f"postured-indicator: unknown argument {unknown[0]!r}\n"
              "Usage: postured-indicator.py [--session] [--once]", file=sys.stderr)
        return 64
    bus = Gio.BusType.SESSION if "--session" in argv else Gio.BusType.SYSTEM
    return Indicator(bus, "--once" in argv).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
