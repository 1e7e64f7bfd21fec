#!/usr/bin/env python3
"""Checks that every text symbol has the same address in the first and the
second kernel link, so the embedded symbol table describes the real image."""
import subprocess
import sys


def text_symbols(elf):
    out = subprocess.run(["nm", "--defined-only", elf], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "Tt":
            syms[parts[2]] = parts[0]
    return syms


def main():
    first, second = text_symbols(sys.argv[1]), text_symbols(sys.argv[2])
    moved = [n for n in first if second.get(n) != first[n]]
    if moved:
        sys.exit(f"checksyms: {len(moved)} symbols moved between links, e.g. {moved[:5]}")


if __name__ == "__main__":
    main()
