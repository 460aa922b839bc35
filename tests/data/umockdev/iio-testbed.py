#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Emulate IIO accelerometers with umockdev and move the "wearer".

usage: iio-testbed.py FIXTURE.umockdev CONTROL -- COMMAND [ARGS...]

Loads FIXTURE into a umockdev testbed and runs COMMAND with the preload
library (LD_PRELOAD, UMOCKDEV_DIR), so libiio in COMMAND (postured, or
iiod serving the devices) sees the emulated sysfs and /dev nodes.

Every accelerometer of the fixture behaves like a kernel driver:
 - buffered (it has scan_elements): once something writes 1 to
   buffer/enable, scans of the enabled elements are written to the device
   node at the device's sampling_frequency, laid out and encoded as the
   scan_elements/*_type files say (an encoder independent of postured's
   decoder), with timestamps on current_timestamp_clock (default realtime);
   it stops when buffer/enable goes back to 0;
 - polled (no scan_elements): in_accel_{x,y,z}_raw are rewritten at 100 Hz.

Raw values come from the wearer's posture: (raw + offset) * scale = the
sensor-frame vector, which the mount matrix maps to the body frame
(DESIGN.md: upright (0, g, 0); flexion θ, lateral φ:
(-g·sin φ·cos θ, g·cos φ·cos θ, -g·sin θ)).

CONTROL is a file of KEY=VALUE lines, re-read every tick:
  flexion=DEG, lateral=DEG   the posture (default 0)
  state=run                  stream (default)
  state=pause                a sensor that stops sending
  state=gone                 the device is unplugged: its sysfs directory
                             disappears and its node hangs up; state=run
                             afterwards plugs it in again, numbered anew
                             (iio:deviceN becomes iio:device(N+10))
The testbed's root directory (where the emulated sysfs lives) is written
to CONTROL.root. SIGTERM/SIGINT are passed to COMMAND (which gets 3 s
before SIGKILL: iiod ignores them); the exit status is COMMAND's.
"""
import math
import os
import signal
import struct
import subprocess
import sys
import threading
import time

import gi

gi.require_version('UMockdev', '1.0')
from gi.repository import UMockdev  # noqa: E402

G = 9.80665


def parse_fixture(path):
    """[(syspath, devnode or None, {attr: value})] of the fixture's devices."""
    devices, cur = [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('P: '):
                cur = {'path': line[3:], 'node': None, 'attrs': {}, 'text': ''}
                devices.append(cur)
            elif line.startswith('N: ') and cur is not None:
                cur['node'] = '/dev/' + line[3:].split('=')[0]
            elif line.startswith('A: ') and cur is not None:
                k, _, v = line[3:].partition('=')
                cur['attrs'][k] = v.replace('\\n', '\n').strip()
            if cur is not None:  # the device's own text, to plug it in again
                cur['text'] += line + '\n'
    return devices


def parse_type(s):
    """'le:s12/16>>4' or 'be:u24/32X2>>0' -> dict (the kernel ABI syntax)."""
    endian, rest = s.split(':')
    sign, rest = rest[0], rest[1:]
    bits, rest = rest.split('/')
    storage, shift = rest.split('>>')
    repeat = 1
    if 'X' in storage:
        storage, repeat = storage.split('X')
    return {'be': endian == 'be', 'signed': sign == 's', 'bits': int(bits),
            'storage': int(storage), 'shift': int(shift), 'repeat': int(repeat)}


def encode(t, value):
    """One value as the element's bytes; the bits around the field are set
    to a pattern, as real devices leave status bits there."""
    mask = (1 << t['bits']) - 1
    lo, hi = (-(1 << (t['bits'] - 1)), (1 << (t['bits'] - 1)) - 1) if t['signed'] \
        else (0, mask)
    v = max(lo + 1, min(hi - 1, int(round(value))))  # never saturated
    word_mask = (1 << t['storage']) - 1
    noise = 0xA5A5A5A5A5A5A5A5 & word_mask & ~(mask << t['shift'])
    word = noise | ((v & mask) << t['shift'])
    b = word.to_bytes(t['storage'] // 8, 'big' if t['be'] else 'little')
    return b * t['repeat']


def layout(elements):
    """Kernel scan layout: by index, timestamp last, each element aligned to
    its size, the scan padded to the largest. -> (offsets by name, size)."""
    order = sorted(elements, key=lambda e: (e['name'] == 'timestamp', e['index']))
    off, largest, offsets = 0, 1, {}
    for e in order:
        size = e['type']['storage'] // 8 * e['type']['repeat']
        off = (off + size - 1) // size * size
        offsets[e['name']] = off
        off += size
        largest = max(largest, size)
    return offsets, (off + largest - 1) // largest * largest


class Control:
    def __init__(self, path):
        self.path, self.values = path, {}

    def read(self):
        try:
            with open(self.path) as f:
                self.values = dict(line.strip().split('=', 1) for line in f if '=' in line)
        except OSError:
            pass
        return self.values

    def get(self, key, default):
        return self.values.get(key, default)


class Device:
    def __init__(self, tb, root, dev, control):
        self.tb, self.dev, self.control = tb, dev, control
        self.root = root
        self.dir = root + '/sys' + dev['path']
        self.attrs = dev['attrs']
        mm = self.attrs.get('in_accel_mount_matrix') or self.attrs.get('mount_matrix')
        self.mount = [[float(x) for x in row.split(',')] for row in mm.split(';')] if mm \
            else [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        self.buffered = 'scan_elements/in_accel_x_type' in self.attrs
        self.fd = tb.get_dev_fd(dev['node']) if self.buffered else None
        if self.fd is not None:
            os.set_blocking(self.fd, False)
        self.gone = False

    def sysfs(self, name, default=None):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read().strip().strip('\0').strip()
        except OSError:
            return default

    def axis_attr(self, axis, name, default):
        v = self.attrs.get('in_accel_%s_%s' % (axis, name), self.attrs.get('in_accel_' + name))
        return float(v) if v is not None else default

    def raw(self):
        """Raw x, y, z for the posture in the control file."""
        # A worn sensor is never still: breathing tilts the chest (0.5° at 0.25 Hz).
        breath = 0.5 * math.sin(2 * math.pi * 0.25 * time.monotonic())
        th = math.radians(float(self.control.get('flexion', 0)) + breath)
        ph = math.radians(float(self.control.get('lateral', 0)))
        body = (-G * math.sin(ph) * math.cos(th), G * math.cos(ph) * math.cos(th),
                -G * math.sin(th))
        # body = M · sensor, M orthonormal: sensor = Mᵀ · body.
        sensor = [sum(self.mount[i][j] * body[i] for i in range(3)) for j in range(3)]
        return [sensor[j] / self.axis_attr(a, 'scale', 1.0) - self.axis_attr(a, 'offset', 0.0)
                for j, a in enumerate('xyz')]

    def timestamp(self):
        clock = self.sysfs('current_timestamp_clock', 'realtime')
        return time.clock_gettime_ns(time.CLOCK_MONOTONIC) if clock == 'monotonic' \
            else time.time_ns()

    def remove(self):
        self.gone = True
        self.tb.remove_device('/sys' + self.dev['path'])
        if self.fd is not None:
            os.close(self.fd)  # the reader's end hangs up
            self.fd = None

    def replug(self):
        """Plug the device in again. Like the kernel, give it a new number:
        umockdev cannot bring back a node name it has removed."""
        old = os.path.basename(self.dev['node'])
        new = 'iio:device%d' % (int(old[len('iio:device'):]) + 10)
        self.dev = dict(self.dev, path=self.dev['path'].replace(old, new),
                        node=self.dev['node'].replace(old, new),
                        text=self.dev['text'].replace(old, new))
        self.dir = self.root + '/sys' + self.dev['path']
        # A new minor number too, and no stale pty map entry of the old node.
        major, minor = self.attrs.get('dev', '250:0').split(':')
        majmin = '%s:%d' % (major, int(minor) + 10)
        self.dev['text'] = self.dev['text'].replace('A: dev=%s:%s' % (major, minor),
                                                    'A: dev=' + majmin)
        ptymap = self.root + '/dev/.ptymap'
        for entry in os.listdir(ptymap) if os.path.isdir(ptymap) else []:
            if os.readlink(os.path.join(ptymap, entry)) == self.attrs.get('dev'):
                os.unlink(os.path.join(ptymap, entry))
        self.attrs = dict(self.attrs, dev=majmin)
        self.tb.add_from_string(self.dev['text'])
        if self.buffered:
            self.fd = self.tb.get_dev_fd(self.dev['node'])
            os.set_blocking(self.fd, False)
        self.gone = False

    def enabled_elements(self):
        els = []
        for name in ('accel_x', 'accel_y', 'accel_z', 'timestamp'):
            if self.sysfs('scan_elements/in_%s_en' % name) == '1':
                els.append({'name': name,
                            'index': int(self.sysfs('scan_elements/in_%s_index' % name)),
                            'type': parse_type(self.sysfs('scan_elements/in_%s_type' % name))})
        return els

    def run(self):
        period, next_t, els = 0.01, time.monotonic(), None
        while True:
            state = self.control.read().get('state', 'run')
            if state == 'gone':
                if not self.gone:
                    self.remove()
                time.sleep(0.05)
                continue
            if self.gone:  # plugged in again
                self.replug()
                els = None
            if not self.buffered:
                if state == 'run':
                    for v, a in zip(self.raw(), 'xyz'):
                        # Replaced at once: a reader never sees an empty file.
                        path = os.path.join(self.dir, 'in_accel_%s_raw' % a)
                        with open(path + '.new', 'w') as f:
                            f.write('%d\n' % round(v))
                        os.replace(path + '.new', path)
                time.sleep(0.01)
                continue
            if self.sysfs('buffer/enable') != '1':
                els = None
                time.sleep(0.02)
                continue
            if els is None:  # just enabled: what to send, how fast
                els = self.enabled_elements()
                offsets, size = layout(els)
                period = 1.0 / float(self.sysfs('sampling_frequency', '100'))
                next_t = time.monotonic()
            now = time.monotonic()
            if state != 'run':  # a sensor that stops sending
                next_t = now + period
                time.sleep(0.02)
                continue
            while next_t <= now:
                raw = self.raw()
                scan = bytearray(size)
                for e in els:
                    v = self.timestamp() if e['name'] == 'timestamp' \
                        else raw['xyz'.index(e['name'][-1])]
                    b = encode(e['type'], v)
                    scan[offsets[e['name']]:offsets[e['name']] + len(b)] = b
                try:
                    os.write(self.fd, bytes(scan))
                except BlockingIOError:
                    pass  # nobody reads: the "kernel buffer" overflows
                next_t += period
            time.sleep(max(0.0, min(0.02, next_t - time.monotonic())))


def main():
    if len(sys.argv) < 5 or sys.argv[3] != '--':
        sys.exit(__doc__)
    fixture, control_path, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]

    tb = UMockdev.Testbed.new()
    with open(fixture) as f:
        tb.add_from_string(f.read())
    root = tb.get_root_dir()
    with open(control_path + '.root', 'w') as f:
        f.write(root + '\n')
    control = Control(control_path)
    control.read()
    for dev in parse_fixture(fixture):
        if 'in_accel_x_raw' in dev['attrs']:
            threading.Thread(target=Device(tb, root, dev, control).run, daemon=True).start()

    env = dict(os.environ, UMOCKDEV_DIR=root)
    env['LD_PRELOAD'] = ':'.join(p for p in ('libumockdev-preload.so.0',
                                             os.environ.get('LD_PRELOAD')) if p)
    # An ASan build need not come first in the preload list. Its reports go
    # to stderr (the daemon's log): opening a log_path file at start under
    # this preload crashes the sanitizer.
    env['ASAN_OPTIONS'] = ':'.join(p for p in (os.environ.get('ASAN_OPTIONS'),
                                               'verify_asan_link_order=0:log_path=stderr') if p)
    env['UBSAN_OPTIONS'] = ':'.join(p for p in (os.environ.get('UBSAN_OPTIONS'),
                                                'log_path=stderr') if p)
    child = subprocess.Popen(cmd, env=env)

    deadline = []

    def forward(signum, frame):
        child.send_signal(signum)
        deadline.append(time.monotonic() + 3)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while child.poll() is None:
        if deadline and time.monotonic() > deadline[0]:
            child.kill()
        time.sleep(0.05)
    sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)


if __name__ == '__main__':
    main()
