"""System tests for the xHCI driver (issue 14) on QEMU's qemu-xhci and
nec-usb-xhci: high- and full-speed HID devices and a hub with a child,
usb-storage at SuperSpeed and at high speed, checked with `lsusb -t`
against QEMU's `info usb`; typing through a USB keyboard; `usbreset` of a
device behind a hub, which keeps its slot; 20 hot-plug cycles with the DMA
pools back to their baseline; a machine with xHCI, EHCI and UHCI at once;
endpoint 0 rings wrapped many times; restart after an unannounced halt or
a host controller error.

QEMU numbers the bus ports of an xHCI 1..max(p2, p3); each is a pair of a
USB 3 port (xHCI port N, the first p3) and a USB 2 port (xHCI port p3+N).
A SuperSpeed device sits on the first, anything slower on the second;
`expected_xhci_view` applies that. Addresses are not compared: the xHCI
picks the address on the wire (QEMU: the slot number), the core numbers
devices itself, as Linux does."""

import re
import time

import pytest

from usb_topology import (parse_lsusb, parse_tree, qemu_speed,
                          run_until, settled_chunks, shell_lines,
                          wait_chunks)

QEMU_IDS = {"0627:0001", "0409:55aa", "46f4:0001"}  # HID, hub, storage
ENUM_TIMEOUT = 25.0
MODELS = ("qemu-xhci", "nec-usb-xhci")


def expected_xhci_view(info, p3=4, qbus="0"):
    """{(port path, speed)} that Tern's xHCI bus should show for the
    devices QEMU lists on QEMU bus qbus."""
    view = set()
    for d in info:
        if d["device"].split(".")[0] != qbus:
            continue
        path = d["port"].split(".")
        if d["speed_mbps"] < 5000:
            path[0] = str(int(path[0]) + p3)
        view.add((".".join(path), qemu_speed(d["speed_mbps"])))
    return view


def xhci_bus(tree):
    (bus,) = [n for n, b in tree.items() if b["driver"] == "xhci_hcd"]
    return bus


def xhci_devices(tree):
    return {(path, speed)
            for path, speed, _, _ in tree[xhci_bus(tree)]["devices"].values()}


def wait_xhci(vm, count, p3=4, qbus="0", timeout=ENUM_TIMEOUT):
    """Polls until QEMU's bus qbus has count devices and Tern's xHCI bus
    shows each at the expected port and speed; returns the `lsusb -t`
    tree."""
    deadline = time.monotonic() + timeout
    while True:
        tree = parse_tree(run_until(vm, "lsusb -t", "root_hub"))
        info = [d for d in vm.info_usb() if d["device"].split(".")[0] == qbus]
        want = expected_xhci_view(info, p3, qbus)
        if len(info) == count and xhci_devices(tree) == want:
            vm.run("usbwait 5000")
            return tree
        if time.monotonic() > deadline:
            raise AssertionError("QEMU %d devices (want %d)\nTern:     %r\n"
                                 "expected: %r" % (len(info), count,
                                                   xhci_devices(tree), want))
        time.sleep(0.3)


def xhci_complaints(vm):
    return [l for l in shell_lines(run_until(vm, "dmesg", "xhci0"))
            if "xhci" in l and re.search(r"fail|ignored|timed out|error", l)]


def dump_stats(vm):
    out = run_until(vm, "xhcidump", r"bad events \d+")
    m = re.search(r"bad events (\d+) ring growths (\d+) resets (\d+); "
                  r"TDs on rings (\d+)", out)
    return out, {"bad": int(m.group(1)), "grows": int(m.group(2)),
                 "resets": int(m.group(3)), "tds": int(m.group(4))}


HID_AND_HUB = 5  # keyboard, mouse, hub, tablet behind the hub, tablet


@pytest.mark.arm64
@pytest.mark.parametrize("preset", ["xhci", "nec-xhci"])
def test_hid_devices_and_hub_enumerate_at_their_speeds(boot, preset):
    vm = boot(usb=preset)
    tree = wait_xhci(vm, HID_AND_HUB)
    root = tree[xhci_bus(tree)]
    assert (root["driver"], root["ports"], root["speed"]) == \
        ("xhci_hcd", 8, "5000M"), root
    assert xhci_devices(tree) == {("5", "480M"), ("6", "480M"), ("7", "12M"),
                                  ("7.1", "12M"), ("8", "480M")}
    drivers = {path: drv for path, _, _, drv in root["devices"].values()}
    assert drivers == {"5": ["usbhid"], "6": ["usbhid"], "7": ["hub/8p"],
                       "7.1": ["usbhid"], "8": ["usbhid"]}, drivers
    listed = {"%s:%s" % (d["vid"], d["pid"])
              for d in parse_lsusb(run_until(vm, "lsusb", "root hub"))
              if d["dev"] != 1}
    assert listed <= QEMU_IDS and len(listed) == 2, listed
    out, stats = dump_stats(vm)
    assert len(re.findall(r"slot \d+: usb 1-[\d.]+ address \d+ configured", out)) == 5, out
    assert "route 1, root port 7" in out, out
    assert stats["bad"] == 0 and stats["resets"] == 0, out
    assert not xhci_complaints(vm)


@pytest.mark.arm64
def test_usbreset_behind_a_hub_keeps_the_device_and_its_slot(boot):
    """Hub port reset, Reset Device, Address Device again: the tablet
    behind the hub keeps its number, slot, route and driver."""
    vm = boot(usb="xhci")
    tree = wait_xhci(vm, HID_AND_HUB)
    bus = xhci_bus(tree)
    (dev,) = [n for n, d in tree[bus]["devices"].items() if d[0] == "7.1"]
    slot = re.compile(r"slot (\d+): usb 1-7\.1 address \d+ configured, route 1, root port 7")
    before = slot.search(dump_stats(vm)[0])
    out = vm.run("usbreset %d:%d" % (bus, dev), timeout=30)
    assert "ok (device number %d kept)" % dev in out, out
    tree = parse_tree(run_until(vm, "lsusb -t", "root_hub"))
    assert tree[bus]["devices"][dev][0] == "7.1" and \
        tree[bus]["devices"][dev][3] == ["usbhid"], tree
    out, stats = dump_stats(vm)
    assert len(re.findall(r"slot \d+: usb 1-[\d.]+ address \d+ configured", out)) == 5, out
    after = slot.search(out)
    assert before and after and before.group(1) == after.group(1), out
    assert stats["bad"] == 0 and stats["resets"] == 0, out
    assert not xhci_complaints(vm)


@pytest.mark.arm64
@pytest.mark.parametrize("model, p3, port, speed", [
    ("qemu-xhci", 4, "1", "5000M"), ("qemu-xhci", 0, "1", "480M"),
    ("nec-usb-xhci", 4, "1", "5000M")])
def test_storage_enumerates_at_super_and_high_speed(boot, tmp_path, model, p3, port,
                                                    speed):
    image = tmp_path / "stick.img"
    image.write_bytes(bytes(1 << 20))
    vm = boot(machine="q35", devices=(
        "%s,id=xhci,p3=%d" % (model, p3),
        "usb-storage,id=stick,bus=xhci.0,port=1,drive=d0"),
        extra_args=("-drive", "if=none,id=d0,format=raw,file=%s" % image))
    tree = wait_xhci(vm, 1, p3=p3)
    ports = 4 + p3
    assert tree[xhci_bus(tree)]["ports"] == ports
    want_port = port if speed == "5000M" else str(int(port) + p3)
    assert xhci_devices(tree) == {(want_port, speed)}
    assert not xhci_complaints(vm)


@pytest.mark.arm64
def test_keyboard_on_xhci_types_into_the_shell(boot):
    vm = boot(usb="xhci")
    wait_xhci(vm, HID_AND_HUB)
    vm.send_keys("echo typed-through-xhci\n")
    vm.wait_for(re.compile(r"\ntyped-through-xhci\r?\n"), 15)
    vm.wait_prompt()


HOTPLUG = (
    ("usb-kbd", {}),
    ("usb-mouse", {"usb_version": 1}),
    ("usb-tablet", {}),
    ("usb-hub", {}),
    ("usb-kbd", {"usb_version": 1}),
)


@pytest.mark.arm64
def test_hotplug_cycles_over_every_speed_without_leaks(boot, tmp_path):
    image = tmp_path / "stick.img"
    image.write_bytes(bytes(1 << 20))
    vm = boot(machine="q35", devices=("qemu-xhci,id=xhci",),
              extra_args=("-drive", "if=none,id=d0,format=raw,file=%s" % image))
    wait_xhci(vm, 0)
    base = settled_chunks(vm)
    for cycle in range(20):
        driver, props = HOTPLUG[cycle % len(HOTPLUG)]
        port = str(cycle % 4 + 1)
        dev_id = "hp%d" % cycle
        if cycle == 19:  # the drive goes with the device: SuperSpeed once
            driver, props = "usb-storage", {"drive": "d0"}
        vm.device_add(driver, dev_id, bus="xhci.0", port=port, **props)
        tree = wait_xhci(vm, 1)
        ((path, speed),) = xhci_devices(tree)
        want = "5000M" if driver == "usb-storage" else \
            "12M" if props or driver == "usb-hub" else "480M"
        assert speed == want, (cycle, driver, speed)
        vm.device_del(dev_id)
        wait_xhci(vm, 0)
    # A hub leaving with its children (slots found by route string).
    vm.device_add("usb-hub", "hub", bus="xhci.0", port="2")
    wait_xhci(vm, 1)
    vm.device_add("usb-kbd", "hk", bus="xhci.0", port="2.1")
    vm.device_add("usb-mouse", "hm", bus="xhci.0", port="2.3")
    tree = wait_xhci(vm, 3)
    assert xhci_devices(tree) == {("6", "12M"), ("6.1", "12M"), ("6.3", "12M")}
    vm.device_del("hub")
    wait_xhci(vm, 0)
    wait_chunks(vm, base)
    out, stats = dump_stats(vm)
    assert stats["bad"] == 0 and stats["tds"] == 0, out
    assert not re.search(r"slot \d+:", out), out
    assert not xhci_complaints(vm)


@pytest.mark.arm64
def test_mixed_machine_with_xhci_ehci_and_uhci(boot):
    vm = boot(machine="q35", devices=(
        "ich9-usb-ehci1,id=ehci,addr=1d.7,multifunction=on",
        "ich9-usb-uhci1,id=uhci1,masterbus=ehci.0,firstport=0,addr=1d.0,"
        "multifunction=on",
        "ich9-usb-uhci2,id=uhci2,masterbus=ehci.0,firstport=2,addr=1d.1",
        "ich9-usb-uhci3,id=uhci3,masterbus=ehci.0,firstport=4,addr=1d.2",
        "qemu-xhci,id=xhci",
        "usb-kbd,id=kbd,bus=xhci.0,port=1,display=video0",
        "usb-tablet,id=t1,bus=ehci.0,port=1",
        "usb-mouse,id=m1,bus=ehci.0,port=3,usb_version=1",
    ))
    deadline = time.monotonic() + ENUM_TIMEOUT
    while True:
        tree = parse_tree(run_until(vm, "lsusb -t", "root_hub"))
        by_driver = {}
        for bus in tree.values():
            for path, speed, _, _ in bus["devices"].values():
                by_driver.setdefault(bus["driver"], set()).add((path, speed))
        want = {"xhci_hcd": {("5", "480M")}, "ehci_hcd": {("1", "480M")},
                "uhci_hcd": {("1", "12M")}}
        if by_driver == want:
            break
        assert time.monotonic() < deadline, by_driver
        time.sleep(0.3)
    assert not xhci_complaints(vm)


@pytest.mark.arm64
def test_endpoint_zero_ring_wraps_many_times_without_losing_events(boot):
    vm = boot(usb="xhci")
    tree = wait_xhci(vm, HID_AND_HUB)
    bus = xhci_bus(tree)
    (addr,) = [dev for dev, (path, _, _, _) in tree[bus]["devices"].items()
               if path == "5"]
    out = vm.run("xhciring %d %d 1500" % (bus, addr), timeout=120)
    assert "1500 requests, 0 wrong answers, last status ok" in out, out
    dump, stats = dump_stats(vm)
    laps = [int(n) for n in re.findall(r"(\d+) laps", dump)]
    assert max(laps) >= 60, dump
    assert stats["bad"] == 0, dump
    vm.send_keys("echo still-typing\n")  # the keyboard's own ring still runs
    vm.wait_for(re.compile(r"\nstill-typing\r?\n"), 15)


@pytest.mark.arm64
@pytest.mark.parametrize("fault", ["halt", "hce"])
def test_unannounced_stop_restarts_and_reenumerates(boot, fault):
    vm = boot(usb="xhci")
    wait_xhci(vm, HID_AND_HUB)
    base = settled_chunks(vm)
    vm.run("xhcifault " + fault)
    vm.wait_for(re.compile(r"xhci0: .*resetting the controller"), 5)
    wait_xhci(vm, HID_AND_HUB)
    wait_chunks(vm, base)
    out, stats = dump_stats(vm)
    assert stats["resets"] == 1 and stats["bad"] == 0, out


@pytest.mark.arm64
def test_usbbench_on_the_xhci_reference_topology(boot):
    """`usbbench` on the 7-device xHCI reference topology: the enumeration
    line beside its floor and Linux's figure, a SuperSpeed round trip, and
    every device back after the benchmark's re-enumeration."""
    vm = boot(usb="xhci-reference")
    p3 = 4
    wait_xhci(vm, 7, p3=p3)
    out = vm.run("usbbench", timeout=60)
    assert re.search(r"bus \d+ \(xhci_hcd, 7 devices\): +\d+\.\d{3} ms  "
                     r"\(spec floor \d+\.\d{3} ms\)", out), out
    assert "~2160 ms xHCI" in out, out
    assert re.search(r"\(xhci_hcd\) dev \d+ 5000M: min \d+ us, median \d+ us", out), out
    wait_xhci(vm, 7, p3=p3)
