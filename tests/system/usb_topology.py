"""Parsers and waits shared by the USB system tests (test_uhci.py,
test_ehci.py, test_usb_core.py): Tern's `lsusb`, `lsusb -t` and `dmastat`
output and QEMU's `info usb` turned into comparable data.

A device is identified the same way on both sides: QEMU's `info usb` names
it "Device <qemu bus>.<address>" where the address is the one the guest
assigned, so (address, port path, speed) must agree between `lsusb -t` and
`info usb`. Bus numbering differs (QEMU counts its buses from 0 in creation
order, Tern from 1 in PCI probe order), so buses are compared as a
collection of per-bus device sets. EHCI companion routing is modelled by
`expected_tern_view`: QEMU lists a full-speed device under the EHCI bus and
port while the guest sees it on the companion UHCI."""

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


EHCI_BUS = 1        # with an ICH9 EHCI: it probes first (PCI order 0)
COMPANION_BUS = 2   # its companions 1d.0, 1d.1, 1d.2 follow as buses 2, 3, 4


def expected_tern_view(info, ehci_qbus=None):
    """QEMU's device list as Tern should show it: {bus: {(addr, path,
    speed)}}. ehci_qbus names the QEMU bus of an ICH9 EHCI with companions
    (None: there is none). QEMU lists every device of that bus under its
    EHCI port; Tern shows a device on a full-speed root port on companion
    (n-1)//2 as its port (n-1)%2+1 (ICH9 routing, qemu-usb.md), and so
    everything behind it. Other controllers' buses are keyed "qemu bus N":
    Tern numbers them itself."""
    root_speed = {d["port"]: d["speed_mbps"] for d in info
                  if d["device"].split(".")[0] == ehci_qbus
                  and "." not in d["port"]}
    view = {}
    for d in info:
        qbus, addr = d["device"].split(".")
        path = d["port"].split(".")
        if qbus != ehci_qbus:
            bus = "qemu bus " + qbus
        elif root_speed[path[0]] == 480:
            bus = EHCI_BUS
        else:
            root = int(path[0])
            bus = COMPANION_BUS + (root - 1) // 2
            path[0] = str((root - 1) % 2 + 1)
        view.setdefault(bus, set()).add(
            (int(addr), ".".join(path), qemu_speed(d["speed_mbps"])))
    return view


def ours_nonempty(tree):
    return {bus: devs for bus, devs in tern_buses(tree).items() if devs}


def same_topology(tree, info, ehci_qbus=None, exact_buses=False):
    """Whether Tern's buses hold what QEMU says, device by device
    (address, port path, speed). exact_buses: the EHCI and companion bus
    numbers must match too (only when no other controller shifts them)."""
    view = expected_tern_view(info, ehci_qbus)
    if exact_buses:
        return ours_nonempty(tree) == view
    return sorted(sorted(s) for s in ours_nonempty(tree).values()) == \
        sorted(sorted(s) for s in view.values())


def run_until(vm, command, expect, tries=3):
    """vm.run(command), again when the output lacks `expect` (a regex): a
    kernel message that arrives while a command is typed makes the line
    editor redraw its prompt, and vm.run then returns before the command's
    output. Only for commands without side effects."""
    for _ in range(tries):
        out = vm.run(command)
        if re.search(expect, out):
            return out
    raise AssertionError("%r printed no %r:\n%s" % (command, expect, out))


def wait_enumerated(vm, expected_devices, timeout=20.0, ehci_qbus=None,
                    exact_buses=False):
    """Polls `lsusb -t` until QEMU has expected_devices devices and Tern
    shows each on the expected bus, port and speed (see same_topology);
    returns (tree, info)."""
    deadline = time.monotonic() + timeout
    while True:
        tree = parse_tree(run_until(vm, "lsusb -t", "root_hub"))
        info = vm.info_usb()
        if len(info) == expected_devices and \
                same_topology(tree, info, ehci_qbus, exact_buses):
            # Let class drivers finish binding, so their log lines do not
            # interleave with the caller's next command.
            vm.run("usbwait %d" % max(1000, int((deadline - time.monotonic())
                                                 * 1000)))
            return tree, info
        if time.monotonic() > deadline:
            raise AssertionError(
                "after %.0f s: QEMU has %d devices (want %d)\nTern:     %r\n"
                "expected: %r" % (timeout, len(info), expected_devices,
                                  ours_nonempty(tree),
                                  expected_tern_view(info, ehci_qbus)))
        time.sleep(0.3)


POOL_HEADER = re.compile(r"^pool (.+?): ")
POOL_LIVE_BYTES = re.compile(r"\blive (\d+) bytes")
CLASS_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s*$")


def live_chunks(dmastat_text):
    """`dmastat` as {pool name: (live chunks, live bytes)}: each pool's
    block starts with "pool NAME:", has one "live N bytes" and a table of
    size classes "size live peak splits merges failed" whose live column
    adds up to the pool's live chunks. Regions the pool takes or gives back
    do not matter here, only what is handed out."""
    pools, name = {}, None
    for line in shell_lines(dmastat_text):
        header = POOL_HEADER.match(line)
        if header:
            name = header.group(1)
            pools[name] = [0, None]
        live = POOL_LIVE_BYTES.search(line)
        if live and name is not None:
            pools[name][1] = int(live.group(1))
        row = CLASS_ROW.match(line)
        if row and name is not None:
            pools[name][0] += int(row.group(2))
    if not pools or any(b is None for _, b in pools.values()):
        raise AssertionError("no pool statistics in dmastat:\n"
                             + dmastat_text)
    return {n: tuple(v) for n, v in pools.items()}


def read_chunks(vm):
    return live_chunks(run_until(vm, "dmastat", POOL_LIVE_BYTES.pattern))


def settled_chunks(vm, timeout=10.0):
    """A baseline: read_chunks() once three readings 0.3 s apart agree:
    right after enumeration, class drivers still have set-up requests in
    flight, hubs poll their ports and finished transfer descriptors wait a
    frame before going back."""
    deadline = time.monotonic() + timeout
    readings = [read_chunks(vm)]
    while len(readings) < 3 or readings[-1] != readings[-2] or \
            readings[-2] != readings[-3]:
        if time.monotonic() > deadline:
            raise AssertionError("DMA chunk counts never settled: %r"
                                 % readings[-3:])
        time.sleep(0.3)
        readings.append(read_chunks(vm))
    return readings[-1]


def wait_chunks(vm, want, timeout=10.0):
    """Polls `dmastat` until the live chunks per pool equal `want`."""
    deadline = time.monotonic() + timeout
    while True:
        now = read_chunks(vm)
        if now == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError("live chunks %r, baseline %r" % (now, want))
        time.sleep(0.3)
