"""System tests for PCI enumeration and the UHCI driver (issue 5): QEMU
topologies on UHCI controllers checked with `lsusb`/`lsusb -t` against
QEMU's own `info usb`, `lspci` in Linux `lspci -nn` format, typing through
an emulated keyboard, and hot-plug cycles that must give back every DMA
chunk and USB address.

Presets come from scripts/qemu.py: "uhci" (piix3 UHCI, keyboard, mouse,
tablet: QEMU inserts a hub for the third device), "uhci-hubs" (two-tier hub
tree), "ich9-uhci" (the three ICH9 UHCI functions), "uhci-many" (12 devices,
QEMU adds hubs)."""

import random
import re
import time

import pytest

from usb_topology import (parse_lsusb, qemu_buses, settled_chunks,
                          shell_lines, tern_buses, wait_enumerated)

# USB IDs of QEMU's emulated devices (hw/usb/dev-hid.c, dev-hub.c).
QEMU_USB_IDS = {
    "QEMU USB Keyboard": "0627:0001",
    "QEMU USB Mouse": "0627:0001",
    "QEMU USB Tablet": "0627:0001",
    "QEMU USB Hub": "0409:55aa",
}


def bus_map(tree, info, listed):
    """Tern bus number for each QEMU bus: the one with the same devices
    (address, port, speed) whose `lsusb` names end in QEMU's product names
    (several buses may hold the same shape, e.g. one device each)."""
    ours = tern_buses(tree)
    products = {}
    for d in info:
        qbus, addr = d["device"].split(".")
        products.setdefault(qbus, {})[int(addr)] = d["product"]
    mapping = {}
    for qbus, devices in qemu_buses(info).items():
        match = [b for b, s in ours.items() if s == devices
                 and b not in mapping.values()
                 and all(listed.get((b, a), {}).get("name", "").endswith(p)
                         for a, p in products[qbus].items())]
        assert match, "QEMU bus %s %r matches no Tern bus %r" % (
            qbus, devices, ours)
        mapping[qbus] = match[0]
    return mapping


def check_lsusb_against_qemu(vm, tree, info):
    """Every device QEMU reports appears in `lsusb` on the matching bus and
    address with QEMU's VID:PID and product name; each bus has its root hub
    and nothing else is listed."""
    listed = {(d["bus"], d["dev"]): d for d in parse_lsusb(vm.run("lsusb"))}
    mapping = bus_map(tree, info, listed)
    expected = set()
    for d in info:
        qbus, addr = d["device"].split(".")
        key = (mapping[qbus], int(addr))
        expected.add(key)
        assert key in listed, "lsusb lacks %r (QEMU: %r)" % (key, d)
        line = listed[key]
        assert "%s:%s" % (line["vid"], line["pid"]) == \
            QEMU_USB_IDS[d["product"]], (line, d)
        assert line["name"].endswith(d["product"]), (line, d)
    for bus in tree:
        assert listed.get((bus, 1), {}).get("vid") == "1d6b", \
            "bus %d has no root hub line in lsusb" % bus
        expected.add((bus, 1))
    assert set(listed) == expected, "extra lsusb lines: %r" % (
        set(listed) - expected)


def check_uhci_roots(tree, count):
    assert len(tree) == count, tree
    for bus in tree.values():
        assert (bus["driver"], bus["ports"], bus["speed"]) == \
            ("uhci_hcd", 2, "12M"), bus


def uhci_complaints(vm):
    """Kernel log lines in which the UHCI driver reports trouble."""
    return [l for l in shell_lines(vm.run("dmesg"))
            if "uhci " in l and re.search(
                r"error|timed out|resetting|not in the pool|missing", l)]


def enumerate_all(vm):
    """QEMU attaches every -device at start-up, so its count is final."""
    return wait_enumerated(vm, len(vm.info_usb()))


@pytest.mark.arm64
def test_piix3_keyboard_mouse_tablet(boot):
    vm = boot(usb="uhci")
    tree, info = wait_enumerated(vm, 4)
    check_uhci_roots(tree, 1)
    check_lsusb_against_qemu(vm, tree, info)
    products = sorted(d["product"] for d in info)
    assert products == ["QEMU USB Hub", "QEMU USB Keyboard",
                        "QEMU USB Mouse", "QEMU USB Tablet"]
    (bus,) = tree.values()
    classes = {path: cls for path, _, cls, _ in bus["devices"].values()}
    hub_path = next(d["port"] for d in info if d["product"] == "QEMU USB Hub")
    assert classes[hub_path] == ["Hub"]


@pytest.mark.arm64
def test_two_tier_hub_tree(boot):
    vm = boot(usb="uhci-hubs")
    tree, info = wait_enumerated(vm, 5)
    check_uhci_roots(tree, 1)
    check_lsusb_against_qemu(vm, tree, info)
    paths = sorted(path for path, _, _, _ in
                   next(iter(tree.values()))["devices"].values())
    assert paths == ["1", "1.1", "1.2", "1.2.1", "2"]


@pytest.mark.arm64
def test_ich9_uhci_functions(boot):
    vm = boot(usb="ich9-uhci")
    lines = shell_lines(vm.run("lspci"))
    for fn, (dev, n) in enumerate((("2934", 1), ("2935", 2), ("2936", 3))):
        want = ("00:1d.%d USB controller [0c03]: Intel Corporation 82801I "
                "(ICH9 Family) USB UHCI Controller #%d [8086:%s] (rev 03)"
                % (fn, n, dev))
        assert want in lines, "%r not in lspci:\n%s" % (want, "\n".join(lines))
    tree, info = wait_enumerated(vm, 3)
    check_uhci_roots(tree, 3)
    check_lsusb_against_qemu(vm, tree, info)
    assert sorted(len(b["devices"]) for b in tree.values()) == [1, 1, 1]


@pytest.mark.arm64
def test_many_devices_behind_qemu_hubs(boot):
    vm = boot(usb="uhci-many")
    tree, info = enumerate_all(vm)
    assert len(info) > 12, "QEMU added no hubs: %r" % info
    check_lsusb_against_qemu(vm, tree, info)
    hid = [d for d in info if d["product"] != "QEMU USB Hub"]
    assert len(hid) == 12


# Besides the UHCI: pc's chipset (and VGA) on x86, virt's PCIe host bridge.
MACHINE_FUNCTIONS = {
    "x86_64": (
        "00:00.0 Host bridge [0600]: Intel Corporation 440FX - 82441FX PMC "
        "[Natoma] [8086:1237] (rev 02)",
        "00:01.0 ISA bridge [0601]: Intel Corporation 82371SB PIIX3 ISA "
        "[Natoma/Triton II] [8086:7000]",
        "00:01.1 IDE interface [0101]: Intel Corporation 82371SB PIIX3 IDE "
        "[Natoma/Triton II] [8086:7010]",
        "00:01.3 Bridge [0680]: Intel Corporation 82371AB/EB/MB PIIX4 ACPI "
        "[8086:7113] (rev 03)",
    ),
    "arm64": (
        "00:00.0 Host bridge [0600]: Red Hat, Inc. QEMU PCIe Host bridge "
        "[1b36:0008]",
    ),
}


@pytest.mark.arm64
def test_lspci_lists_the_machine_like_linux(boot, arch):
    vm = boot(usb="uhci")
    lines = shell_lines(vm.run("lspci"))
    for want in MACHINE_FUNCTIONS[arch]:
        assert want in lines, "%r not in:\n%s" % (want, "\n".join(lines))
    usb = [l for l in lines if "[8086:7020]" in l]
    assert len(usb) == 1 and re.match(
        r"^00:[0-9a-f]{2}\.0 USB controller \[0c03\]: Intel Corporation "
        r"82371SB PIIX3 USB \[Natoma/Triton II\] \[8086:7020\] \(rev 01\)$",
        usb[0]), lines
    if arch == "arm64":
        return
    # QEMU's VGA vendor 1234 is not in pci.ids: Linux prints it numerically.
    assert any(re.search(r"VGA compatible controller \[0300\]: Device "
                         r"\[1234:1111\]", l) for l in lines), lines


@pytest.mark.arm64
def test_uhci_behind_a_pci_bridge(boot):
    vm = boot(machine="pc", devices=(
        "pci-bridge,id=br1,chassis_nr=1,addr=5",
        "piix3-usb-uhci,id=uhci,bus=br1,addr=3",
        "usb-kbd,bus=uhci.0", "usb-tablet,bus=uhci.0,port=2"))
    lines = shell_lines(vm.run("lspci -v"))
    assert "00:05.0 PCI bridge [0604]: Red Hat, Inc. QEMU PCI-PCI bridge " \
        "[1b36:0001]" in lines, lines
    usb = lines.index("01:03.0 USB controller [0c03]: Intel Corporation "
                      "82371SB PIIX3 USB [Natoma/Triton II] [8086:7020] "
                      "(rev 01)")
    assert "driver uhci_hcd" in lines[usb + 1], lines
    assert re.match(r"^\tBAR4: I/O ports at [0-9a-f]{4} \[size=32\]$",
                    lines[usb + 2]), lines
    tree, info = wait_enumerated(vm, 2)
    check_lsusb_against_qemu(vm, tree, info)


@pytest.mark.arm64
def test_typing_on_usb_keyboard_runs_commands(boot):
    vm = boot(usb="uhci")
    wait_enumerated(vm, 4)
    vm.send_keys("echo typed-through-uhci\n")
    vm.wait_for(re.compile(r"\ntyped-through-uhci\r?\n"), 15)
    vm.wait_prompt()
    assert vm.run("echo serial-still-works").strip().endswith(
        "serial-still-works")


HOTPLUG_KINDS = (
    ("keyboard", [("usb-kbd", "1.3")]),
    ("tablet", [("usb-tablet", "1.4")]),
    ("hub", [("usb-hub", "1.5"), ("usb-kbd", "1.5.1"),
             ("usb-mouse", "1.5.2")]),
)


def plug(vm, cycle, devices):
    ids = []
    for i, (driver, port) in enumerate(devices):
        dev_id = "hp%d_%d" % (cycle, i)
        vm.device_add(driver, dev_id, bus="uhci.0", port=port)
        ids.append(dev_id)
    return ids


def hotplug_cycle(vm, cycle, base_count, first_addresses):
    """Plugs one kind of device (tree), checks lsusb and that it got the
    same addresses as the first time, unplugs it and waits until every DMA
    chunk is back (which also means every address was released)."""
    kind, devices = HOTPLUG_KINDS[cycle % len(HOTPLUG_KINDS)]
    ids = plug(vm, cycle, devices)
    tree, info = wait_enumerated(vm, base_count + len(devices))
    check_lsusb_against_qemu(vm, tree, info)
    addresses = sorted(int(d["device"].split(".")[1]) for d in info
                       if d["id"] in ids)
    first_addresses.setdefault(kind, addresses)
    assert addresses == first_addresses[kind], \
        "cycle %d: %s got addresses %r, first time %r" % (
            cycle, kind, addresses, first_addresses[kind])
    for dev_id in reversed(ids):
        vm.device_del(dev_id)
    wait_enumerated(vm, base_count)
    return settled_chunks(vm)


@pytest.mark.arm64
def test_hotplug_cycles_return_dma_chunks_and_addresses(boot):
    vm = boot(usb="uhci-hubs")
    tree, info = wait_enumerated(vm, 5)
    base_count = len(info)
    first_addresses = {}
    boot_chunks = settled_chunks(vm)
    # One round first: the hub driver keeps a small request per hub port
    # once that port has been used, which is bounded, not a leak.
    for cycle in range(len(HOTPLUG_KINDS)):
        base_chunks = hotplug_cycle(vm, cycle, base_count, first_addresses)
    for cycle in range(len(HOTPLUG_KINDS), len(HOTPLUG_KINDS) + 20):
        chunks = hotplug_cycle(vm, cycle, base_count, first_addresses)
        assert chunks == base_chunks, "after cycle %d" % cycle
    # The UHCI driver itself caches nothing: back to its state at boot.
    uhci_pools = [name for name in boot_chunks if name.startswith("uhci")]
    assert uhci_pools, boot_chunks
    for name in uhci_pools:
        assert chunks[name] == boot_chunks[name], (name, boot_chunks, chunks)
    assert not uhci_complaints(vm)


@pytest.mark.arm64
def test_unplug_during_enumeration_leaves_nothing_behind(boot):
    """A hub with a keyboard unplugged at random points of their
    enumeration: cancelled transfers and closed endpoints must give back
    every TD and QH, with no controller error."""
    vm = boot(usb="uhci-hubs")
    wait_enumerated(vm, 5)
    boot_chunks = settled_chunks(vm)
    rnd = random.Random(5)
    for cycle in range(25):
        vm.device_add("usb-hub", "uh%d" % cycle, bus="uhci.0", port="1.5")
        vm.device_add("usb-kbd", "uk%d" % cycle, bus="uhci.0", port="1.5.1")
        time.sleep(rnd.uniform(0, 0.4))
        vm.device_del("uk%d" % cycle)
        vm.device_del("uh%d" % cycle)
    tree, info = wait_enumerated(vm, 5)
    check_lsusb_against_qemu(vm, tree, info)
    end_chunks = settled_chunks(vm)
    for name in boot_chunks:
        if name.startswith("uhci"):
            assert end_chunks[name] == boot_chunks[name], (boot_chunks,
                                                           end_chunks)
    assert not uhci_complaints(vm)
