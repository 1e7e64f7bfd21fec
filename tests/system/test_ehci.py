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
(n-1)%2+1 (ICH9 routing, qemu-usb.md). `usb_topology.expected_tern_view`
does that translation, and the comparison is per bus: (address, port path,
speed)."""

import re

import pytest

from usb_topology import (COMPANION_BUS, EHCI_BUS, ours_nonempty,
                          parse_lsusb, read_chunks, run_until,
                          settled_chunks, shell_lines, tern_buses,
                          wait_chunks, wait_enumerated)

QEMU_IDS = {"0627:0001", "0409:55aa", "46f4:0001"}  # HID, hub, storage
ENUM_TIMEOUT = 25.0


def wait_view(vm, count, exact_buses=True):
    """wait_enumerated on an ICH9 EHCI (QEMU bus 0) and its companions."""
    return wait_enumerated(vm, count, ENUM_TIMEOUT, ehci_qbus="0",
                           exact_buses=exact_buses)


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
              for d in parse_lsusb(run_until(vm, "lsusb", "root hub"))}
    for bus, info in tree.items():
        assert listed.get((bus, 1)) is not None, "no root hub on bus %d" % bus
        for dev in info["devices"]:
            assert listed.get((bus, dev)) in QEMU_IDS, (bus, dev, listed)


def port_states(vm):
    """`ehcidump` ports: {port: (owned by companion, enabled at 480M,
    connected)}."""
    states = {}
    for line in shell_lines(run_until(vm, "ehcidump", r"port 6: PORTSC")):
        m = re.match(r"^\s*port (\d+): PORTSC ([0-9a-f]{8})", line)
        if m:
            v = int(m.group(2), 16)
            states[int(m.group(1))] = (bool(v & 0x2000), bool(v & 0x4),
                                       bool(v & 0x1))
    assert len(states) == 6, states
    return states


def ehci_complaints(vm):
    return [l for l in shell_lines(run_until(vm, "dmesg", "ehci0")) if "ehci" in l and
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


@pytest.mark.arm64
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


@pytest.mark.arm64
def test_reference_topology_with_piix3_uhci_and_hub(boot):
    """Storage on EHCI, full-speed HID on three companions, a hub with two
    devices on the piix3 UHCI: 7 devices on 5 buses."""
    vm = boot(usb="reference")
    tree, info = wait_view(vm, 7, exact_buses=False)
    check_lsusb_ids(vm, tree)
    assert {s for (_, _, s) in tern_buses(tree)[EHCI_BUS]} == {"480M"}
    assert not ehci_complaints(vm)


@pytest.mark.arm64
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


@pytest.mark.arm64
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


@pytest.mark.arm64
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
    assert read_chunks(vm) == base
    assert "schedules: consistent" in run_until(vm, "ehcidump", "schedules:")
    assert not ehci_complaints(vm)


@pytest.mark.arm64
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
    dump = run_until(vm, "ehcidump", "schedules:")
    assert re.search(r"resets 1\b", dump) and "schedules: consistent" in dump, dump


def type_and_check(vm, word):
    vm.send_keys("echo %s\n" % word)
    vm.wait_for(re.compile(r"\n%s\r?\n" % word), 15)
    vm.wait_prompt()


@pytest.mark.arm64
@pytest.mark.parametrize("props, bus, speed, word", [
    ("", EHCI_BUS, "480M", "typed-through-ehci"),
    (",usb_version=1", COMPANION_BUS, "12M", "typed-through-companion"),
])
def test_keyboard_types_at_high_and_full_speed(boot, props, bus, speed, word):
    """A high-speed keyboard stays on EHCI; a full-speed one is handed to
    the companion; both type."""
    vm = boot(usb="ich9", devices=(
        "usb-kbd,id=kbd,bus=ehci.0,port=1%s,display=video0" % props,))
    tree, info = wait_view(vm, 1)
    assert tern_buses(tree)[bus] == {(2, "1", speed)}
    type_and_check(vm, word)
