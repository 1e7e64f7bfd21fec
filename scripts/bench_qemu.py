#!/usr/bin/env python3
"""The QEMU half of `make bench` (scripts/bench.sh calls it).

  bench_qemu.py boot-time --iso ISO --floor-iso FLOOR [--boots N]
      Wall time from QEMU start to the first `tern> ` on the serial port:
      N boots of Tern without USB and with the default USB topology, each
      beside N boots of the floor ISO with the same devices (QEMU + SeaBIOS
      + GRUB + a stub that prints a prompt, scripts/boot-floor.S); min and
      median of each, Tern's share above the floor, the < 1 s target.
  bench_qemu.py kernel --iso ISO [--mem 2G] [--usb default]
      Boots Tern once, waits until boot-time work (USB enumeration) has
      finished, finds every shell command whose name ends in "bench" in
      `help`, runs each and prints its output.

Benchmarks print figures; they never fail on speed. The exit status is
non-zero only when a boot or a command does not work at all.
"""

import argparse
import re
import statistics
import sys
import time

import qemu

BOOT_TARGET_S = 1.0
BENCH_COMMAND_TIMEOUT = 600.0


def time_to_prompt(iso, **options):
    """Seconds from QEMU start to the first prompt (QEMU is killed then:
    shutting down is not part of booting)."""
    with qemu.Tern(iso=iso, **options) as vm:
        vm.start()
        vm.wait_prompt()
        return time.monotonic() - vm.started_at


def print_figures(label, samples, extra=""):
    print("  %-38s min %6.3f s  median %6.3f s%s" % (
        label, min(samples), statistics.median(samples), extra), flush=True)
    print("    samples: " + " ".join("%.3f" % s for s in samples))


def boot_time(args):
    """Each USB configuration against its own floor: SeaBIOS spends time
    on USB controllers too, so the difference is Tern's own share. Floor
    and Tern boots alternate so that load from other work on the machine
    hits both alike."""
    print("Boot to the first `tern> ` (wall, from QEMU start, TCG, "
          "%d boots each; target < %.1f s):" % (args.boots, BOOT_TARGET_S))
    for usb in ("none", "default"):
        floor, tern = [], []
        for _ in range(args.boots):
            floor.append(time_to_prompt(args.floor_iso, usb=usb))
            tern.append(time_to_prompt(args.iso, usb=usb))
        median = statistics.median(tern)
        print_figures("floor (QEMU+SeaBIOS+GRUB), USB %s" % usb, floor)
        print_figures("tern -m 128M, USB %s" % usb, tern,
                      "  Tern's share %+.3f s (mins), %+.3f s (medians); "
                      "target %s" % (
                          min(tern) - min(floor),
                          median - statistics.median(floor),
                          "met" if median < BOOT_TARGET_S else "NOT met"))
    return 0


def bench_commands(help_output):
    return re.findall(r"(?m)^\s*([A-Za-z][\w-]*bench)\b",
                      help_output.replace("\r", ""))


def kernel(args):
    with qemu.Tern(iso=args.iso, mem=args.mem, usb=args.usb) as vm:
        vm.start()
        vm.wait_prompt()
        # Let boot-time work (USB enumeration runs from the idle loop)
        # finish before benchmarks keep the CPU busy.
        vm.wait_quiet(timeout=60)
        commands = sorted(set(bench_commands(vm.run("help"))))
        if args.only:
            commands = [c for c in commands if c in args.only]
        print("In-kernel benchmarks (-m %s, USB %s): %s" % (
            args.mem, args.usb, ", ".join(commands) or "none registered"))
        for command in commands:
            print("\n--- %s" % command, flush=True)
            print(vm.run(command, timeout=BENCH_COMMAND_TIMEOUT).rstrip(),
                  flush=True)
        vm.send_raw(b"poweroff\r")
        status = vm.exit_code()
        if status != qemu.EXIT_PASS:
            print("poweroff: QEMU exited with %d, expected %d"
                  % (status, qemu.EXIT_PASS))
            return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    b = sub.add_parser("boot-time")
    b.add_argument("--iso", default=qemu.DEFAULT_ISO)
    b.add_argument("--floor-iso", required=True)
    b.add_argument("--boots", type=int, default=5)
    k = sub.add_parser("kernel")
    k.add_argument("--iso", default=qemu.DEFAULT_ISO)
    k.add_argument("--mem", default="2G")
    k.add_argument("--usb", default="default", choices=sorted(qemu.USB_PRESETS))
    k.add_argument("--only", nargs="*", help="run only these bench commands")
    args = p.parse_args()
    try:
        return boot_time(args) if args.what == "boot-time" else kernel(args)
    except qemu.TernError as e:
        print("bench_qemu.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
