"""Parsers that turn Tern's `lsusb`, `lsusb -t` and `dmastat` output and
QEMU's `info usb` into comparable data, for the USB system tests.

A device is identified the same way on both sides: QEMU's `info usb` names
it "Device <qemu bus>.<address>" where the address is the one the guest
assigned, so (address, port path, speed) must agree between `lsusb -t` and
`info usb`; only the bus numbering differs (QEMU counts its buses from 0 in
creation order, Tern from 1 in PCI probe order), so buses are compared as a
collection of per-bus device sets. Not modelled: EHCI companion routing,
where QEMU lists a full-speed device under the EHCI bus and port while the
guest sees it on the companion UHCI."""

import re
import time

PRINTK = re.compile(r"^\s*\[\s*\d+\.\d+\]")
LSUSB_LINE = re.compile(
    r"^Bus (\d{3}) Device (\d{3}): ID ([0-9a-f]{4}):([0-9a-f]{4})(?: (.*))?$")
TREE_ROOT = re.compile(r"^/:\s+Bus (\d+)\.Port \d+: Dev 1, Class=root_hub, "
                       r"Driver=(\S+)/(\d+)p, (\S+)$")
TREE_NODE = re.compile(r"^( *)\|__ Port (\d+): Dev (\d+), If (\d+), "
                       r"Class=([^,]*), Driver=([^,]*), (\S+)$")


def shell_lines(text):
    """Command output without the kernel log lines that may interleave."""
    return [line.rstrip() for line in text.replace("\r", "").split("\n")
            if line.strip() and not PRINTK.match(line)]


def parse_lsusb(text):
    """`lsusb` -> list of dicts bus, dev, vid, pid, name."""
    found = []
    for line in shell_lines(text):
        m = LSUSB_LINE.match(line)
        if m:
            found.append({"bus": int(m.group(1)), "dev": int(m.group(2)),
                          "vid": m.group(3), "pid": m.group(4),
                          "name": m.group(5) or ""})
    return found


def parse_tree(text):
    """`lsusb -t` -> {bus: {"driver", "ports", "speed", "devices":
    {dev: (port_path, speed, [classes], [drivers])}}}. Unparseable lines
    raise, so a format slip is a test failure, not a silent skip."""
    buses, bus, stack = {}, None, []
    for line in shell_lines(text):
        root = TREE_ROOT.match(line)
        if root:
            bus = {"driver": root.group(2), "ports": int(root.group(3)),
                   "speed": root.group(4), "devices": {}}
            buses[int(root.group(1))] = bus
            stack = []
            continue
        if bus is None:
            continue  # the echoed command, when kernel lines delayed it
        node = TREE_NODE.match(line)
        if not node:
            raise AssertionError("unexpected lsusb -t line: %r\n%s"
                                 % (line, text))
        depth = (len(node.group(1)) - 4) // 4
        port, dev = int(node.group(2)), int(node.group(3))
        stack = stack[:depth] + [port]
        path = ".".join(str(p) for p in stack)
        entry = bus["devices"].setdefault(dev, (path, node.group(7), [], []))
        if entry[0] != path:
            raise AssertionError("device %d at two ports: %s and %s"
                                 % (dev, entry[0], path))
        entry[2].append(node.group(5))
        entry[3].append(node.group(6))
    return buses


def qemu_speed(mbps):
    return "1.5M" if mbps == 1.5 else "%dM" % mbps


def qemu_buses(info_usb):
    """QEMU's `info usb` (qemu.Tern.info_usb()) grouped per QEMU bus as
    {(address, port path, speed)}."""
    buses = {}
    for d in info_usb:
        qbus, addr = d["device"].split(".")
        buses.setdefault(qbus, set()).add(
            (int(addr), d["port"], qemu_speed(d["speed_mbps"])))
    return buses


def tern_buses(tree):
    return {bus: {(dev, path, speed)
                  for dev, (path, speed, _, _) in info["devices"].items()}
            for bus, info in tree.items()}


def same_topology(tree, info_usb):
    """Whether every QEMU bus with devices equals one Tern bus, device by
    device (address, port path, speed)."""
    ours = sorted(sorted(s) for s in tern_buses(tree).values() if s)
    theirs = sorted(sorted(s) for s in qemu_buses(info_usb).values() if s)
    return ours == theirs


def wait_enumerated(vm, expected_devices, timeout=20.0):
    """Polls `lsusb -t` until it lists expected_devices devices (root hubs
    not counted) and QEMU agrees on the topology; returns (tree, info)."""
    deadline = time.monotonic() + timeout
    while True:
        tree = parse_tree(vm.run("lsusb -t"))
        info = vm.info_usb()
        count = sum(len(b["devices"]) for b in tree.values())
        if count == expected_devices and len(info) == expected_devices \
                and same_topology(tree, info):
            # Let class drivers finish binding, so their log lines do not
            # interleave with the caller's next command.
            vm.run("usbwait %d" % max(1000, int((deadline - time.monotonic())
                                                 * 1000)))
            return tree, info
        if time.monotonic() > deadline:
            raise AssertionError(
                "after %.0f s: %d devices in lsusb -t, %d in QEMU, expected "
                "%d\nours:   %r\nqemu:   %r" % (
                    timeout, count, len(info), expected_devices,
                    tern_buses(tree), qemu_buses(info)))
        time.sleep(0.3)


POOL_HEADER = re.compile(r"^pool (.+?): \d+ regions? ")
CLASS_ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+$")


def live_chunks(dmastat_text):
    """Live DMA chunks per pool from `dmastat` ({pool name: count}): each
    pool starts with "pool NAME: N regions ..." and ends with its per-size
    table "size live peak splits merges failed", whose live column adds up
    to the pool's live chunks."""
    pools, name = {}, None
    for line in shell_lines(dmastat_text):
        header = POOL_HEADER.match(line)
        if header:
            name = header.group(1)
            pools[name] = 0
            continue
        row = CLASS_ROW.match(line)
        if row and name is not None:
            pools[name] += int(row.group(2))
    if not pools:
        raise AssertionError("no pool in dmastat output:\n" + dmastat_text)
    return pools


def settled_chunks(vm, timeout=10.0):
    """live_chunks() once two readings 0.3 s apart agree: right after
    enumeration, class drivers still have set-up requests in flight and
    finished transfer descriptors wait a frame before going back."""
    deadline = time.monotonic() + timeout
    last = live_chunks(vm.run("dmastat"))
    while True:
        time.sleep(0.3)
        now = live_chunks(vm.run("dmastat"))
        if now == last:
            return now
        if time.monotonic() > deadline:
            raise AssertionError("DMA chunk counts never settled: %r then %r"
                                 % (last, now))
        last = now
