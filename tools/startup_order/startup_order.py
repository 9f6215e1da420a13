"""Writes the start-up section order for latchkeyd from a profile run.

Inputs: callgrind dumps taken when the server logged "latchkeyd started"
(one per database backend), the binary that ran (for symbol addresses, `nm`)
and gold's link map of that binary (for the input section holding each
address). Output, on stdout: the input sections holding code the start-ups
executed, one per line, in the order first seen, in the form gold's
--section-ordering-file reads. On stderr: counts, and how many of these
sections the previous order file missed (how stale it had become).

Why by section and not by symbol name: GCC places a function by what it
knows of it (".text.startup.main", ".text.startup.<f>" for code only main
reaches, ".text.<f>" otherwise, one section for a constructor's C1 and C2
names), and only the link map says which section a symbol ended up in.
"""

import argparse
import bisect
import os
import re
import subprocess
import sys

CALLGRIND_NAME = re.compile(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$")
MAP_SECTION = re.compile(r"^ (\.text\S*)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S.*)?$")
MAP_EXTENT = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S")


def executed_functions(callgrind_path, binary_name):
    """Names (mangled) of the functions of `binary_name` that ran."""
    objects, functions = {}, {}
    current_object = None
    executed = []
    seen = set()
    with open(callgrind_path, encoding="utf-8", errors="replace") as dump:
        for line in dump:
            match = CALLGRIND_NAME.match(line.rstrip("\n"))
            if not match:
                continue
            kind, number, name = match.groups()
            table = objects if kind.endswith("ob") else functions
            if name:
                table[number] = name
            if kind == "ob":
                current_object = objects[number]
            elif kind == "fn" and current_object and current_object.endswith("/" + binary_name):
                function = functions[number]
                if function not in seen:
                    seen.add(function)
                    executed.append(function)
    return executed


def symbol_addresses(binary):
    """Mangled name -> addresses (a local name can be defined more than once)."""
    listing = subprocess.run(["nm", "--defined-only", binary], check=True,
                             capture_output=True, text=True).stdout
    addresses = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwWiI":
            addresses.setdefault(parts[2], []).append(int(parts[0], 16))
    return addresses


def text_sections(map_path):
    """(start, size, name) of every .text* input section in gold's map, sorted."""
    sections = []
    pending = None
    with open(map_path, encoding="utf-8", errors="replace") as link_map:
        for line in link_map:
            line = line.rstrip("\n")
            if pending:
                extent = MAP_EXTENT.match(line)
                if extent and int(extent.group(2), 16):
                    sections.append((int(extent.group(1), 16), int(extent.group(2), 16), pending))
                pending = None
                continue
            match = MAP_SECTION.match(line)
            if not match:
                continue
            if match.group(2) is None:
                pending = match.group(1)
            elif int(match.group(3), 16):
                sections.append((int(match.group(2), 16), int(match.group(3), 16), match.group(1)))
    sections.sort()
    return sections


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--map", required=True)
    parser.add_argument("--previous", help="the order file in use, for the staleness count")
    parser.add_argument("callgrind", nargs="+", help="start-up dumps, most important first")
    args = parser.parse_args()

    binary_name = args.binary.rsplit("/", 1)[-1]
    addresses = symbol_addresses(args.binary)
    sections = text_sections(args.map)
    starts = [start for start, _, _ in sections]

    def section_of(address):
        index = bisect.bisect_right(starts, address) - 1
        if index >= 0:
            start, size, name = sections[index]
            if start <= address < start + size:
                return name
        return None

    # Each dump's sections sorted by name (a stable file, small diffs when
    # it is refreshed), after those of the dumps before it: the default
    # backend's start-up code comes first and stays together.
    ordered, seen, unplaced, function_count = [], set(), 0, 0
    for dump in args.callgrind:
        names = set()
        functions = executed_functions(dump, binary_name)
        function_count = max(function_count, len(functions))
        for function in functions:
            for address in addresses.get(function, []):
                name = section_of(address)
                # Sections named only ".text" hold whole files (assembly,
                # code built without -ffunction-sections): they cannot be
                # moved one function at a time.
                if name == ".text":
                    unplaced += 1
                elif name and name not in seen:
                    names.add(name)
        seen |= names
        ordered += sorted(names)
    if not ordered:
        sys.exit("no start-up code found: was the binary built with -c opt "
                 "(-ffunction-sections) and the map from the same link?")
    print(f"{function_count} functions ran in the longest start-up; {len(ordered)} sections "
          f"to place first; {unplaced} in whole-file .text sections", file=sys.stderr)
    if args.previous and os.path.exists(args.previous):
        with open(args.previous, encoding="utf-8") as previous_file:
            previous = set(previous_file.read().split())
        missing = sum(1 for name in ordered if name not in previous)
        print(f"the previous order missed {missing} of them", file=sys.stderr)
    print("\n".join(ordered))


if __name__ == "__main__":
    main()
