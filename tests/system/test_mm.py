"""System tests for the memory managers (issue 3), booted with -m 6G so
there is RAM above 4 GiB: meminfo's figures add up, memtest finds nothing
and leaks nothing, vmmap shows a W^X kernel, a write to kernel text is a
decoded protection fault, and membench prints its baseline ratios."""

import re

import pytest

import qemu
import tern_shell

KIB = 1024


def _kib(pattern, text):
    found = re.search(pattern, tern_shell.plain(text))
    assert found, "%r not found in:\n%s" % (pattern, text)
    return [int(g) for g in found.groups()]


def _zone_free(meminfo):
    """{zone: (managed KiB, free KiB)} from meminfo's zone table."""
    zones = {}
    for name, managed, free in re.findall(
            r"(?m)^\s+(ISA|DMA32|HIGH)\s+[0-9a-f]+-[0-9a-f]+\s+(\d+)\s+(\d+)$",
            tern_shell.plain(meminfo)):
        zones[name] = (int(managed), int(free))
    assert set(zones) == {"ISA", "DMA32", "HIGH"}, meminfo
    return zones


@pytest.mark.arm64
def test_meminfo_free_memory_is_usable_minus_held(boot):
    vm = boot(mem="6G")
    out = vm.run("meminfo")
    free, usable, held = _kib(r"Free (\d+) KiB = usable (\d+) - held (\d+) KiB", out)
    assert free == usable - held, out
    zones = _zone_free(out)
    assert sum(f for _, f in zones.values()) == free, out
    assert zones["HIGH"][0] > 2 * 1024 * 1024, out  # > 2 GiB above 4 GiB
    # The kernel holds little: image, frame table (16 bytes a page), tables.
    assert held < usable // 100, out
    total = tern_shell.usable_total(out)
    assert total >= 6 * 1024 * KIB * KIB * 99 // 100, out


@pytest.mark.arm64
def test_memtest_million_ops_has_no_violation_and_no_leak(boot):
    vm = boot(mem="6G")
    out = vm.run("memtest 1000000 12345", timeout=600 * qemu.TIMEOUT_SCALE)
    assert re.search(r"\b0 violations\b", out), out
    assert re.search(r"\d+ ops/s", out), out
    zones = re.findall(r"zone (\w+)\s+free before\s+(\d+) KiB, after\s+(\d+) KiB",
                       tern_shell.plain(out))
    assert len(zones) == 3, out
    for name, before, after in zones:
        assert before == after, "zone %s leaked:\n%s" % (name, out)
    # and meminfo agrees afterwards
    assert vm.run("echo alive").strip() == "alive"


@pytest.mark.arm64
def test_memtest_rejects_bogus_arguments(tern):
    out = tern.run("memtest lots")
    assert "lots" in out and "usage" in out, out


@pytest.mark.arm64
def test_vmmap_shows_a_write_xor_execute_kernel(boot):
    vm = boot(mem="6G")
    out = tern_shell.plain(vm.run("vmmap"))
    lines = [l for l in out.split("\n") if re.match(r"\s+ffff", l)]
    assert lines, out
    assert not any(" rwx " in l for l in lines), out
    image = [l for l in lines if l.endswith("kernel image")]
    assert any(" r-x " in l for l in image), out
    assert any(" rw- " in l for l in image), out
    direct = [l for l in lines if l.endswith("direct map")]
    assert all(" r-x " not in l for l in direct), out
    # the direct map reaches the top of RAM (7 GiB with QEMU's 3+3 split)
    ends = [int(re.match(r"\s+ffff([0-9a-f]+)-ffff([0-9a-f]+)", l).group(2), 16)
            for l in direct]
    assert max(ends) + 1 >= 6 << 30, out
    assert not any(re.match(r"\s+0000", l) for l in out.split("\n")), out


# A write to a present read-only page, as each architecture decodes it.
WRITE_PROTECTED = {"x86_64": r"(?i)page fault[^\n]*protection violation, write",
                   "arm64": r"(?i)data abort at address[^\n]*permission fault[^\n]*write"}


@pytest.mark.arm64
def test_write_to_kernel_text_is_a_decoded_protection_fault(boot, arch):
    vm = boot(cmdline="panic=exit")
    vm.send_raw(b"crash wp\r")
    assert vm.exit_code() == qemu.EXIT_FAIL
    out = tern_shell.plain(vm.output())
    assert re.search(WRITE_PROTECTED[arch], out), out


def test_membench_prints_ratios_against_baselines(tern):
    out = tern_shell.plain(tern.run("membench", timeout=300 * qemu.TIMEOUT_SCALE))
    rows = re.findall(r"(pmm order|kmalloc)\s+(\d+)\s+[\d.]+ ns/op\s+(bitmap|first-fit)"
                      r"\s+[\d.]+ ns/op\s+\d+\.\d{3}x", out)
    assert [(k, int(n)) for k, n, _ in rows] == [
        ("pmm order", 0), ("pmm order", 3), ("pmm order", 9),
        ("kmalloc", 32), ("kmalloc", 256), ("kmalloc", 2048)], out
