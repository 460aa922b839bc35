#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Wait on the bus for what an integration test expects from postured.

Every wait is driven by D-Bus signals (NameOwnerChanged, PropertiesChanged),
ends with exit status 1 and "# timed out after N s waiting for X" on stderr
when it does not come, and with status 2 at once when the daemon (--pid)
has exited, printing the end of its log (--log).

  name                      until org.postured.Posture1 has an owner
  gone                      until it has none
  prop NAME VALUE           until property NAME reads VALUE (numbers compare
                            as numbers); prints the value
  not NAME VALUE            until NAME reads something else than VALUE or ""
  range NAME LO HI          until LO <= NAME <= HI; with --settle S, until it
                            has stayed so for S seconds (settled, not passing
                            through); prints the value
  stays NAME LO HI SECONDS  NAME must not leave LO..HI during SECONDS: fails
                            at the first value outside (a wall-time window:
                            the bus carries no sample time)
  monitor [MEMBER...]       print the daemon's signals (all, or those named)
                            as JSON objects, one a line: {"signal": MEMBER,
                            ARG: VALUE...}, arguments named as in
                            dbus/org.postured.Posture1.xml, and the
                            daemon's NameOwnerChanged ({"signal":
                            "NameOwnerChanged", "name", "old_owner",
                            "new_owner"}); with
                            --until-gone, exit 0 once the daemon has left the
                            bus (after its last signal); a signal Mark(s)
                            of interface org.postured.Test on the same path,
                            from anyone, is printed as {"signal": "Mark",
                            "mark": S}: when the monitor has it, it has every
                            signal the bus routed before it; with
                            --subscribe, it first calls
                            Recovery1.Subscribe() (which a system bus needs
                            for Recovery1's signals) and prints
                            {"signal": "Subscribed", "result": "ok" or the
                            error}

--ready FILE is written once the signals are subscribed (and, for a
property, its first value read): start the command in the background, wait
for FILE, then do what should (or should not) change the property.
"""
import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import gi

gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

NAME = 'org.postured.Posture1'
PATH = '/org/postured/Posture1'
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def note(*args):
    print('#', *args, file=sys.stderr, flush=True)


def text(value):
    """A property value as the tests write it: true/false, bare strings."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value)


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def pid_alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ('Z', 'X')


def arg_names(xml):
    """{(interface, member): [argument names]} for every signal in the
    introspection XML."""
    names = {}
    try:
        root = ET.parse(xml).getroot()
    except (OSError, ET.ParseError):
        return names
    for iface in root.iter('interface'):
        for sig in iface.iter('signal'):
            names[(iface.get('name'), sig.get('name'))] = [a.get('name') for a in sig.findall('arg')]
    return names


class Waiter:
    def __init__(self, opts):
        self.opts = opts
        self.loop = GLib.MainLoop()
        self.status = 1
        self.done = False
        self.what = opts.what or ' '.join([opts.command] + opts.args)
        self.last = None
        self.bus = Gio.bus_get_sync(Gio.BusType.SYSTEM if opts.system else Gio.BusType.SESSION)
        GLib.timeout_add(int(opts.timeout * 1000), self.timed_out)
        if opts.pid:
            GLib.timeout_add(100, self.check_pid)

    def finish(self, status):
        if not self.done:
            self.done = True
            self.status = status
            self.loop.quit()
        return False

    def timed_out(self):
        last = '' if self.last is None else " (last value '%s')" % self.last
        note('timed out after %g s waiting for %s%s' % (self.opts.timeout, self.what, last))
        return self.finish(1)

    def check_pid(self):
        if pid_alive(self.opts.pid):
            return True
        return self.daemon_died()

    def daemon_died(self):
        note('the daemon (pid %d) exited while waiting for %s' % (self.opts.pid, self.what))
        if self.opts.log:
            try:
                with open(self.opts.log, errors='replace') as f:
                    tail = f.readlines()[-15:]
            except OSError:
                tail = []
            note('the end of %s:' % self.opts.log)
            for line in tail:
                note('  ' + line.rstrip('\n'))
        return self.finish(2)

    def ready(self):
        if self.opts.ready:
            tmp = self.opts.ready + '.tmp'
            with open(tmp, 'w') as f:
                f.write('ready\n')
            os.rename(tmp, self.opts.ready)

    def subscribe(self, interface, member, callback, path=None, arg0=None):
        self.bus.signal_subscribe(None, interface, member, path, arg0,
                                  Gio.DBusSignalFlags.NONE, callback)

    def round_trip(self):
        """Once the bus has answered, the match rules sent before are in force."""
        self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                           'org.freedesktop.DBus', 'GetId', None, None,
                           Gio.DBusCallFlags.NONE, -1, None)

    def owner(self):
        try:
            r = self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                   'org.freedesktop.DBus', 'GetNameOwner',
                                   GLib.Variant('(s)', (NAME,)), None,
                                   Gio.DBusCallFlags.NONE, -1, None)
            return r.unpack()[0]
        except GLib.Error:
            return None

    def run(self):
        if not self.done:
            self.loop.run()
        return self.status


class NameWaiter(Waiter):
    def __init__(self, opts, present):
        super().__init__(opts)
        self.present = present
        self.subscribe('org.freedesktop.DBus', 'NameOwnerChanged', self.changed, arg0=NAME)
        if (self.owner() is not None) == present:
            self.finish(0)
        else:
            self.ready()

    def changed(self, bus, sender, path, iface, member, params):
        _, _, new = params.unpack()
        if (new != '') == self.present:
            self.finish(0)

    def check_pid(self):
        if pid_alive(self.opts.pid) or not self.present:
            return True
        return self.daemon_died()


class PropWaiter(Waiter):
    """Follows one property; test(waiter, value) finishes it when it is as wanted.
    on_ready() runs once the first Get has been answered (or the daemon is not
    on the bus), after --ready is written."""

    def __init__(self, opts, prop, test, on_ready=None):
        super().__init__(opts)
        self.prop = prop
        self.test = test
        self.on_ready = on_ready
        self.first = True
        self.subscribe('org.freedesktop.DBus.Properties', 'PropertiesChanged', self.changed,
                       path=PATH, arg0=opts.interface)
        self.subscribe('org.freedesktop.DBus', 'NameOwnerChanged', self.owner_changed, arg0=NAME)
        self.get()

    def get(self):
        # Asynchronous, and with no timeout of its own: a daemon that answers
        # late (a sanitizer build on a busy machine, a stalled process) is
        # still heard, and the wait's own timeout and --pid stay in force. A
        # call that timed out on its own would be taken for "not on the bus"
        # and leave a property that no longer changes unseen.
        self.bus.call(NAME, PATH, 'org.freedesktop.DBus.Properties', 'Get',
                      GLib.Variant('(ss)', (self.opts.interface, self.prop)),
                      None, Gio.DBusCallFlags.NONE, GLib.MAXINT, None, self.got)

    def got(self, bus, result):
        try:
            self.seen(bus.call_finish(result).unpack()[0])
        except GLib.Error as e:
            # Not on the bus (yet): NameOwnerChanged tells when it is.
            if not (e.matches(Gio.dbus_error_quark(), Gio.DBusError.SERVICE_UNKNOWN) or
                    e.matches(Gio.dbus_error_quark(), Gio.DBusError.NAME_HAS_NO_OWNER)):
                note('reading %s: %s' % (self.prop, e.message))
        if self.first and not self.done:
            self.first = False
            self.ready()
            if self.on_ready:
                self.on_ready()

    def changed(self, bus, sender, path, iface, member, params):
        _, changed, invalidated = params.unpack()
        if self.prop in changed:
            self.seen(changed[self.prop])
        elif self.prop in invalidated:
            self.get()

    def owner_changed(self, bus, sender, path, iface, member, params):
        if params.unpack()[2]:
            self.get()

    def seen(self, value):
        self.last = text(value)
        self.test(self, self.last)


def in_range(v, lo, hi):
    n = number(v)
    return n is not None and lo <= n <= hi


def cmd_prop(opts):
    """prop NAME VALUE, or (not) NAME VALUE: until NAME is VALUE, or not."""
    name, value = opts.args
    vnum = number(value)
    wanted = opts.command == 'prop'

    def test(w, v):
        equal = v == value or (vnum is not None and number(v) == vnum)
        if equal == wanted and v != '':
            print(v)
            w.finish(0)
    w = PropWaiter(opts, name, test)
    w.what = opts.what or '%s %s %s' % (name, '=' if wanted else 'other than', value)
    return w.run()


def cmd_range(opts):
    name, lo, hi = opts.args[0], float(opts.args[1]), float(opts.args[2])
    since = [None]

    def settled(w):
        if since[0] is not None and time.monotonic() - since[0] >= opts.settle:
            print(w.last)
            w.finish(0)
            return False
        return True

    def test(w, v):
        if not in_range(v, lo, hi):
            since[0] = None
        elif since[0] is None:
            since[0] = time.monotonic()
            if opts.settle <= 0:
                settled(w)
            else:
                GLib.timeout_add(int(opts.settle * 1000) + 1, settled, w)
    w = PropWaiter(opts, name, test)
    w.what = opts.what or '%s within %g..%g%s' % (
        name, lo, hi, ' for %g s' % opts.settle if opts.settle > 0 else '')
    return w.run()


def cmd_stays(opts):
    name, lo, hi, seconds = opts.args[0], float(opts.args[1]), float(opts.args[2]), float(opts.args[3])

    def test(w, v):
        if not in_range(v, lo, hi):
            note('%s = %s left %g..%g' % (name, v, lo, hi))
            w.finish(1)

    def done():
        if w.last is None:
            note('%s could not be read' % name)
            return w.finish(1)
        print(w.last)
        return w.finish(0)
    opts.timeout = max(opts.timeout, seconds + 5)
    # The window starts once the first value is read (and --ready written).
    w = PropWaiter(opts, name, test, lambda: GLib.timeout_add(int(seconds * 1000), done))
    w.what = opts.what or '%s (it never came)' % name
    return w.run()


def cmd_monitor(opts):
    names = arg_names(opts.xml)
    members = set(opts.args)
    w = Waiter(opts)
    w.what = opts.what or 'the daemon to leave the bus'

    def signal(bus, sender, path, iface, member, params):
        if iface == 'org.freedesktop.DBus':
            name, old, new = params.unpack()
            print(json.dumps({'signal': member, 'name': name, 'old_owner': old,
                              'new_owner': new}), flush=True)
            if old and not new and opts.until_gone:
                w.finish(0)
            return
        if iface == 'org.postured.Test' and member == 'Mark':
            print(json.dumps({'signal': 'Mark', 'mark': params.unpack()[0]}), flush=True)
            return
        if members and member not in members:
            return
        obj = {'signal': member, 'interface': iface}
        for i, v in enumerate(params.unpack()):
            keys = names.get((iface, member), [])
            obj[keys[i] if i < len(keys) else 'arg%d' % i] = v
        print(json.dumps(obj), flush=True)

    # Any sender: one daemon at a time is on the test's private bus.
    w.bus.signal_subscribe(None, None, None, PATH, None, Gio.DBusSignalFlags.NONE, signal)
    w.subscribe('org.freedesktop.DBus', 'NameOwnerChanged', signal, arg0=NAME)
    w.round_trip()
    if opts.subscribe:
        # Recovery1's signals, where the daemon allows it: the answer as a line.
        try:
            w.bus.call_sync(NAME, PATH, 'org.postured.Recovery1', 'Subscribe', None, None,
                            Gio.DBusCallFlags.NONE, -1, None)
            print(json.dumps({'signal': 'Subscribed', 'result': 'ok'}), flush=True)
        except GLib.Error as e:
            print(json.dumps({'signal': 'Subscribed', 'result': e.message}), flush=True)
    w.ready()
    return w.run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--system', action='store_true', help='the system bus, not the session bus')
    ap.add_argument('--timeout', type=float, default=30, help='seconds (default 30)')
    ap.add_argument('--pid', type=int, help='fail at once when this process has exited')
    ap.add_argument('--log', help="the daemon's log, whose end is printed when it has exited")
    ap.add_argument('--interface', default='org.postured.Posture1')
    ap.add_argument('--settle', type=float, default=0, help='range: seconds to stay in range')
    ap.add_argument('--ready', help='write this file once subscribed')
    ap.add_argument('--until-gone', action='store_true', help='monitor: until the daemon leaves')
    ap.add_argument('--subscribe', action='store_true',
                    help='monitor: call Recovery1.Subscribe() first, printing '
                    '{"signal": "Subscribed", "result": "ok" or the error}')
    ap.add_argument('--what', help='what is awaited, for the messages')
    ap.add_argument('--xml', default=os.path.join(TOP, 'dbus', 'org.postured.Posture1.xml'))
    ap.add_argument('command', choices=('name', 'gone', 'prop', 'not', 'range', 'stays', 'monitor'))
    ap.add_argument('args', nargs='*')
    opts = ap.parse_intermixed_args()
    if opts.command == 'monitor' and not opts.until_gone:
        opts.timeout = 24 * 3600  # runs until killed
    nargs = {'name': 0, 'gone': 0, 'prop': 2, 'not': 2, 'range': 3, 'stays': 4}
    if opts.command in nargs and len(opts.args) != nargs[opts.command]:
        ap.error('%s takes %d arguments' % (opts.command, nargs[opts.command]))
    if opts.command in ('name', 'gone'):
        w = NameWaiter(opts, opts.command == 'name')
        return w.run()
    return {'prop': cmd_prop, 'not': cmd_prop, 'range': cmd_range, 'stays': cmd_stays,
            'monitor': cmd_monitor}[opts.command](opts)


if __name__ == '__main__':
    sys.exit(main())
