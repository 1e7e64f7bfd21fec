#!/usr/bin/env python3
"""The QEMU half of `make bench` (scripts/bench.sh calls it).

  bench_qemu.py boot-time --iso ISO --floor-iso FLOOR [--boots N]
      Wall time from QEMU start to the first `tern> ` on the serial port:
      N boots of Tern without USB and with the default USB topology, each
      beside N boots of the floor ISO with the same devices (QEMU + SeaBIOS
      + GRUB + a stub that prints a prompt, scripts/boot-floor.S); min and
      median of each, Tern's share above the floor, the < 1 s target.
  bench_qemu.py boot-time --arch arm64 --iso build/arm64/tern.elf [--boots N]
      The same for the arm64 kernel on virt, which has no firmware to
      subtract: QEMU start to the prompt.
  bench_qemu.py kernel --iso ISO [--mem 2G] [--usb default]
      Boots Tern once, waits until boot-time work (USB enumeration) has
      finished, finds every shell command whose name ends in "bench" in
      `help`, runs each and prints its output (blkbench, which needs a
      disk, is the storage benchmark's).
  bench_qemu.py storage --iso ISO [--ehci-samples 10] [--uhci-samples 3]
                         [--xhci-samples 10]
      Sequential reads from a QEMU usb-storage disk with `blkbench`: 64 MiB
      on ICH9 EHCI, 8 MiB on a piix3 UHCI and 64 MiB at SuperSpeed on
      qemu-xhci, several samples each (0 skips a controller); per transfer
      size the median and range in MB/s, and on UHCI the share of QEMU's
      1280 bytes-per-frame cap.

Benchmarks print figures; they never fail on speed. The exit status is
non-zero only when a boot or a command does not work at all.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time

import qemu

BOOT_TARGET_S = 1.0
BENCH_COMMAND_TIMEOUT = 600.0
UHCI_CAP_MBPS = 1280 * 1000 / 1e6  # QEMU UHCI: 1280 bytes per 1 ms frame
STORAGE_SETUPS = (
    # name, controllers, where the disk goes, MiB read per sample
    ("EHCI (ICH9, high speed)", qemu.ICH9_EHCI_COMPANIONS, "bus=ehci.0,port=2", 64),
    ("UHCI (piix3, full speed)", qemu.PIIX3_UHCI, "bus=uhci.0,port=1", 8),
    ("xHCI (qemu-xhci, SuperSpeed)", ("qemu-xhci,id=xhci",), "bus=xhci.0,port=1", 64),
)


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


def boot_time_arm64(args):
    """arm64 boots without firmware (QEMU's -kernel loader), so there is
    no floor to subtract: the figure is QEMU start to the prompt."""
    print("arm64 boot to the first `tern> ` (wall, from QEMU start, TCG, "
          "%d boots each; target < %.1f s):" % (args.boots, BOOT_TARGET_S))
    for usb in ("none", "default"):
        tern = [time_to_prompt(args.iso, usb=usb, arch="arm64")
                for _ in range(args.boots)]
        median = statistics.median(tern)
        print_figures("tern arm64 virt -m 128M, USB %s" % usb, tern,
                      "  target %s" % ("met" if median < BOOT_TARGET_S else "NOT met"))
    return 0


def boot_time(args):
    """Each USB configuration against its own floor: SeaBIOS spends time
    on USB controllers too, so the difference is Tern's own share. Floor
    and Tern boots alternate so that load from other work on the machine
    hits both alike."""
    if args.arch == "arm64":
        return boot_time_arm64(args)
    if not args.floor_iso:
        print("bench_qemu.py: boot-time on x86_64 needs --floor-iso", file=sys.stderr)
        return 2
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
    found = re.findall(r"(?m)^\s*([A-Za-z][\w-]*bench)\b",
                       help_output.replace("\r", ""))
    return [c for c in found if c != "blkbench"]


def blkbench_rates(output):
    """`blkbench` lines "read   1024 KiB: ... 12.34 MB/s" as {KiB: MB/s}."""
    return {int(kib): float(rate) for kib, rate in re.findall(
        r"read\s+(\d+) KiB: .* ([\d.]+) MB/s", output)}


def storage_setup(iso, name, controllers, where, mib, samples, image):
    with qemu.Tern(iso=iso, mem="512M", usb="none", devices=controllers + (
            "usb-storage,id=disk,%s,drive=d0" % where,),
            extra_args=("-drive", "if=none,id=d0,format=raw,file=%s" % image)) as vm:
        vm.start()
        vm.wait_prompt()
        vm.run("usbwait 20000", timeout=60)
        per_size = {}
        for _ in range(samples):
            out = vm.run("blkbench sda %d" % mib, timeout=BENCH_COMMAND_TIMEOUT)
            rates = blkbench_rates(out)
            if not rates:
                raise qemu.TernError("blkbench printed no rates:\n" + out)
            for kib, rate in rates.items():
                per_size.setdefault(kib, []).append(rate)
    print("%s, %d MiB sequential read, %d samples:" % (name, mib, samples))
    for kib, rates in sorted(per_size.items()):
        median = statistics.median(rates)
        cap = ("  %.1f%% of the UHCI cap" % (100 * median / UHCI_CAP_MBPS)
               if "UHCI" in name else "")
        print("  %5d KiB per command: median %8.2f MB/s  range %.2f-%.2f%s"
              % (kib, median, min(rates), max(rates), cap))
        print("    samples: " + " ".join("%.2f" % r for r in rates), flush=True)


def storage(args):
    with tempfile.TemporaryDirectory() as tmp:
        image = os.path.join(tmp, "disk.img")
        with open(image, "wb") as f:
            f.write(os.urandom(64 << 20))
        for (name, controllers, where, mib), samples in zip(
                STORAGE_SETUPS, (args.ehci_samples, args.uhci_samples, args.xhci_samples)):
            if samples:
                storage_setup(args.iso, name, controllers, where, mib, samples, image)
    return 0


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
    b.add_argument("--iso", default=qemu.DEFAULT_ISO,
                   help="the boot image (arm64: the ELF kernel)")
    b.add_argument("--arch", default="x86_64", choices=sorted(qemu.ARCHES))
    b.add_argument("--floor-iso", help="x86_64: QEMU+SeaBIOS+GRUB alone")
    b.add_argument("--boots", type=int, default=5)
    k = sub.add_parser("kernel")
    k.add_argument("--iso", default=qemu.DEFAULT_ISO)
    k.add_argument("--mem", default="2G")
    k.add_argument("--usb", default="default", choices=sorted(qemu.USB_PRESETS))
    k.add_argument("--only", nargs="*", help="run only these bench commands")
    st = sub.add_parser("storage")
    st.add_argument("--iso", default=qemu.DEFAULT_ISO)
    st.add_argument("--ehci-samples", type=int, default=10)
    st.add_argument("--uhci-samples", type=int, default=3)
    st.add_argument("--xhci-samples", type=int, default=10)
    args = p.parse_args()
    try:
        return {"boot-time": boot_time, "kernel": kernel,
                "storage": storage}[args.what](args)
    except qemu.TernError as e:
        print("bench_qemu.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
