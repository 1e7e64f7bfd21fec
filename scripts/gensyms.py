#!/usr/bin/env python3
"""Reads `nm -n` output of the first kernel link on stdin and writes an
assembly file with the sorted text-symbol table used by kernel/symbols.c.
Empty input gives an empty table (for the first link)."""
import sys


def main():
    syms = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in "Tt":
            continue
        addr, name = int(parts[0], 16), parts[2]
        if name.startswith(".") or addr < 0xFFFFFFFF80000000:
            continue
        syms.append((addr, name))
    syms.sort()
    out = ['\t.section .ksyms, "a"', "\t.balign 8",
           "\t.global ksym_table, ksym_count, ksym_names",
           f"ksym_count:\n\t.quad {len(syms)}", "ksym_table:"]
    offset = 0
    for addr, name in syms:
        out.append(f"\t.quad {addr:#x}\n\t.long {offset}, 0")
        offset += len(name) + 1
    out.append("ksym_names:")
    for _, name in syms:
        out.append(f'\t.asciz "{name}"')
    out.append("\t.byte 0")
    print("\n".join(out))


if __name__ == "__main__":
    main()
