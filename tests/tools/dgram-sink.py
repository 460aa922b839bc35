#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Receive the datagrams a daemon sends to a socket the test provides.

  dgram-sink.py notify SOCKET OUT    sd_notify(3): each assignment of each
                                     datagram (READY=1, STATUS=...) as a line
  dgram-sink.py journal SOCKET OUT   the journal's native protocol (what
                                     sd_journal_send(3) sends to
                                     /run/systemd/journal/socket): each entry
                                     as a JSON object, one a line

The socket is bound before --ready FILE is written; it runs until killed.
Native protocol: "KEY=VALUE\\n", or for a value that holds a newline
"KEY\\n", a 64-bit little-endian length, the value, "\\n"; an entry too big
for a datagram comes as a sealed memfd passed with SCM_RIGHTS.
"""
import argparse
import array
import json
import os
import socket
import struct
import sys


def parse_native(data):
    entry = {}
    i = 0
    while i < len(data):
        nl = data.find(b'\n', i)
        if nl < 0:
            nl = len(data)
        line = data[i:nl]
        if b'=' in line:
            key, value = line.split(b'=', 1)
            i = nl + 1
        else:
            key = line
            (size,) = struct.unpack_from('<Q', data, nl + 1)
            start = nl + 1 + 8
            value = data[start:start + size]
            i = start + size + 1
        entry.setdefault(key.decode(), value.decode(errors='replace'))
    return entry


def receive(sock):
    fds = array.array('i')
    data, anc, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(fds.itemsize * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    for fd in fds:
        with os.fdopen(fd, 'rb') as f:
            data = f.read()
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ready', help='write this file once the socket is bound')
    ap.add_argument('mode', choices=('notify', 'journal'))
    ap.add_argument('socket')
    ap.add_argument('out')
    opts = ap.parse_args()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(opts.socket):
        os.unlink(opts.socket)
    sock.bind(opts.socket)
    os.chmod(opts.socket, 0o777)
    if opts.ready:
        with open(opts.ready + '.tmp', 'w') as f:
            f.write('ready\n')
        os.rename(opts.ready + '.tmp', opts.ready)
    with open(opts.out, 'a') as out:
        while True:
            data = receive(sock)
            if opts.mode == 'notify':
                for line in data.decode(errors='replace').split('\n'):
                    if line:
                        out.write(line + '\n')
            else:
                out.write(json.dumps(parse_native(data)) + '\n')
            out.flush()


if __name__ == '__main__':
    sys.exit(main())
