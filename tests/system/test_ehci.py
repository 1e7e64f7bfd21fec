"""System tests for the EHCI driver (issue 6): ICH9 EHCI with its three UHCI
companions (explicit masterbus/firstport), a standalone usb-ehci and
`-M q35,usb=on`, with high-speed and full-speed (usb_version=1) devices on
every port, checked with `lsusb -t` against QEMU's `info usb`; hand-off to a
companion and back on unplug; 20 hot-plug cycles that move devices between
speeds with the DMA pools back to their baseline; typing on a USB keyboard
on EHCI and on a companion.

QEMU's `info usb` lists every device of the EHCI bus under its EHCI port
number, also when a companion owns the port; Tern shows such a device on
the companion's bus: EHCI port n belongs to companion (n-1)//2, as its port
(n-1)%2+1 (ICH9 routing, qemu-usb.md). `expected_tern_view` does that
translation, and the comparison is per bus: (address, port path, speed)."""

import random
import re
import time

import pytest

from usb_topology import (parse_lsusb, parse_tree, qemu_speed, shell_lines,
                          tern_buses)

EHCI_BUS = 1          # EHCI probes first (PCI order 0)
COMPANION_BUS = 2     # companions 1d.0, 1d.1, 1d.2 follow as buses 2, 3, 4
QEMU_IDS = {"0627:0001", "0409:55aa", "46f4:0001"}  # HID, hub, storage
ENUM_TIMEOUT = 25.0


def run(vm, command, expect, tries=3):
    """vm.run(command), again when the output lacks `expect` (a regex): a
    kernel message that arrives while a command is typed makes the line
    editor redraw its prompt, and vm.run then returns before the command's
    output. Only for commands without side effects."""
    for _ in range(tries):
        out = vm.run(command)
        if re.search(expect, out):
            return out
    raise AssertionError("%r printed no %r:\n%s" % (command, expect, out))


def expected_tern_view(info, ehci_qbus="0"):
    """QEMU's device list as Tern should show it: {tern bus: {(addr, path,
    speed)}}; devices behind a full-speed root-port device move to the
    companion bus with the port renumbered."""
    root_speed = {d["port"]: d["speed_mbps"] for d in info
                  if d["device"].startswith(ehci_qbus + ".")
                  and "." not in d["port"]}
    view = {}
    for d in info:
        qbus, addr = d["device"].split(".")
        path = d["port"].split(".")
        if qbus != ehci_qbus:  # another controller: Tern numbers it itself
            view.setdefault("qemu bus " + qbus, set()).add(
                (int(addr), d["port"], qemu_speed(d["speed_mbps"])))
            continue
        root = int(path[0])
        if root_speed[path[0]] == 480:
            bus = EHCI_BUS
        else:
            bus = COMPANION_BUS + (root - 1) // 2
            path[0] = str((root - 1) % 2 + 1)
        view.setdefault(bus, set()).add(
            (int(addr), ".".join(path), qemu_speed(d["speed_mbps"])))
    return view


def ours_nonempty(tree):
    return {bus: devs for bus, devs in tern_buses(tree).items() if devs}


def same_bus_contents(tree, info):
    """Bus numbers aside (other controllers shift them): the same buses."""
    ours = sorted(sorted(s) for s in ours_nonempty(tree).values())
    return ours == sorted(sorted(s) for s in expected_tern_view(info).values())


def wait_view(vm, count, timeout=ENUM_TIMEOUT, exact_buses=True):
    """Polls until QEMU has `count` devices and Tern's `lsusb -t` shows each
    one on the expected bus, port and speed; returns (tree, info)."""
    deadline = time.monotonic() + timeout
    while True:
        tree = parse_tree(run(vm, "lsusb -t", "ehci_hcd"))
        info = vm.info_usb()
        if len(info) == count and (
                ours_nonempty(tree) == expected_tern_view(info)
                if exact_buses else same_bus_contents(tree, info)):
            return tree, info
        if time.monotonic() > deadline:
            raise AssertionError(
                "after %.0f s: QEMU has %d devices (want %d)\nTern:     %r\n"
                "expected: %r" % (timeout, len(info), count,
                                  ours_nonempty(tree),
                                  expected_tern_view(info)))
        time.sleep(0.3)


def check_roots(tree, companions):
    ehci = tree[EHCI_BUS]
    assert (ehci["driver"], ehci["ports"], ehci["speed"]) == \
        ("ehci_hcd", 6, "480M"), ehci
    uhci = [b for n, b in tree.items() if n != EHCI_BUS]
    assert len(uhci) == companions, tree
    for b in uhci:
        assert (b["driver"], b["ports"], b["speed"]) == \
            ("uhci_hcd", 2, "12M"), b


def check_lsusb_ids(vm, tree):
    """`lsusb` lists every device of `lsusb -t` with a QEMU ID."""
    listed = {(d["bus"], d["dev"]): "%s:%s" % (d["vid"], d["pid"])
              for d in parse_lsusb(run(vm, "lsusb", "root hub"))}
    for bus, info in tree.items():
        assert listed.get((bus, 1)) is not None, "no root hub on bus %d" % bus
        for dev in info["devices"]:
            assert listed.get((bus, dev)) in QEMU_IDS, (bus, dev, listed)


def port_states(vm):
    """`ehcidump` ports: {port: (owned by companion, enabled at 480M,
    connected)}."""
    states = {}
    for line in shell_lines(run(vm, "ehcidump", r"port 6: PORTSC")):
        m = re.match(r"^\s*port (\d+): PORTSC ([0-9a-f]{8})", line)
        if m:
            v = int(m.group(2), 16)
            states[int(m.group(1))] = (bool(v & 0x2000), bool(v & 0x4),
                                       bool(v & 0x1))
    assert len(states) == 6, states
    return states


CLASS_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s*$")


def live_chunks(vm):
    """`dmastat` as {pool name: (live chunks, live bytes)}: each pool's block
    starts with "pool NAME:", has one "live N bytes" and a table of size
    classes whose second column counts live chunks. Regions the pool keeps
    or returns do not matter here, only what is handed out."""
    text = run(vm, "dmastat", r"live \d+ bytes")
    pools, name = {}, None
    for line in shell_lines(text):
        m = re.match(r"^pool (.+?): ", line)
        if m:
            name = m.group(1)
            pools[name] = [0, None]
        m = re.search(r"\blive (\d+) bytes", line)
        if m and name:
            pools[name][1] = int(m.group(1))
        m = CLASS_ROW.match(line)
        if m and name:
            pools[name][0] += int(m.group(2))
    assert pools and all(b is not None for _, b in pools.values()), \
        "no pool statistics in dmastat:\n" + text
    return {n: tuple(v) for n, v in pools.items()}


def settled_chunks(vm, timeout=10.0):
    """A baseline: `dmastat` once three readings 0.3 s apart agree (right
    after enumeration, hubs are still polling their ports)."""
    deadline = time.monotonic() + timeout
    readings = [live_chunks(vm)]
    while len(readings) < 3 or readings[-1] != readings[-2] or \
            readings[-2] != readings[-3]:
        assert time.monotonic() < deadline, \
            "dmastat never settled: %r" % readings[-3:]
        time.sleep(0.3)
        readings.append(live_chunks(vm))
    return readings[-1]


def ehci_complaints(vm):
    return [l for l in shell_lines(run(vm, "dmesg", "ehci0")) if "ehci" in l and
            re.search(r"error|timed out|resetting|lost|not a live|missing|"
                      r"no async-advance", l)]


MIXED = (
    "usb-kbd,id=kbd,bus=ehci.0,port=1,display=video0",
    "usb-mouse,id=m1,bus=ehci.0,port=2,usb_version=1",
    "usb-hub,id=hub1,bus=ehci.0,port=3",
    "usb-kbd,id=k2,bus=ehci.0,port=3.1,usb_version=1",
    "usb-tablet,id=t1,bus=ehci.0,port=4",
    "usb-tablet,id=t2,bus=ehci.0,port=5,usb_version=1",
    "usb-mouse,id=m2,bus=ehci.0,port=6",
)


def test_ich9_companions_route_every_port_by_speed(boot):
    vm = boot(usb="ich9", devices=MIXED)
    tree, info = wait_view(vm, len(MIXED))
    check_roots(tree, 3)
    check_lsusb_ids(vm, tree)
    speeds = {path: speed for (_, path, speed) in tern_buses(tree)[EHCI_BUS]}
    assert speeds == {"1": "480M", "4": "480M", "6": "480M"}, speeds
    ports = port_states(vm)
    for port in (1, 4, 6):
        assert ports[port] == (False, True, True), (port, ports[port])
    for port in (2, 3, 5):
        assert ports[port][0], "port %d not handed to its companion" % port
    assert not ehci_complaints(vm)


def test_reference_topology_with_piix3_uhci_and_hub(boot):
    """Storage on EHCI, full-speed HID on three companions, a hub with two
    devices on the piix3 UHCI: 7 devices on 5 buses."""
    vm = boot(usb="reference")
    tree, info = wait_view(vm, 7, exact_buses=False)
    check_lsusb_ids(vm, tree)
    assert {s for (_, _, s) in tern_buses(tree)[EHCI_BUS]} == {"480M"}
    assert not ehci_complaints(vm)


def test_standalone_usb_ehci_high_speed_only(boot):
    vm = boot(usb="ehci")
    tree, info = wait_view(vm, 2)
    assert list(tree) == [EHCI_BUS], tree
    assert all(s == "480M" for (_, _, s) in tern_buses(tree)[EHCI_BUS])
    check_lsusb_ids(vm, tree)


def test_q35_usb_on_firmware_default_controllers(boot):
    vm = boot(usb="q35-usb")
    tree, info = wait_view(vm, 2)
    check_roots(tree, 3)
    assert {s for (_, _, s) in tern_buses(tree)[EHCI_BUS]} == {"480M"}


def test_full_speed_goes_to_companion_and_port_returns_on_unplug(boot):
    vm = boot(usb="ich9")
    vm.device_add("usb-kbd", "fs", bus="ehci.0", port="4", usb_version=1)
    tree, info = wait_view(vm, 1)
    assert tern_buses(tree)[COMPANION_BUS + 1] == {(2, "2", "12M")}, tree
    assert port_states(vm)[4][0]
    vm.device_del("fs")
    wait_view(vm, 0)
    assert port_states(vm)[4] == (False, False, False)
    # The same port now takes a high-speed device itself.
    vm.device_add("usb-kbd", "hs", bus="ehci.0", port="4")
    tree, info = wait_view(vm, 1)
    assert {p for (_, p, s) in tern_buses(tree)[EHCI_BUS]} == {"4"}
    assert port_states(vm)[4] == (False, True, True)


HOTPLUG = (
    ("usb-kbd", {}),
    ("usb-mouse", {"usb_version": 1}),
    ("usb-tablet", {}),
    ("usb-kbd", {"usb_version": 1}),
)


def test_hotplug_cycles_move_devices_between_speeds_without_leaks(boot):
    vm = boot(usb="ich9")
    wait_view(vm, 0)
    base = settled_chunks(vm)
    for cycle in range(20):
        driver, props = HOTPLUG[cycle % len(HOTPLUG)]
        port = str(cycle % 6 + 1)
        dev_id = "hp%d" % cycle
        vm.device_add(driver, dev_id, bus="ehci.0", port=port, **props)
        tree, info = wait_view(vm, 1)
        (bus, devices), = ours_nonempty(tree).items()
        high = "usb_version" not in props
        assert (bus == EHCI_BUS) == high, (cycle, bus, props)
        # Addresses come back: the only device on its bus is always 2.
        assert [a for a, _, _ in devices] == [2], (cycle, devices)
        vm.device_del(dev_id)
        wait_view(vm, 0)
        assert not port_states(vm)[int(port)][0], \
            "cycle %d: port %s still owned by the companion" % (cycle, port)
    assert live_chunks(vm) == base
    assert "schedules: consistent" in run(vm, "ehcidump", "schedules:")
    assert not ehci_complaints(vm)


def wait_chunks(vm, want, timeout=10.0):
    """Polls `dmastat` until the live chunks per pool equal `want`."""
    deadline = time.monotonic() + timeout
    while True:
        now = live_chunks(vm)
        if now == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError("live chunks %r, baseline %r" % (now, want))
        time.sleep(0.3)


@pytest.mark.parametrize("fault", ["reset", "halt"])
def test_unannounced_stop_resets_rebuilds_and_reenumerates(boot, fault):
    """The controller stops behind the driver's back (as QEMU's EHCI does
    on a schedule it cannot process): the driver notices, resets, rebuilds
    its schedules, the core enumerates again, and no DMA chunk leaks."""
    vm = boot(usb="ich9", devices=MIXED)
    wait_view(vm, len(MIXED))
    base = settled_chunks(vm)
    vm.run("ehcifault " + fault)
    vm.wait_for(re.compile(r"ehci0: controller halted.*resetting the "
                           r"controller"), 5)
    wait_view(vm, len(MIXED))
    wait_chunks(vm, base)
    dump = run(vm, "ehcidump", "schedules:")
    assert "resets 1," in dump and "schedules: consistent" in dump, dump


def fnv1a(data):
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) & 0xffffffff
    return h


def test_bulk_chains_and_short_packets_read_the_disk(boot, tmp_path):
    """`ehcibot` reads a usb-storage stick through EHCI bulk endpoints:
    qTD chains starting mid-page (up to 127 blocks), a short bulk packet
    and a short control read; the data matches the image byte for byte."""
    image = tmp_path / "stick.img"
    rng = random.Random(6)
    content = bytes(rng.getrandbits(8) for _ in range(1 << 20))
    image.write_bytes(content + bytes(1 << 20))
    vm = boot(usb="ich9",
              devices=("usb-storage,id=stick,bus=ehci.0,port=2,drive=d0",),
              extra_args=("-drive", "if=none,id=d0,format=raw,file=%s"
                          % image))
    tree, info = wait_view(vm, 1)
    ((addr, path, speed),) = tern_buses(tree)[EHCI_BUS]
    assert (path, speed) == ("2", "480M")
    base = settled_chunks(vm)
    for lba, blocks in ((0, 127), (1000, 64), (2047, 1), (5, 100)):
        out = run(vm, "ehcibot %d %d %d" % (addr, lba, blocks), r"READ\(10\)")
        assert "(short packet)" in out and "(short control read)" in out, out
        m = re.search(r"READ\(10\) lba %d blocks %d: (\d+) bytes, fnv1a "
                      r"([0-9a-f]{8})" % (lba, blocks), out)
        assert m, out
        want = content[lba * 512:(lba + blocks) * 512]
        assert int(m.group(1)) == len(want)
        assert int(m.group(2), 16) == fnv1a(want), "data differs at lba %d" % lba
    wait_chunks(vm, base)
    assert not ehci_complaints(vm)


def type_and_check(vm, word):
    vm.send_keys("echo %s\n" % word)
    vm.wait_for(re.compile(r"\n%s\r?\n" % word), 15)
    vm.wait_prompt()


def test_keyboard_types_on_ehci_high_speed(boot):
    vm = boot(usb="ich9", devices=(
        "usb-kbd,id=kbd,bus=ehci.0,port=1,display=video0",))
    tree, info = wait_view(vm, 1)
    assert tern_buses(tree)[EHCI_BUS] == {(2, "1", "480M")}
    type_and_check(vm, "typed-through-ehci")


def test_keyboard_types_on_companion_full_speed(boot):
    vm = boot(usb="ich9", devices=(
        "usb-kbd,id=kbd,bus=ehci.0,port=1,usb_version=1,display=video0",))
    tree, info = wait_view(vm, 1)
    assert tern_buses(tree)[COMPANION_BUS] == {(2, "1", "12M")}
    type_and_check(vm, "typed-through-companion")
