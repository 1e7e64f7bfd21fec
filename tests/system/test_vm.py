"""System tests for lazy kernel memory (issue 16): `vmtest` at a million
operations finds no violation and leaves the PMM where it found it, the
lazy-memory ktests pass (including the re-entry reports, which must appear
once each and let the shell carry on), and vmmap/meminfo show the vmap
ranges and the lazy totals."""

import re

import pytest

import qemu
import tern_shell

VM_KTESTS = (
    "vm_first_touch_is_zero_even_over_dirtied_frames",
    "vm_fault_around_maps_exactly_the_window",
    "vm_fault_inside_the_allocator_is_reported_not_looped",
    "vm_fault_inside_the_fault_path_is_reported_not_looped",
    "vm_out_of_memory_in_a_fault_is_reported_with_its_range",
    "vm_thousands_of_ioremaps_and_stacks_at_once",
)


@pytest.mark.arm64
def test_vmtest_million_ops_has_no_violation_and_no_leak(tern):
    out = tern.run("vmtest 1000000 12345", timeout=600 * qemu.TIMEOUT_SCALE)
    plain = tern_shell.plain(out)
    assert re.search(r"^vmtest: 0 violations$", plain, re.M), out
    assert "back to baseline" in plain, out
    faults = re.search(r"(\d+) faults \+ (\d+) pages by fault-around", plain)
    assert faults and int(faults.group(1)) > 1000 and int(faults.group(2)) > 1000, out
    meminfo = tern_shell.plain(tern.run("meminfo"))
    assert re.search(r"vmalloc lazy: 0 ranges, 0 KiB reserved, 0 KiB mapped; [1-9]\d* faults",
                     meminfo), meminfo


@pytest.mark.arm64
def test_vmtest_rejects_bogus_arguments(tern):
    assert "usage: vmtest" in tern.run("vmtest lots")
    assert "usage: vmtest" in tern.run("vmtest 10 0")


@pytest.mark.arm64
def test_vm_ktests_pass_and_report_each_refusal_once(tern):
    out = "".join(tern.run("ktest " + name, timeout=120 * qemu.TIMEOUT_SCALE)
                  for name in VM_KTESTS)  # one by one: the line editor's limit
    plain = tern_shell.plain(out)
    assert plain.count("ktest: 1 passed, 0 failed") == len(VM_KTESTS), out
    assert plain.count("page fault inside the allocator at touch_inside_allocator") == 1, out
    assert plain.count("page fault inside the page-fault path at touch_inside_allocator"
                       "+0x") == 1, out
    assert plain.count("allocator re-entered from touch_inside_allocator") == 2, out
    assert plain.count("out of memory in the page-fault path") == 1, out
    assert "recursive fault" not in plain, out
    assert tern.run("echo alive").strip() == "alive"


@pytest.mark.arm64
def test_vmmap_lists_vmap_ranges_and_meminfo_lazy_totals(tern):
    vmmap = tern_shell.plain(tern.run("vmmap"))
    assert re.search(r"vmap ranges \(reserved pages, mapped pages, kind", vmmap), vmmap
    assert re.search(r"ffffc[0-9a-f]{11}-ffffc[0-9a-f]{11}\s+1 pages\s+1 mapped\s+ioremap",
                     vmmap), vmmap  # the VGA text buffer
    meminfo = tern_shell.plain(tern.run("meminfo"))
    assert re.search(r"vmap area: \d+ ranges, \d+ KiB", meminfo), meminfo
    assert re.search(r"vmalloc lazy: .* \(window 16\)", meminfo), meminfo
