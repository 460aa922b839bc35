#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check the output of `posturectl monitor --format=FORMAT` line by line
against what the bar reads: Waybar's custom module with "return-type":
"json", the i3bar protocol (a header, then an endless JSON array of arrays of
blocks), and i3blocks' persistent JSON blocks.

Usage: check-bar.py FORMAT FILE [--min-lines N]
Prints one line per problem (FILE:LINE: what) and exits 1 if there is any;
on success prints the number of state lines.
"""
import json
import sys

# The keys each reader knows (Waybar: src/modules/custom.cpp parseOutputJson;
# i3bar: i3bar-protocol(7) "Blocks in detail").
WAYBAR_KEYS = {"text", "alt", "tooltip", "class", "percentage"}
BLOCK_KEYS = {"full_text", "short_text", "color", "background", "border",
              "min_width", "align", "name", "instance", "urgent", "separator",
              "separator_block_width", "markup"}


def check_block(block, where, problems):
    if not isinstance(block, dict):
        problems.append(f"{where}: a block is not an object")
        return
    if not isinstance(block.get("full_text"), str):
        problems.append(f"{where}: full_text missing or not a string")
    for k in block:
        if k not in BLOCK_KEYS:
            problems.append(f"{where}: unknown block key {k!r}")
    if "color" in block and not (isinstance(block["color"], str)
                                 and len(block["color"]) == 7
                                 and block["color"].startswith("#")):
        problems.append(f"{where}: color is not #RRGGBB")
    if "urgent" in block and not isinstance(block["urgent"], bool):
        problems.append(f"{where}: urgent is not a boolean")


def check_waybar(lines, name, problems):
    n = 0
    for i, line in enumerate(lines, 1):
        where = f"{name}:{i}"
        try:
            obj = json.loads(line)
        except ValueError as e:
            problems.append(f"{where}: not JSON: {e}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{where}: not an object")
            continue
        n += 1
        if not isinstance(obj.get("text"), str):
            problems.append(f"{where}: text missing or not a string")
        for k in obj:
            if k not in WAYBAR_KEYS:
                problems.append(f"{where}: key {k!r} is not read by Waybar")
        for k in ("alt", "tooltip"):
            if k in obj and not isinstance(obj[k], str):
                problems.append(f"{where}: {k} is not a string")
        cls = obj.get("class")
        if cls is not None and not (isinstance(cls, str) or (
                isinstance(cls, list) and all(isinstance(c, str) for c in cls))):
            problems.append(f"{where}: class is neither a string nor an array of strings")
        pct = obj.get("percentage")
        if pct is not None and not (isinstance(pct, int) and 0 <= pct <= 100):
            problems.append(f"{where}: percentage is not an integer 0..100")
    return n


def check_i3bar(lines, name, problems):
    if len(lines) < 2:
        problems.append(f"{name}: no header and array start")
        return 0
    try:
        header = json.loads(lines[0])
    except ValueError as e:
        problems.append(f"{name}:1: header is not JSON: {e}")
        return 0
    if not isinstance(header, dict) or header.get("version") != 1:
        problems.append(f"{name}:1: header has no \"version\": 1")
    if lines[1].strip() != "[":
        problems.append(f"{name}:2: the endless array does not start with '['")
    n = 0
    for i, line in enumerate(lines[2:], 3):
        where = f"{name}:{i}"
        text = line.strip()
        # Every element but the first is preceded by a comma.
        if n > 0:
            if not text.startswith(","):
                problems.append(f"{where}: element not preceded by a comma")
            text = text[1:]
        elif text.startswith(","):
            problems.append(f"{where}: comma before the first element")
            text = text[1:]
        try:
            blocks = json.loads(text)
        except ValueError as e:
            problems.append(f"{where}: not a JSON array: {e}")
            continue
        if not isinstance(blocks, list) or not blocks:
            problems.append(f"{where}: not a non-empty array of blocks")
            continue
        n += 1
        for b in blocks:
            check_block(b, where, problems)
    # As the bar does: the stream so far, closed, is one JSON value.
    try:
        json.loads("[" + "".join(l.strip() for l in lines[2:]) + "]")
    except ValueError as e:
        problems.append(f"{name}: the elements do not form a JSON array: {e}")
    return n


def check_i3blocks(lines, name, problems):
    n = 0
    for i, line in enumerate(lines, 1):
        try:
            block = json.loads(line)
        except ValueError as e:
            problems.append(f"{name}:{i}: not JSON: {e}")
            continue
        n += 1
        check_block(block, f"{name}:{i}", problems)
    return n


def main():
    args = sys.argv[1:]
    min_lines = 1
    if "--min-lines" in args:
        k = args.index("--min-lines")
        min_lines = int(args[k + 1])
        del args[k:k + 2]
    fmt, path = args
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    problems = []
    n = {"waybar": check_waybar, "i3bar": check_i3bar,
         "i3blocks": check_i3blocks}[fmt](lines, path, problems)
    if n < min_lines:
        problems.append(f"{path}: {n} state lines, expected at least {min_lines}")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
