#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An emulated input-subsystem accelerometer for tests/integration/test-evdev.sh.

Creates a umockdev testbed holding /dev/input/event4 (evdev-accel.umockdev),
answers the evdev ioctls libevdev issues (EVIOCGABS with the current
posture, so a resync after SYN_DROPPED reads the truth), and, while a
client has the device open, writes struct input_event frames (ABS_X/Y/Z +
SYN_REPORT) at --rate Hz to the device, time-stamped with the clock the
client chose with EVIOCSCLOCKID (CLOCK_REALTIME until then, as the kernel).

Postures follow DESIGN.md's body frame: flexion θ, lateral bend φ read
(−g sinφ cosθ, g cosφ cosθ, −g sinθ); the sensor reads M⁻¹ of that when a
mount matrix M is given (published as the udev property ACCEL_MOUNT_MATRIX).

Writes the testbed's root directory to --ready FILE once it is set up, then
reads commands, one a line, on stdin (EOF ends it):
  angle F [L]   stream flexion F and lateral bend L degrees from now on
  drop F        posture F is now the truth (EVIOCGABS), but the client
                missed it: write SYN_DROPPED plus a torn, bogus frame, then
                stay silent (a still device reports nothing: the kernel
                drops unchanged values) until `resume`
  saturate S    for S seconds, x sits at the top of its range (a knock)
  pause/resume  stop/start writing frames
  accel         from now on the device is an accelerometer (after --no-accel)
                and udev says so (a "change" uevent)
  unplug        close the device's pseudo-terminal: the client's reads fail
                and poll() reports POLLHUP (umockdev's stand-in for ENODEV);
                the ioctl socket stays, or the client would get SIGPIPE
  status        print the counters on stderr

Like the kernel's evdev, the device never blocks its writer: when the
client's queue is full (a client that does not read for a third of a
second, a sanitizer build on a busy machine), what it has not read is
thrown away and SYN_DROPPED says so (counted as `overflows`). A writer
blocked with the lock held would deadlock a client waiting in an ioctl for
that lock. The queue holds what the kernel's would for this device (128
events, evdev_compute_buffer_size()), well within the pseudo-terminal's
4 KiB line buffer: beyond that buffer a read may end inside an event,
which libevdev refuses (EINVAL) where a kernel device never gives less than
whole events.
"""
import argparse
import errno
import fcntl
import math
import os
import random
import shutil
import signal
import struct
import sys
import termios
import threading
import time

import gi

gi.require_version('UMockdev', '1.0')
from gi.repository import UMockdev  # noqa: E402

G = 9.80665
EV_SYN, EV_ABS = 0x00, 0x03
SYN_REPORT, SYN_DROPPED = 0, 3
IOC_WRITE, IOC_READ = 1, 2
SYSFS = '/sys/devices/virtual/input/input42'
EVENT_SIZE = 24  # struct input_event on 64-bit
# The kernel's queue for a client of this device: input_estimate_events_per_packet()
# (SYN_REPORT, ABS_X/Y/Z, 7 for keys and MSC) times EVDEV_BUF_PACKETS (8), at least
# EVDEV_MIN_BUFFER_SIZE (64), rounded up to a power of two; full with one slot free.
QUEUE_EVENTS = 128
DEV = '/dev/input/event4'
HERE = os.path.dirname(os.path.abspath(__file__))


def log(*args):
    print('evdev-accel:', *args, file=sys.stderr, flush=True)


class Accel:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.matrix = None
        if opts.mount_matrix:
            self.matrix = [[float(v) for v in r.split(',')] for r in opts.mount_matrix.split(';')]
        self.flexion = 0.0
        self.lateral = 0.0
        self.values = self.units_for(0.0, 0.0)
        self.clock = time.CLOCK_REALTIME
        self.clients = 0
        self.streaming = True
        self.saturate_until = 0.0
        self.frames = 0
        self.overflows = 0
        self.rng = random.Random(42)
        # The pseudo-terminal behind the device: the testbed's end (written to)
        # and the client's end (to flush what the client has not read yet).
        self.master = None
        self.slave = None

    def units_for(self, flexion, lateral):
        t, p = math.radians(flexion), math.radians(lateral)
        body = (-G * math.sin(p) * math.cos(t), G * math.cos(p) * math.cos(t), -G * math.sin(t))
        sensor = body
        if self.matrix:
            # body = M·sensor, and M is orthonormal here: sensor = Mᵀ·body.
            m = self.matrix
            sensor = tuple(sum(m[i][j] * body[i] for i in range(3)) for j in range(3))
        return [round(v / G * self.opts.units_per_g) for v in sensor]

    def set_posture(self, flexion, lateral):
        """Expects self.lock held."""
        self.flexion, self.lateral = flexion, lateral
        self.values = self.units_for(flexion, lateral)

    def stamp(self):
        ns = time.clock_gettime_ns(self.clock)
        return ns // 1000000000, (ns // 1000) % 1000000

    def event(self, sec, usec, type_, code, value):
        return struct.pack('<qqHHi', sec, usec, type_, code, value)

    # The methods below expect self.lock held.
    def frame(self):
        # A worn sensor is never still: breathing tilts the chest (0.5° at
        # 0.25 Hz), above the sensor's own noise of a unit either way.
        breath = 0.5 * math.sin(2 * math.pi * 0.25 * time.monotonic())
        vals = [v + self.rng.randint(-1, 1) for v in self.units_for(self.flexion + breath, self.lateral)]
        if time.monotonic() < self.saturate_until:
            vals[0] = self.opts.range - 1
        sec, usec = self.stamp()
        data = b''.join(self.event(sec, usec, EV_ABS, i, vals[i]) for i in range(3))
        return data + self.event(sec, usec, EV_SYN, SYN_REPORT, 0)

    def dropped(self, torn=True):
        """SYN_DROPPED, then the tail of a frame whose head the kernel threw away."""
        sec, usec = self.stamp()
        lo, hi = -self.opts.range, self.opts.range - 1
        data = self.event(sec, usec, EV_SYN, SYN_DROPPED, 0)
        if torn:
            data += self.event(sec, usec, EV_ABS, 0, hi) + self.event(sec, usec, EV_ABS, 2, lo)
        return data

    def pending(self):
        """Bytes queued for the client that it has not read yet."""
        return struct.unpack('i', fcntl.ioctl(self.slave, termios.FIONREAD, b'\0' * 4))[0]

    def push(self, data):
        """Queue @data for the client without blocking (the master is
        non-blocking); on a full queue, as the kernel's evdev_pass_values():
        drop what the client has not read and queue SYN_DROPPED before @data."""
        if self.pending() + len(data) <= (QUEUE_EVENTS - 1) * EVENT_SIZE:
            try:
                if os.write(self.master, data) == len(data):
                    return
            except BlockingIOError:
                pass
        termios.tcflush(self.slave, termios.TCIFLUSH)
        os.write(self.master, self.dropped(torn=False) + data)
        self.overflows += 1
        log('client queue full: unread events dropped, SYN_DROPPED queued (%d)' % self.overflows)

    def set_clock(self, clock):
        """As the kernel's evdev_set_clk_type(): events queued with the old clock
        are flushed, and a SYN_DROPPED says so."""
        if clock == self.clock:
            return
        self.clock = clock
        if self.pending() > 0:
            termios.tcflush(self.slave, termios.TCIFLUSH)
            self.push(self.dropped(torn=False))

    # --- What the ioctls read.
    def absinfo(self, code):
        with self.lock:
            value = self.values[code]
        return struct.pack('<6i', value, -self.opts.range, self.opts.range - 1, 0, 0,
                           self.opts.resolution)

    def bits(self, typ):
        if typ == 0:
            return (1 << EV_SYN | 1 << EV_ABS).to_bytes(1, 'little')
        if typ == EV_ABS:
            return (0x7).to_bytes(1, 'little')
        return b''


class Handler(UMockdev.IoctlBase):
    def __init__(self, accel):
        super().__init__()
        self.accel = accel

    def do_client_connected(self, client):
        with self.accel.lock:
            self.accel.clients += 1

    def do_client_vanished(self, client):
        with self.accel.lock:
            self.accel.clients -= 1

    def reply(self, client, size, payload):
        """Copy @payload (cut or zero-padded to @size) to the caller's buffer."""
        payload = payload[:size].ljust(size, b'\0')
        if size > 0:
            data = client.get_arg().resolve(0, size)
            data.update(0, payload)
        client.complete(size, 0)

    def do_handle_ioctl(self, client):
        a = self.accel
        req = client.get_request()
        direction, size = req >> 30, (req >> 16) & 0x3fff
        typ, nr = (req >> 8) & 0xff, req & 0xff
        if typ != ord('E'):
            client.complete(-1, errno.ENOTTY)
            return True
        if nr == 0x01:                                  # EVIOCGVERSION
            self.reply(client, 4, struct.pack('<i', 0x010001))
        elif nr == 0x02:                                # EVIOCGID: BUS_VIRTUAL
            self.reply(client, 8, struct.pack('<4H', 0x06, 0, 0, 0))
        elif nr == 0x06:                                # EVIOCGNAME(len)
            self.reply(client, size, a.opts.name.encode() + b'\0')
        elif nr in (0x07, 0x08):                        # EVIOCGPHYS, EVIOCGUNIQ: none
            client.complete(-1, errno.ENOENT)
        elif nr == 0x09:                                # EVIOCGPROP(len)
            prop = 0 if a.opts.no_accel else 1 << 6     # INPUT_PROP_ACCELEROMETER
            self.reply(client, size, prop.to_bytes(8, 'little'))
        elif nr in (0x18, 0x19, 0x1a, 0x1b):            # EVIOCGKEY/LED/SND/SW: all off
            self.reply(client, size, b'')
        elif 0x20 <= nr < 0x40 and direction == IOC_READ:  # EVIOCGBIT(type, len)
            self.reply(client, size, a.bits(nr - 0x20))
        elif 0x40 <= nr < 0x43 and direction == IOC_READ:  # EVIOCGABS(X..Z)
            self.reply(client, 24, a.absinfo(nr - 0x40))
        elif nr == 0xa0 and direction == IOC_WRITE:     # EVIOCSCLOCKID
            if a.opts.refuse_clockid:
                client.complete(-1, errno.EINVAL)
            else:
                data = client.get_arg().resolve(0, 4)
                clock = struct.unpack('<i', bytes(data.retrieve()))[0]
                with a.lock:
                    a.set_clock(clock)
                log('client chose clock', clock)
                client.complete(0, 0)
        else:
            log('unhandled ioctl 0x%x' % req)
            client.complete(-1, errno.EINVAL)
        return True


def writer(accel):
    period = 1.0 / accel.opts.rate
    due = time.monotonic()
    while True:
        due += period
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            due = time.monotonic()
        with accel.lock:
            if accel.master is not None and accel.clients > 0 and accel.streaming:
                accel.push(accel.frame())
                accel.frames += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ready', required=True, help='write the testbed root here')
    ap.add_argument('--rate', type=float, default=100)
    ap.add_argument('--resolution', type=int, default=256,
                    help='absinfo resolution the driver reports (units/g, 0 = none)')
    ap.add_argument('--units-per-g', type=int, default=None,
                    help='what the device really sends per g (default: --resolution)')
    ap.add_argument('--range', type=int, default=2048, help='axes span -RANGE..RANGE-1')
    ap.add_argument('--name', default='Fake evdev accelerometer')
    ap.add_argument('--mount-matrix', default=None, help='udev ACCEL_MOUNT_MATRIX')
    ap.add_argument('--refuse-clockid', action='store_true',
                    help='fail EVIOCSCLOCKID with EINVAL (old kernels)')
    ap.add_argument('--no-accel', action='store_true',
                    help='no INPUT_PROP_ACCELEROMETER: not an accelerometer')
    opts = ap.parse_args()
    if opts.units_per_g is None:
        opts.units_per_g = opts.resolution

    tb = UMockdev.Testbed.new()
    with open(os.path.join(HERE, 'evdev-accel.umockdev')) as f:
        tb.add_from_string(f.read())
    tb.set_attribute(SYSFS, 'name', opts.name)
    if opts.no_accel:
        tb.set_attribute(SYSFS, 'properties', '0')
    if opts.mount_matrix:
        tb.set_property(SYSFS + '/event4', 'ACCEL_MOUNT_MATRIX', opts.mount_matrix)

    accel = Accel(opts)
    handler = Handler(accel)
    tb.attach_ioctl(DEV, handler)
    fd = tb.get_dev_fd(DEV)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    accel.master = fd
    accel.slave = os.open(os.readlink(tb.get_root_dir() + DEV), os.O_RDWR | os.O_NOCTTY)
    threading.Thread(target=writer, args=(accel,), daemon=True).start()

    def leave(*_):
        # A normal exit would wait for the testbed's clients.
        shutil.rmtree(tb.get_root_dir(), ignore_errors=True)
        sys.stderr.flush()
        os._exit(0)
    signal.signal(signal.SIGTERM, leave)

    tmp = opts.ready + '.tmp'
    with open(tmp, 'w') as f:
        f.write(tb.get_root_dir() + '\n')
    os.rename(tmp, opts.ready)

    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd, args = words[0], [float(w) for w in words[1:]]
        if cmd == 'angle':
            with accel.lock:
                accel.set_posture(args[0], args[1] if len(args) > 1 else 0.0)
        elif cmd == 'drop':
            # In one go, so that no frame carries the new posture.
            with accel.lock:
                accel.streaming = False
                accel.set_posture(args[0], 0.0)
                accel.push(accel.dropped())
        elif cmd == 'accel':
            opts.no_accel = False
            tb.set_attribute(SYSFS, 'properties', '40')
            tb.uevent(SYSFS + '/event4', 'change')
        elif cmd == 'unplug':
            with accel.lock:
                accel.streaming = False
                os.close(fd)
                accel.master = fd = None
        elif cmd == 'saturate':
            with accel.lock:
                accel.saturate_until = time.monotonic() + args[0]
        elif cmd == 'pause':
            with accel.lock:
                accel.streaming = False
        elif cmd == 'resume':
            with accel.lock:
                accel.streaming = True
        elif cmd == 'status':
            log('clients', accel.clients, 'frames', accel.frames, 'clock', accel.clock,
                'overflows', accel.overflows)
        else:
            log('unknown command', cmd)
    log('stdin closed; %d frames written' % accel.frames)
    leave()


if __name__ == '__main__':
    main()
