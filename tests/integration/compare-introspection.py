#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare the documented interface XML with what the daemon serves.

Usage: compare-introspection.py DOCUMENTED.xml LIVE.xml
Every interface of DOCUMENTED must appear in LIVE with the same methods,
signals and properties (names, argument names, types, directions, access
and annotations). Prints the differences; exit status 1 if any.
"""
import sys
import xml.etree.ElementTree as ET


def describe(path):
    root = ET.parse(path).getroot()
    ifaces = {}
    for iface in root.iter('interface'):
        members = {}
        for m in iface:
            if m.tag not in ('method', 'signal', 'property'):
                continue
            args = tuple((a.get('name'), a.get('type'), a.get('direction', 'in' if m.tag == 'method' else 'out'))
                         for a in m.findall('arg'))
            ann = tuple(sorted((a.get('name'), a.get('value')) for a in m.findall('annotation')))
            members[(m.tag, m.get('name'))] = (args, m.get('type'), m.get('access'), ann)
        ifaces[iface.get('name')] = members
    return ifaces


doc, live = describe(sys.argv[1]), describe(sys.argv[2])
diff = []
for name, members in doc.items():
    if name not in live:
        diff.append(f'interface {name} is documented but not served')
        continue
    for key in sorted(set(members) | set(live[name])):
        if key not in live[name]:
            diff.append(f'{name}: {key[0]} {key[1]} is documented but not served')
        elif key not in members:
            diff.append(f'{name}: {key[0]} {key[1]} is served but not documented')
        elif members[key] != live[name][key]:
            diff.append(f'{name}: {key[0]} {key[1]} differs: documented {members[key]}, served {live[name][key]}')
for d in diff:
    print(d, file=sys.stderr)
sys.exit(1 if diff else 0)
