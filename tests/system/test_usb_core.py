"""System tests of the USB core (issues 5 and 6, core side) in QEMU: the
commands it adds (`usbwait`, `usbreset`, `usbbench`, `input`), typing on a
full-speed keyboard behind a hub with host-side key repeat (typing at high
speed on EHCI is test_ehci.py's), and hub subtrees plugged and unplugged
with addresses reused and DMA chunks given back."""

import re

import pytest
import time

import qemu
from usb_topology import (parse_lsusb, run_until, settled_chunks, wait_chunks,
                          wait_enumerated)


# `make run`'s USB set as `lsusb -t` shows it, the same on every
# architecture: keyboard and tablet at high speed on EHCI, the full-speed
# mouse on EHCI port 3 handed to the second companion.
DEFAULT_TREE = """\
/:  Bus 01.Port 1: Dev 1, Class=root_hub, Driver=ehci_hcd/6p, 480M
    |__ Port 1: Dev 2, If 0, Class=Human Interface Device, Driver=usbhid, 480M
    |__ Port 5: Dev 3, If 0, Class=Human Interface Device, Driver=usbhid, 480M
/:  Bus 02.Port 1: Dev 1, Class=root_hub, Driver=uhci_hcd/2p, 12M
/:  Bus 03.Port 1: Dev 1, Class=root_hub, Driver=uhci_hcd/2p, 12M
    |__ Port 1: Dev 2, If 0, Class=Human Interface Device, Driver=usbhid, 12M
/:  Bus 04.Port 1: Dev 1, Class=root_hub, Driver=uhci_hcd/2p, 12M
"""


@pytest.mark.arm64
def test_default_usb_set_gives_the_same_tree_everywhere(boot):
    vm = boot(usb="default")
    settle(vm)
    tree = [line for line in vm.run("lsusb -t").splitlines()
            if not qemu.KERNEL_LOG_LINE.search(line)]
    assert tree == DEFAULT_TREE.splitlines()


def lsusb(vm):
    return [(d["bus"], d["dev"], "%s:%s" % (d["vid"], d["pid"]), d["name"])
            for d in parse_lsusb(run_until(vm, "lsusb", "root hub"))]


def settle(vm, timeout_ms=20000):
    out = vm.run("usbwait %d" % timeout_ms, timeout=timeout_ms / 1000 + 10)
    assert "still enumerating" not in out, out


def key(vm, qcode, down):
    vm.send_input([qemu._key_event(qcode, down)])


@pytest.mark.arm64
def test_usbwait_then_lsusb_lists_every_device_with_root_hubs_first(boot):
    vm = boot(usb="uhci-hubs")
    settle(vm)
    devices = lsusb(vm)
    assert devices[0] == (1, 1, "1d6b:0001", "Linux Foundation 1.1 root hub")
    names = sorted(rest for _, _, _, rest in devices[1:])
    assert names == sorted(["QEMU QEMU USB Hub", "QEMU QEMU USB Hub",
                            "QEMU QEMU USB Keyboard", "QEMU QEMU USB Mouse",
                            "QEMU QEMU USB Tablet"]), devices
    assert [d for _, d, _, _ in devices] == sorted(d for _, d, _, _ in devices)
    tree = vm.run("lsusb -t")
    assert re.search(r"(?m)^        \|__ Port 2: Dev \d+, If 0, Class=Hub, "
                     r"Driver=hub/8p, 12M$", tree), tree


@pytest.mark.arm64
def test_usbreset_keeps_the_device_and_a_hub_is_enumerated_again(boot):
    vm = boot(usb="uhci-hubs")
    settle(vm)
    before = lsusb(vm)
    tablet = [d for b, d, _, rest in before if rest.endswith("USB Tablet")][0]
    out = vm.run("usbreset 1:%d" % tablet)
    assert "ok (device number %d kept)" % tablet in out, out
    assert "reset done, device number %d kept" % tablet in out, out
    assert "disconnect" not in out, out
    settle(vm)
    assert lsusb(vm) == before
    # The hub driver has no post_reset: the hub and its subtree come back.
    hub = [d for b, d, _, rest in before if rest.endswith("USB Hub")][0]
    out = vm.run("usbreset 1:%d" % hub)
    assert "ok (enumerating it as a new device)" in out, out
    settle(vm)
    assert sorted(d[3] for d in lsusb(vm)) == sorted(d[3] for d in before)
    assert "no device" in vm.run("usbreset 1:99")
    assert "usage" in vm.run("usbreset nonsense")


@pytest.mark.arm64
def test_typing_on_full_speed_keyboard_behind_a_hub_runs_a_command(boot):
    vm = boot(usb="uhci-hubs")
    settle(vm)
    vm.send_keys("echo typed-via-USB\r")
    vm.wait_for(re.compile(r"\n\s*typed-via-USB\r?\n"))


@pytest.mark.arm64
def test_held_key_repeats_on_the_host(boot):
    vm = boot(usb="uhci")
    settle(vm)
    start = vm.pos
    key(vm, "x", True)
    time.sleep(1.5)
    key(vm, "x", False)
    time.sleep(0.3)
    typed = vm.output(start).count("x")
    # 500 ms delay then ~30/s: well over 10 in 1.5 s, and it stopped.
    assert typed >= 10, typed
    time.sleep(0.5)
    assert vm.output(start).count("x") == typed
    vm.send_raw(b"\x15")  # Ctrl-U: drop the line


@pytest.mark.arm64
def test_input_shows_tablet_and_key_events_until_a_serial_key(boot):
    vm = boot(usb="uhci")
    settle(vm)
    vm.send_raw(b"input\r")
    vm.wait_for("press a key on the serial console to stop")
    vm.qmp("input-send-event", {"events": [
        {"type": "abs", "data": {"axis": "x", "value": 16384}},
        {"type": "abs", "data": {"axis": "y", "value": 8192}}]})
    vm.wait_for(re.compile(r"tablet abs x=\d+ y=\d+ wheel=0 buttons=0x0"))
    vm.send_keys("a")
    vm.wait_for("key 'a'")
    vm.send_raw(b"q")
    vm.wait_for(qemu.PROMPT)
    assert vm.run("echo back").strip() == "back"


@pytest.mark.arm64
def test_hub_with_children_hotplug_reuses_addresses(boot):
    vm = boot(usb="uhci")
    settle(vm)
    baseline = lsusb(vm)
    first = chunks = None
    for cycle in range(10):
        vm.device_add("usb-hub", "h9", bus="uhci.0", port="2.5")
        vm.device_add("usb-kbd", "k9", bus="uhci.0", port="2.5.1")
        vm.device_add("usb-tablet", "t9", bus="uhci.0", port="2.5.2")
        vm.wait_for("usb 1-2.5.2: new 12M USB device number")
        settle(vm)
        now = lsusb(vm)
        added = sorted(set(now) - set(baseline))
        assert len(added) == 3, now
        if first is None:
            first = added
        assert added == first, "cycle %d: %r != %r" % (cycle, added, first)
        vm.device_del("h9")
        vm.wait_for("usb 1-2.5: USB disconnect")
        settle(vm)
        assert lsusb(vm) == baseline, "cycle %d" % cycle
        # After the first round (the parent hub keeps a status request for
        # its port 5 once used), the subtree gives back every DMA chunk.
        if chunks is None:
            chunks = settled_chunks(vm)
        else:
            wait_chunks(vm, chunks)


def test_usbbench_reports_enumeration_floor_and_latency(boot):
    vm = boot(usb="reference")
    settle(vm)
    count = len(vm.info_usb())
    wait_enumerated(vm, count, ehci_qbus="0")
    out = vm.run("usbbench", timeout=60)
    assert re.search(r"all buses: +\d+\.\d{3} ms  \(spec floor \d+\.\d{3} ms\)", out), out
    assert "Linux 6.1 reference" in out
    latency = re.findall(r"bus (\d) \((\w+)\) dev \d+ (\S+): min \d+ us, median \d+ us, "
                         r"max \d+ us \(N=50\)", out)
    assert {d for _, d, _ in latency} == {"ehci_hcd", "uhci_hcd"}, out
    assert ("1", "ehci_hcd", "480M") in latency, out
    # The re-enumeration put every device back where QEMU has it.
    wait_enumerated(vm, count, ehci_qbus="0")
