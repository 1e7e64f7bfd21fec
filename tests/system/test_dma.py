"""System tests for the DMA pool (issue 4), booted with -m 6G so there is RAM
above 4 GiB: dmatest ends with 0 violations and the PMM's free memory back
where it started, every misuse case is refused with the pool and the caller
named, dmastat shows the USB drivers' pools with metadata at most 2%, and
dmabench prints its ratios."""

import re

import qemu
import tern_shell


def test_dmatest_has_no_violation_and_gives_all_memory_back(boot):
    vm = boot(mem="6G")
    out = vm.run("dmatest 300000 4242", timeout=600 * qemu.TIMEOUT_SCALE)
    text = tern_shell.plain(out)
    assert re.search(r"(?m)^dmatest: 0 violations$", text), out
    before, after = re.search(
        r"PMM free memory before (\d+) KiB, after (\d+) KiB", text).groups()
    assert before == after, out
    assert re.search(r"\d+ ops/s", text), out
    # every misuse case, refused with the pool and the caller named
    for reason in ("interior or misaligned pointer",
                   "pointer belongs to pool dmatest_ehci",
                   "pointer is not from this pool",
                   "double free"):
        assert re.search(r"dma pool dmatest_uhci: dma_pool_free\(0x[0-9a-f]+\) "
                         r"refused: %s[^;]*; caller cmd_dmatest\+0x" % re.escape(reason),
                         text), reason + "\n" + out
    assert re.search(r"dmatest_poison: chunk phys 0x[0-9a-f]+ \(32 bytes\) was "
                     r"written after free", text), out
    assert vm.run("echo alive").strip() == "alive"


def test_dmatest_rejects_bogus_arguments(tern):
    out = tern.run("dmatest lots")
    assert "usage: dmatest [ops] [seed]" in out, out


def test_dmastat_lists_the_usb_pools_with_metadata(boot):
    vm = boot(usb="default")
    vm.run("usbwait", timeout=120 * qemu.TIMEOUT_SCALE)
    out = tern_shell.plain(vm.run("dmastat"))
    assert re.search(r"(?m)^pool ehci0: \d+ regions of \d+ KiB", out), out
    assert re.search(r"(?m)^pool uhci [0-9a-f:.]+: \d+ regions of", out), out
    # issue 4: metadata at most 2% of managed memory, for every pool
    shares = re.findall(r"metadata \d+ bytes = (\d+)\.(\d\d)% of managed", out)
    assert len(shares) == len(re.findall(r"(?m)^pool ", out)) >= 3, out
    assert all(int(whole) * 100 + int(frac) <= 200 for whole, frac in shares), out
    assert re.search(r"(?m)^\s+size\s+live\s+peak\s+splits\s+merges\s+failed$",
                     out), out


def test_dmabench_prints_both_workloads(boot):
    vm = boot(mem="2G")
    out = tern_shell.plain(vm.run("dmabench", timeout=900 * qemu.TIMEOUT_SCALE))
    assert re.search(r"sum of ns/op\s+\|\s+[\d.]+\s+[\d.]+\s+\d+\.\d\d", out), out
    assert re.search(r"floor: a call taking the same IRQ-safe lock around one store: "
                     r"\d+\.\d\d ns", out), out
    assert len(re.findall(r"(?m)^\s+(1|64|4096)\s+(32 hot|all)\s", out)) == 6, out
