"""Helpers for talking to the Tern shell in system tests: the key sequences
a terminal sends, and tolerant parsers for command output whose exact
wording belongs to the kernel (sizes in any unit, `N passed, N failed`
summaries, memory-map lines)."""

import re

# What a VT100/xterm terminal sends for these keys.
LEFT = b"\x1b[D"
RIGHT = b"\x1b[C"
UP = b"\x1b[A"
DOWN = b"\x1b[B"
HOME = b"\x1b[H"
END = b"\x1b[F"
DEL = b"\x7f"  # Backspace on most terminals
BS = b"\x08"  # Backspace on some (Ctrl-H)
CTRL_C = b"\x03"
CTRL_U = b"\x15"

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

_UNITS = {
    "b": 1, "byte": 1, "bytes": 1,
    "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
    "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
    "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
    "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
}
_SIZE = re.compile(r"(?<![\w.])(0x[0-9a-fA-F]+|\d+(?:\.\d+)?)\s*"
                   r"(bytes|byte|[KMGT]i?B|[KMGT]|B)(?!\w)", re.IGNORECASE)
# A physical address on a memory-map line: 0x-prefixed, or the bare
# 12-16 hex digits of a zero-padded 64-bit address.
_ADDRESS = re.compile(r"\b(?:0x([0-9a-fA-F]+)|([0-9a-fA-F]{12,16}))\b")


def plain(text):
    """Text without ANSI escape sequences and carriage returns."""
    return ANSI_ESCAPE.sub("", text).replace("\r", "")


def sizes_in(line):
    """Every size with a unit on a line, as (bytes, unit_bytes): the unit
    tells how precise the figure is."""
    found = []
    for number, unit in _SIZE.findall(line):
        scale = _UNITS[unit.lower()]
        value = int(number, 16) if number.lower().startswith("0x") \
            else float(number)
        found.append((int(value * scale), scale))
    return found


def _is_map_line(line):
    return bool(_ADDRESS.search(line))


def usable_total(meminfo_output):
    """Usable RAM in bytes from `meminfo`: the most precise size on the
    first line that is not a memory-map range and speaks of both "usable"
    and "total" (or, failing that, of "usable" alone, such as
    "Usable RAM 130555 KiB")."""
    lines = [l for l in plain(meminfo_output).split("\n")
             if not _is_map_line(l)]
    for wanted in (("usable", "total"), ("usable",)):
        for line in lines:
            low = line.lower()
            if all(word in low for word in wanted):
                sizes = sizes_in(line)
                if sizes:
                    return min(sizes, key=lambda s: s[1])[0]
    raise AssertionError("no usable-RAM total in meminfo output:\n"
                         + meminfo_output)


def usable_ranges(meminfo_output):
    """(start, end_inclusive) of every usable memory-map line written as
    "start-end ... usable"."""
    ranges = []
    for line in plain(meminfo_output).split("\n"):
        m = re.search(r"(?:0x)?([0-9a-fA-F]{5,16})\s*-\s*(?:0x)?"
                      r"([0-9a-fA-F]{5,16})\b(.*)", line)
        if m and re.search(r"(?i)\b(usable|available)\b", m.group(3)):
            ranges.append((int(m.group(1), 16), int(m.group(2), 16)))
    return ranges


def summary(text):
    """(passed, failed) from the last `N passed, N failed` line."""
    found = re.findall(r"(\d+) passed, (\d+) failed", plain(text))
    if not found:
        raise AssertionError("no 'N passed, N failed' summary in:\n" + text)
    passed, failed = found[-1]
    return int(passed), int(failed)


def numbers(text):
    """All integers in text, in order, as a tuple (compares figures like
    `1.250 s` or `0:00:01` lexicographically)."""
    return tuple(int(n) for n in re.findall(r"\d+", plain(text)))
