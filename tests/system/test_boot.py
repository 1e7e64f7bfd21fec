"""System tests for booting and stopping Tern (issue 2): the banner, memory
sizes seen through the multiboot2 map, the kernel command line from fw_cfg
(autorun), in-kernel tests, poweroff/reboot and the decoded reports of
deliberate CPU exceptions (`crash pf|ud|df`)."""

import re

import pytest

import qemu
import tern_shell

# A line that starts with the word Tern, after an optional printk
# timestamp such as "[    0.001234] ".
BANNER = re.compile(r"^(?:\[\s*[\d.]+\]\s*)?Tern\b", re.MULTILINE)


@pytest.mark.arm64
def test_banner_printed_exactly_once(tern):
    assert tern.run("echo ready").strip() == "ready"
    boot_log = tern_shell.plain(tern.output())
    banners = BANNER.findall(boot_log)
    assert len(banners) == 1, "banner lines: %r\n%s" % (banners, boot_log)
    assert boot_log.count(qemu.PROMPT) == 2  # the first prompt, then one more


@pytest.mark.arm64
@pytest.mark.parametrize("mem,mem_bytes,machine", [
    ("128M", 128 << 20, "q35"),
    ("2G", 2 << 30, "q35"),
    ("6G", 6 << 30, "q35"),
    ("6G", 6 << 30, "pc"),  # i440FX splits RAM at 3 GiB instead of 2 GiB
], ids=["128M", "2G", "6G", "6G-pc"])
def test_meminfo_usable_total_matches_ram(boot, arch, mem, mem_bytes, machine):
    if arch == "arm64" and machine == "pc":
        pytest.skip("arm64 has one machine, virt")
    vm = boot(mem=mem, machine=machine)
    installed = vm.qmp("query-memory-size-summary")["base-memory"]
    assert installed == mem_bytes
    out = vm.run("meminfo")
    usable = tern_shell.usable_total(out)
    # Firmware keeps a little RAM for itself (EBDA, ACPI tables, SMRAM), so
    # usable RAM is just below what is installed, never above it.
    assert usable <= installed, out
    assert usable >= installed * 99 // 100, \
        "usable %d bytes is not within 1%% of %d\n%s" % (usable, installed, out)
    # The total is the sum of the map's usable ranges.
    ranges = tern_shell.usable_ranges(out)
    mapped = sum(end + 1 - start for start, end in ranges)
    assert abs(mapped - usable) <= usable // 100, (mapped, usable, out)
    if installed > 4 << 30:
        assert any(end >= 1 << 32 for start, end in ranges), \
            "no usable range above 4 GiB in the map:\n" + out


@pytest.mark.arm64
def test_bootinfo_shows_the_memory_map_and_on_arm64_the_device_tree(tern, arch):
    out = tern_shell.plain(tern.run("bootinfo"))
    assert re.search(r"(?m)^  [0-9a-f]{16}-[0-9a-f]{16} usable$", out), out
    if arch == "arm64":
        # RAM from 1 GiB, the DTB reserved at its start, and the devices.
        assert "0000000040000000-0000000047ffffff usable" in out, out
        assert "0000000040000000-00000000400fffff reserved" in out, out
        for line in (r"UART \(PL011\)\s+0x9000000", r"GIC\s+v2",
                     r"timer\s+INTID phys 30, virt 27",
                     r"PCIe ECAM\s+0x4010000000", r"PCIe interrupt-map\s+16 rows"):
            assert re.search(line, out), line + "\n" + out


@pytest.mark.arm64
def test_gicv3_machine_takes_uart_timer_and_usb_interrupts(boot, arch):
    if arch != "arm64":
        pytest.skip("the GIC is arm64's")
    vm = boot(usb="uhci", extra_args=("-M", "gic-version=3"))
    # Typed input arrives by the UART's interrupt; uptime by the tick.
    assert vm.run("echo through-gicv3").strip() == "through-gicv3"
    vm.run("usbwait 10000", timeout=30)
    assert "QEMU USB Keyboard" in vm.run("lsusb")
    log = tern_shell.plain(vm.output())
    assert "gic: GICv3" in log, log
    assert not re.search(r"(?i)polling|unclaimed", log), log


@pytest.mark.arm64
def test_ktest_all_passes(tern):
    out = tern.run("ktest all", timeout=120 * qemu.TIMEOUT_SCALE)
    passed, failed = tern_shell.summary(out)
    assert failed == 0, out
    assert passed >= 1, out
    # One line per test plus the summary.
    assert len([l for l in out.strip().split("\n") if l.strip()]) > passed, out


@pytest.mark.arm64
def test_ktest_unknown_name_is_an_error(tern):
    out = tern.run("ktest no_such_test")
    assert "no_such_test" in out, out
    assert not re.search(r"(?i)unknown command|command not found", out), out
    assert tern.run("echo still here").strip() == "still here"


@pytest.mark.arm64
def test_poweroff_exits_qemu_with_33(tern):
    tern.send_raw(b"poweroff\r")
    assert tern.exit_code() == qemu.EXIT_PASS


@pytest.mark.arm64
def test_autorun_ktest_all_then_poweroff(boot):
    vm = boot(cmdline='autorun="ktest all; poweroff"', wait_prompt=False)
    assert vm.exit_code(timeout=120 * qemu.TIMEOUT_SCALE) == qemu.EXIT_PASS
    passed, failed = tern_shell.summary(vm.output())
    assert failed == 0 and passed >= 1


@pytest.mark.arm64
def test_failing_ktest_from_autorun_exits_with_35(boot):
    vm = boot(cmdline='autorun="ktest no_such_test; echo not reached"',
              wait_prompt=False)
    assert vm.exit_code(timeout=60 * qemu.TIMEOUT_SCALE) == qemu.EXIT_FAIL
    out = tern_shell.plain(vm.output())
    assert not re.search(r"(?m)^not reached$", out), out


@pytest.mark.arm64
def test_autorun_runs_commands_in_order(boot):
    # The comma checks that qemu.py escapes it for -fw_cfg.
    vm = boot(cmdline='autorun="echo one, two; echo three"', wait_prompt=False)
    vm.wait_for(re.compile(r"(?m)^one, two\r?$"))
    vm.wait_for(re.compile(r"(?m)^three\r?$"))
    vm.wait_prompt()
    assert vm.run("echo after").strip() == "after"


@pytest.mark.arm64
def test_quiet_keeps_info_messages_off_the_console_but_in_dmesg(boot):
    vm = boot(cmdline="quiet")
    before_prompt = tern_shell.plain(vm.output()[:vm.match_start])
    assert len(BANNER.findall(before_prompt)) == 1, before_prompt
    assert not qemu.KERNEL_LOG_LINE.search(before_prompt), before_prompt
    dmesg = vm.run("dmesg")
    assert qemu.KERNEL_LOG_LINE.search(dmesg), dmesg


@pytest.mark.arm64
@pytest.mark.parametrize("level", [7, 3])
def test_loglevel_option_sets_the_console_level(boot, level):
    vm = boot(cmdline="loglevel=%d" % level)
    out = vm.run("loglevel")
    assert tern_shell.numbers(out)[:1] == (level,), out


@pytest.mark.arm64
def test_bad_loglevel_option_is_reported(boot):
    vm = boot(cmdline="loglevel=loud")
    assert "loglevel=loud" in tern_shell.plain(vm.output())


@pytest.mark.arm64
def test_reboot_comes_back_to_the_prompt(boot):
    vm = boot(no_reboot=False)
    vm.send_raw(b"reboot\r")
    index, event = vm.wait_event("RESET")
    assert event["data"]["guest"] is True
    vm.wait_prompt()
    assert vm.run("echo back").strip() == "back"
    assert len(BANNER.findall(tern_shell.plain(vm.output()))) == 2


def _report_after(vm, command):
    """Sends command and returns the exception report it caused, once the
    kernel shows it is done (prompt back, or panic/halt)."""
    start = vm.pos
    vm.send_raw(command.encode() + b"\r")
    vm.wait_for(re.compile(r"Backtrace:(?:.*\n)+?.*(?:tern> |panic|halt)",
                           re.IGNORECASE), timeout=30)
    return tern_shell.plain(vm.output(start))


def _frames(report):
    return re.findall(r"#\s*\d+\s+0x[0-9a-fA-F]+\s+(\S+)", report)


def _assert_usable_or_halted_cleanly(vm):
    """After a fatal report the machine either still answers commands or
    halts: it must neither reset (QEMU -no-reboot would exit 0) nor loop
    printing."""
    if qemu.PROMPT in vm.output(vm.match_start):
        assert vm.run("echo alive").strip() == "alive"
        return
    assert vm.wait_quiet(timeout=10 * qemu.TIMEOUT_SCALE), \
        "output keeps growing\n" + vm.diagnostics()
    if vm.proc.poll() is not None:
        assert vm.proc.returncode == qemu.EXIT_FAIL, vm.diagnostics()
    log = tern_shell.plain(vm.output())
    assert len(BANNER.findall(log)) == 1, "the machine restarted\n" + log


# How each architecture names a fault on an unmapped page and the
# undefined-instruction exception.
PAGE_FAULT = {"x86_64": r"(?i)page fault[^\n]*0x[0-9a-fA-F]{8,}[^\n]*not.present",
              "arm64": r"(?i)data abort at address 0x[0-9a-fA-F]{8,}: translation fault"}
UNDEFINED = {"x86_64": (r"(?i)invalid opcode", r"RIP=?\s*[0-9a-fA-Fx]{8,}"),
             "arm64": (r"(?i)undefined instruction", r"PC\s*=?\s*[0-9a-fA-Fx]{8,}")}


@pytest.mark.arm64
def test_crash_pf_prints_decoded_page_fault(tern, arch):
    report = _report_after(tern, "crash pf")
    assert re.search(PAGE_FAULT[arch], report), report
    assert re.search(r"(?i)\b(read|write)\b", report), report
    assert re.search(r"(?i)\bkernel\b", report), report
    frames = _frames(report)
    assert any("crash" in f for f in frames), report
    assert len(frames) >= 2, report
    _assert_usable_or_halted_cleanly(tern)


@pytest.mark.arm64
def test_crash_ud_prints_invalid_opcode(tern, arch):
    report = _report_after(tern, "crash ud")
    name, pc = UNDEFINED[arch]
    assert re.search(name, report), report
    assert re.search(pc, report), report
    assert any("crash" in f for f in _frames(report)), report
    _assert_usable_or_halted_cleanly(tern)


# A kernel stack overflow: x86 cannot push the page fault's frame on the
# full stack (#DF on the IST stack); arm64 takes every exception on its
# own stack, so the data abort itself names the guard page.
STACK_OVERFLOW = {"x86_64": r"(?i)double fault",
                  "arm64": r"(?i)data abort.*\n.*stack guard page: kernel stack overflow"}


@pytest.mark.arm64
def test_crash_df_prints_double_fault(tern, arch):
    report = _report_after(tern, "crash df")
    assert re.search(STACK_OVERFLOW[arch], report), report
    assert "recursive fault" not in report, report
    # Reported from the exception stack, so the overflowed one can be walked.
    assert any("crash" in f for f in _frames(report)), report
    _assert_usable_or_halted_cleanly(tern)


# crash gp reads a non-canonical address: x86 raises #GP, arm64 finds no
# translation (the address is in neither half). crash wp writes text.
OTHER_KINDS = {
    "gp": {"x86_64": r"(?i)general protection",
           "arm64": r"(?i)data abort at address 0x8000000000000000: translation fault"},
    "wp": {"x86_64": r"(?i)page fault[^\n]*protection violation[^\n]*write",
           "arm64": r"(?i)data abort at address[^\n]*permission fault[^\n]*write"},
}


@pytest.mark.arm64
@pytest.mark.parametrize("kind", sorted(OTHER_KINDS))
def test_crash_other_kinds_are_decoded(tern, arch, kind):
    report = _report_after(tern, "crash " + kind)
    assert re.search(OTHER_KINDS[kind][arch], report), report
    assert any("crash" in f for f in _frames(report)), report
    _assert_usable_or_halted_cleanly(tern)


@pytest.mark.arm64
def test_panic_exit_option_makes_a_fault_exit_qemu_with_35(boot, arch):
    vm = boot(cmdline="panic=exit")
    vm.send_raw(b"crash pf\r")
    assert vm.exit_code() == qemu.EXIT_FAIL
    assert re.search(PAGE_FAULT[arch], tern_shell.plain(vm.output()))


@pytest.mark.arm64
def test_crash_without_argument_is_an_error(tern):
    out = tern.run("crash")
    assert re.search(r"(?i)usage|pf|argument", out), out
    assert tern.run("crash bogus") != ""
    assert tern.run("echo alive").strip() == "alive"


@pytest.mark.arm64
@pytest.mark.parametrize("usb", sorted(qemu.USB_PRESETS))
def test_boots_with_every_usb_topology(boot, arch, usb):
    if arch == "arm64" and qemu.USB_PRESETS[usb].machine.endswith("usb=on"):
        pytest.skip("the controllers come with q35; virt has none of its own")
    vm = boot(usb=usb, mem="256M")
    assert vm.run("echo up").strip() == "up"
    # QEMU holds every device the preset asks for (plus any hubs it inserts
    # by itself); later USB tests compare these against lsusb.
    wanted = qemu.USB_PRESETS[usb].usb_device_ids()
    present = {d["id"] for d in vm.info_usb() if d["id"]}
    assert present == wanted, (present, wanted)
    assert usb in ("none", "ich9") or wanted
    vm.send_raw(b"poweroff\r")
    assert vm.exit_code() == qemu.EXIT_PASS
