/*
 * libFuzzer harness for the arm64 device-tree boot-info module
 * (kernel/arch/arm64/fdt_*.c) over DTB bytes, parsed from a heap buffer of
 * exactly the input's size (ASan flags any read past it). The seeds in
 * tests/fuzz/corpus/fuzz_fdt are QEMU virt trees (default, gic-version=3,
 * highmem=off) without the virtio-mmio and other nodes Tern does not read,
 * recompiled with dtc. Parsed results are checked for consistency and the
 * INTx router is run over paths taken from the input.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/fdt_platform.h"

#define FDT_PHYS 0x40000000ull
#define HDR_TOTALSIZE 4
#define HDR_BOOT_CPUID 28 /* read by nothing here: a free flag byte */

static struct boot_info bi;
static struct fdt_platform plat;

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void check_parsed(size_t size)
{
	check(bi.mmap_count >= 1 && bi.mmap_count <= BOOT_MMAP_MAX);
	check(bi.reserved_count >= 1 && bi.reserved_count <= BOOT_RESERVED_MAX);
	check(bi.reserved[0].base == FDT_PHYS && bi.reserved[0].len <= size);
	for (unsigned i = 0; i < bi.mmap_count; i++)
		check(bi.mmap[i].len > 0 && bi.mmap[i].len <= UINT64_MAX - bi.mmap[i].base);
	check(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
	check(memchr(plat.model, 0, sizeof(plat.model)) != NULL);
	check(plat.uart.present && plat.timer.present && plat.gic.version != FDT_GIC_NONE);
	check(plat.uart.intid >= 16 && plat.uart.intid < 1020);
	const struct fdt_pci_host *pci = &plat.pci;
	check(!pci->present || pci->bus_start <= pci->bus_end);
	check(pci->irq_map_count <= FDT_PCI_IRQ_MAP_MAX);
}

/* Routes INTx for a path of up to three hops built from the input's
 * last bytes; the answer is an error or a GIC INTID. */
static void fuzz_intx(const uint8_t *data, size_t size)
{
	struct fdt_pci_bdf path[3];
	unsigned count = size ? 1 + data[size - 1] % 3 : 1;

	for (unsigned i = 0; i < count; i++) {
		uint8_t b = size > i + 1 ? data[size - 2 - i] : 0;
		path[i] = (struct fdt_pci_bdf){ (uint8_t)i, (uint8_t)(b % 33), (uint8_t)(b / 33 % 9) };
	}
	int intid = fdt_pci_intx(&plat, path, count, size ? data[0] % 6 : 1);
	check(intid == -1 || (intid >= 16 && intid < 1020));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fdt = malloc(size ? size : 1);
	memcpy(fdt, data, size);
	/* An odd boot_cpuid byte makes totalsize match the input, so inputs
	 * whose length the fuzzer changed still reach the structure checks. */
	if (size > HDR_BOOT_CPUID + 3 && (fdt[HDR_BOOT_CPUID + 3] & 1)) {
		uint32_t total = (uint32_t)size;
		for (int i = 0; i < 4; i++)
			fdt[HDR_TOTALSIZE + i] = (uint8_t)(total >> (24 - 8 * i));
	}
	if (fdt_bootinfo_parse(fdt, FDT_PHYS, size, &bi, &plat)) {
		check_parsed(size);
		fdt_platform_print(&plat);
	}
	fuzz_intx(data, size);
	free(fdt);
	return 0;
}
