/*
 * The arm64 device-tree boot-info module (kernel/arch/arm64/fdt_*.c) over
 * DTBs QEMU's virt machine dumped at build time (see the .mk): default,
 * highmem=off, gic-version=3 with 4 GiB, and USB controllers on the gpex
 * bus. Expected values are the facts in the project's arm64-virt notes.
 * Then broken trees, made from the real one with libfdt's write functions
 * or by editing bytes: each must be refused with a message naming the
 * problem. Every parse reads a heap copy of exactly max_len bytes, so ASan
 * catches a read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "arch/fdt_platform.h"
#include "harness.h"
#include "rand.h"
#include "seams/seams.h"

#define DTB_PHYS 0x40000000ull
#define QEMU_DTB_BYTES 0x100000 /* QEMU pads the tree to 1 MiB */

static struct boot_info bi;
static struct fdt_platform plat;

struct dtb {
	uint8_t *p;
	size_t len;
};

static struct dtb load(const char *name)
{
	char path[256];
	struct dtb d = { 0 };

	snprintf(path, sizeof(path), "%s/%s", FDT_DTB_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  cannot open %s (make builds it with QEMU)\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	d.len = (size_t)ftell(f);
	rewind(f);
	d.p = malloc(d.len);
	if (fread(d.p, 1, d.len, f) != d.len)
		d.len = 0;
	fclose(f);
	return d;
}

/* Parses a heap copy of the first max_len bytes of d. */
static bool parse_len(const struct dtb *d, size_t max_len)
{
	uint8_t *copy = malloc(max_len ? max_len : 1);
	memcpy(copy, d->p, MIN(max_len, d->len));
	seam_log_clear();
	bool ok = fdt_bootinfo_parse(copy, DTB_PHYS, max_len, &bi, &plat);
	free(copy);
	return ok;
}

static bool parse(const struct dtb *d)
{
	return parse_len(d, d->len);
}

/* A parse that must fail with a message containing `why`, leaving the
 * outputs zeroed. */
static void check_refused(const struct dtb *d, const char *why)
{
	memset(&plat, 0xa5, sizeof(plat));
	CHECK(!parse(d));
	if (!seam_log_contains(why))
		fprintf(stderr, "  wanted \"%s\", log: %s", why, seam_log());
	CHECK(seam_log_contains(why));
	CHECK_EQ(bi.mmap_count, 0);
	CHECK_EQ(plat.uart.present, 0);
	CHECK_EQ(plat.pci.present, 0);
}

/* A QEMU tree that must parse. */
static struct dtb parsed(const char *name)
{
	struct dtb d = load(name);
	CHECK(parse(&d));
	return d;
}

static int node(const struct dtb *d, const char *path)
{
	int off = fdt_path_offset(d->p, path);
	CHECK(off >= 0);
	return off;
}

static int pcie(const struct dtb *d)
{
	int off = fdt_node_offset_by_compatible(d->p, -1, "pci-host-ecam-generic");
	CHECK(off >= 0);
	return off;
}

static void free_dtb(struct dtb *d)
{
	free(d->p);
	d->p = NULL;
}

/* --- QEMU's trees ------------------------------------------------------- */

TEST(virt_memory_reserved_and_bootargs)
{
	struct dtb d = parsed("virt.dtb");
	CHECK_EQ(bi.mmap_count, 1);
	CHECK_EQ(bi.mmap[0].base, 0x40000000);
	CHECK_EQ(bi.mmap[0].len, 512 * MiB);
	CHECK_EQ(bi.mmap[0].type, MEM_USABLE);
	/* QEMU neither reserves the DTB nor has /reserved-memory. */
	CHECK_EQ(bi.reserved_count, 1);
	CHECK_EQ(bi.reserved[0].base, DTB_PHYS);
	CHECK_EQ(bi.reserved[0].len, QEMU_DTB_BYTES);
	CHECK(strcmp(bi.cmdline, "console=ttyAMA0 autorun=lsusb") == 0);
	CHECK(strcmp(plat.model, "linux,dummy-virt") == 0);
	free_dtb(&d);
}

TEST(virt_uart_gic_timer)
{
	struct dtb d = parsed("virt.dtb");
	CHECK(plat.uart.present);
	CHECK_EQ(plat.uart.regs.base, 0x09000000);
	CHECK_EQ(plat.uart.regs.size, 0x1000);
	CHECK_EQ(plat.uart.intid, 33);
	CHECK_EQ(plat.gic.version, FDT_GIC_V2);
	CHECK_EQ(plat.gic.dist.base, 0x08000000);
	CHECK_EQ(plat.gic.dist.size, 0x10000);
	CHECK_EQ(plat.gic.cpu.base, 0x08010000);
	CHECK_EQ(plat.gic.cpu.size, 0x10000);
	CHECK_EQ(plat.gic.redist.size, 0);
	CHECK(plat.timer.present);
	CHECK_EQ(plat.timer.intid[FDT_TIMER_SEC_PHYS], 29);
	CHECK_EQ(plat.timer.intid[FDT_TIMER_PHYS], 30);
	CHECK_EQ(plat.timer.intid[FDT_TIMER_VIRT], 27);
	CHECK_EQ(plat.timer.intid[FDT_TIMER_HYP], 26);
	free_dtb(&d);
}

TEST(virt_pcie_host_windows)
{
	struct dtb d = parsed("virt.dtb");
	const struct fdt_pci_host *pci = &plat.pci;
	CHECK(pci->present);
	CHECK_EQ(pci->ecam.base, 0x4010000000);
	CHECK_EQ(pci->ecam.size, 256 * MiB);
	CHECK_EQ(pci->bus_start, 0);
	CHECK_EQ(pci->bus_end, 255);
	CHECK_EQ(pci->io.pci_addr, 0);
	CHECK_EQ(pci->io.cpu_addr, 0x3eff0000);
	CHECK_EQ(pci->io.size, 64 * KiB);
	CHECK_EQ(pci->mem32.pci_addr, 0x10000000);
	CHECK_EQ(pci->mem32.cpu_addr, 0x10000000);
	CHECK_EQ(pci->mem32.size, 0x2eff0000);
	CHECK_EQ(pci->mem32.prefetchable, 0);
	CHECK_EQ(pci->mem64.pci_addr, 0x8000000000);
	CHECK_EQ(pci->mem64.cpu_addr, 0x8000000000);
	CHECK_EQ(pci->mem64.size, 512 * GiB);
	CHECK_EQ(pci->irq_mask_phys_hi, 0x1800);
	CHECK_EQ(pci->irq_mask_pin, 7);
	CHECK_EQ(pci->irq_map_count, 16);
	free_dtb(&d);
}

static int intx(unsigned dev, unsigned pin)
{
	const struct fdt_pci_bdf f = { 0, (uint8_t)dev, 0 };
	return fdt_pci_intx(&plat, &f, 1, pin);
}

TEST(virt_intx_follows_device_mod_4_and_pin)
{
	struct dtb d = parsed("virt.dtb");
	/* gpex: device d pin p (1-based) -> SPI 3 + (d + p - 1) % 4. */
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned pin = 1; pin <= 4; pin++)
			CHECK_EQ(intx(dev, pin), 32 + 3 + (int)((dev + pin - 1) % 4));
	const struct fdt_pci_bdf fn7 = { 0, 2, 7 };
	CHECK_EQ(fdt_pci_intx(&plat, &fn7, 1, 1), 32 + 5); /* function bits are masked */
	free_dtb(&d);
}

TEST(virt_intx_swizzles_through_bridges)
{
	struct dtb d = parsed("virt.dtb");
	/* 01:05.0 INTA behind the bridge at 00:02.0: arrives as INTB (5 % 4
	 * = 1 step), and device 2 INTB is SPI 3 + (2 + 1) % 4 = 6. */
	const struct fdt_pci_bdf one[] = { { 0, 2, 0 }, { 1, 5, 0 } };
	CHECK_EQ(fdt_pci_intx(&plat, one, 2, 1), 32 + 6);
	/* Two bridges: 02:03.0 INTC behind 01:01.0 behind 00:01.0:
	 * C +3 -> B, +1 -> C; device 1 INTC = SPI 3 + (1 + 2) % 4 = 6. */
	const struct fdt_pci_bdf two[] = { { 0, 1, 0 }, { 1, 1, 0 }, { 2, 3, 0 } };
	CHECK_EQ(fdt_pci_intx(&plat, two, 3, 3), 32 + 6);
	/* Device 0 and 4 behind a bridge do not move the pin. */
	const struct fdt_pci_bdf same[] = { { 0, 3, 0 }, { 1, 4, 0 } };
	CHECK_EQ(fdt_pci_intx(&plat, same, 2, 2), intx(3, 2));
	free_dtb(&d);
}

TEST(intx_refuses_bad_pins_and_paths)
{
	struct dtb d = parsed("virt-lowmem.dtb");
	CHECK_EQ(intx(1, 0), -1);
	CHECK(seam_log_contains("INTx"));
	CHECK_EQ(intx(1, 5), -1);
	CHECK_EQ(intx(32, 1), -1);
	const struct fdt_pci_bdf far_bus = { 16, 0, 0 }; /* highmem=off: buses 0-15 */
	CHECK_EQ(fdt_pci_intx(&plat, &far_bus, 1, 1), -1);
	CHECK(seam_log_contains("not the host's"));
	const struct fdt_pci_bdf path[FDT_PCI_PATH_MAX + 1] = { { 0 } };
	CHECK_EQ(fdt_pci_intx(&plat, path, 0, 1), -1);
	CHECK_EQ(fdt_pci_intx(&plat, path, FDT_PCI_PATH_MAX + 1, 1), -1);
	CHECK_EQ(fdt_pci_intx(&plat, NULL, 1, 1), -1);
	plat.pci.present = false;
	CHECK_EQ(intx(1, 1), -1);
	free_dtb(&d);
}

TEST(highmem_off_has_small_ecam_and_no_mem64)
{
	struct dtb d = parsed("virt-lowmem.dtb");
	CHECK_EQ(plat.pci.ecam.base, 0x3f000000);
	CHECK_EQ(plat.pci.ecam.size, 16 * MiB);
	CHECK_EQ(plat.pci.bus_start, 0);
	CHECK_EQ(plat.pci.bus_end, 15);
	CHECK_EQ(plat.pci.mem64.size, 0);
	CHECK_EQ(plat.pci.mem32.size, 0x2eff0000);
	CHECK_EQ(plat.pci.io.cpu_addr, 0x3eff0000);
	free_dtb(&d);
}

TEST(gicv3_has_redistributors_and_4g_of_ram)
{
	struct dtb d = parsed("virt-gicv3.dtb");
	CHECK_EQ(plat.gic.version, FDT_GIC_V3);
	CHECK_EQ(plat.gic.dist.base, 0x08000000);
	CHECK_EQ(plat.gic.redist.base, 0x080a0000);
	CHECK(plat.gic.redist.size >= 128 * KiB); /* one 2 x 64 KiB frame per CPU */
	CHECK_EQ(plat.gic.cpu.size, 0);
	CHECK_EQ(plat.uart.intid, 33);
	CHECK_EQ(bi.mmap_count, 1);
	CHECK_EQ(bi.mmap[0].len, 4 * GiB);
	free_dtb(&d);
}

TEST(usb_controllers_do_not_change_the_host)
{
	struct dtb d = parsed("virt-usb.dtb");
	CHECK(plat.pci.present);
	CHECK_EQ(plat.pci.ecam.base, 0x4010000000);
	CHECK_EQ(plat.pci.irq_map_count, 16);
	CHECK_EQ(intx(2, 1), 32 + 5);
	free_dtb(&d);
}

TEST(print_reports_what_was_found)
{
	struct dtb d = parsed("virt.dtb");
	seam_log_clear();
	fdt_platform_print(&plat);
	CHECK(seam_log_contains("0x9000000 + 0x1000"));
	CHECK(seam_log_contains("INTID 33"));
	CHECK(seam_log_contains("pci 0x0 -> cpu 0x3eff0000 + 0x10000"));
	CHECK(seam_log_contains("16 rows, mask 0x1800 pin 0x7"));
	free_dtb(&d);
}

/* --- trees edited with libfdt -------------------------------------------- */

/* A writable copy of a QEMU tree (libfdt's write functions need one in
 * their block order, which fdt_open_into makes). */
static struct dtb edited(const char *name)
{
	struct dtb src = load(name), d = { malloc(src.len), src.len };
	CHECK(fdt_open_into(src.p, d.p, (int)d.len) == 0);
	free_dtb(&src);
	return d;
}

TEST(reserved_ranges_from_memreserve_and_reserved_memory)
{
	struct dtb d = edited("virt.dtb");
	CHECK(fdt_add_mem_rsv(d.p, 0x41000000, 0x2000) == 0);
	int rm = fdt_add_subnode(d.p, 0, "reserved-memory");
	CHECK(rm >= 0);
	CHECK(fdt_setprop_u32(d.p, rm, "#address-cells", 2) == 0);
	CHECK(fdt_setprop_u32(d.p, rm, "#size-cells", 2) == 0);
	int fixed = fdt_add_subnode(d.p, rm, "secmon@42000000");
	fdt64_t reg[2] = { cpu_to_fdt64(0x42000000), cpu_to_fdt64(0x10000) };
	CHECK(fdt_setprop(d.p, fixed, "reg", reg, sizeof(reg)) == 0);
	int dynamic = fdt_add_subnode(d.p, rm, "pool");
	CHECK(fdt_setprop_u64(d.p, dynamic, "size", 0x100000) == 0);
	CHECK(parse(&d));
	CHECK_EQ(bi.reserved_count, 3);
	CHECK_EQ(bi.reserved[0].base, DTB_PHYS);
	CHECK_EQ(bi.reserved[1].base, 0x41000000);
	CHECK_EQ(bi.reserved[1].len, 0x2000);
	CHECK_EQ(bi.reserved[2].base, 0x42000000);
	CHECK_EQ(bi.reserved[2].len, 0x10000);
	free_dtb(&d);
}

static bool has_usable(uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < bi.mmap_count; i++)
		if (bi.mmap[i].base == base && bi.mmap[i].len == len &&
		    bi.mmap[i].type == MEM_USABLE)
			return true;
	return false;
}

TEST(several_memory_nodes_and_long_bootargs)
{
	struct dtb d = edited("virt.dtb");
	int mem = fdt_add_subnode(d.p, 0, "memory@100000000");
	fdt32_t reg[8] = { cpu_to_fdt32(1), 0, 0, cpu_to_fdt32(0x1000000),
			   cpu_to_fdt32(2), 0, 0, cpu_to_fdt32(0x2000000) };
	CHECK(fdt_setprop(d.p, mem, "reg", reg, sizeof(reg)) == 0);
	CHECK(fdt_setprop_string(d.p, mem, "device_type", "memory") == 0);
	char args[BOOT_CMDLINE_MAX + 100];
	memset(args, 'x', sizeof(args) - 1);
	args[sizeof(args) - 1] = '\0';
	CHECK(fdt_setprop_string(d.p, node(&d, "/chosen"), "bootargs", args) == 0);
	CHECK(parse(&d));
	CHECK_EQ(bi.mmap_count, 3);
	CHECK(has_usable(0x40000000, 512 * MiB));
	CHECK(has_usable(0x100000000, 16 * MiB));
	CHECK(has_usable(0x200000000, 32 * MiB));
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK(seam_log_contains("bootargs cut"));
	free_dtb(&d);
}

TEST(missing_nodes_are_refused)
{
	static const char *const paths[] = { "/memory@40000000", "/chosen", "/intc@8000000",
					     "/timer", "/pl011@9000000" };
	static const char *const why[] = { "no /memory", "no /chosen", "no GICv2",
					   "no arm,armv8-timer", "stdout-path names no node" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct dtb d = edited("virt.dtb");
		CHECK(fdt_del_node(d.p, node(&d, paths[i])) == 0);
		check_refused(&d, why[i]);
		free_dtb(&d);
	}
}

TEST(no_pcie_host_is_not_an_error)
{
	struct dtb d = edited("virt.dtb");
	CHECK(fdt_del_node(d.p, pcie(&d)) == 0);
	CHECK(parse(&d));
	CHECK(!plat.pci.present);
	CHECK_EQ(intx(1, 1), -1);
	free_dtb(&d);
}

TEST(absurd_cell_counts_are_refused)
{
	static const uint32_t bad[] = { 0, 3, 5, 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct dtb d = edited("virt.dtb");
		CHECK(fdt_setprop_u32(d.p, 0, i % 2 ? "#size-cells" : "#address-cells", bad[i]) == 0);
		check_refused(&d, "not in 1..2");
		free_dtb(&d);
	}
	struct dtb d = edited("virt.dtb");
	CHECK(fdt_setprop_u32(d.p, pcie(&d), "#address-cells", 2) == 0);
	check_refused(&d, "need 3, 2, 1");
	free_dtb(&d);
	d = edited("virt.dtb");
	CHECK(fdt_setprop_u32(d.p, node(&d, "/intc@8000000"), "#interrupt-cells", 2) == 0);
	check_refused(&d, "#interrupt-cells 2");
	free_dtb(&d);
}

/* Sets a property to its first `bytes` bytes. */
static void shorten(struct dtb *d, int off, const char *name, int bytes)
{
	int len;
	const void *p = fdt_getprop(d->p, off, name, &len);
	CHECK(p && len >= bytes);
	uint8_t copy[1024];
	memcpy(copy, p, (size_t)bytes);
	CHECK(fdt_setprop(d->p, off, name, copy, bytes) == 0);
}

TEST(short_properties_are_refused)
{
	static const struct {
		const char *path; /* NULL: the PCIe host */
		const char *prop;
		int bytes;
		const char *why;
	} cases[] = {
		{ NULL, "interrupt-map", 14 * 4, "ends inside a row" },
		{ NULL, "interrupt-map", 8, "ends inside a row" },
		{ NULL, "interrupt-map-mask", 12, "not 4 cells" },
		{ NULL, "ranges", 20, "not a list of 28-byte windows" },
		{ NULL, "bus-range", 4, "bad bus-range" },
		{ NULL, "reg", 8, "reg has no entry 0" },
		{ "/memory@40000000", "reg", 12, "not a list of 16-byte ranges" },
		{ "/intc@8000000", "reg", 16, "reg has no entry 1" },
		{ "/timer", "interrupts", 44, "interrupts has no entry 3" },
		{ "/pl011@9000000", "interrupts", 8, "interrupts has no entry 0" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dtb d = edited("virt.dtb");
		int off = cases[i].path ? node(&d, cases[i].path) : pcie(&d);
		shorten(&d, off, cases[i].prop, cases[i].bytes);
		check_refused(&d, cases[i].why);
		free_dtb(&d);
	}
}

TEST(bad_values_are_refused)
{
	struct dtb d = edited("virt.dtb");
	fdt32_t spi[3] = { cpu_to_fdt32(0), cpu_to_fdt32(988), cpu_to_fdt32(4) };
	CHECK(fdt_setprop(d.p, node(&d, "/pl011@9000000"), "interrupts", spi, sizeof(spi)) == 0);
	check_refused(&d, "neither an SPI nor a PPI");
	free_dtb(&d);

	d = edited("virt.dtb");
	CHECK(fdt_setprop_string(d.p, node(&d, "/chosen"), "stdout-path", "/fw-cfg@9020000") == 0);
	check_refused(&d, "not an arm,pl011");
	free_dtb(&d);

	d = edited("virt.dtb");
	fdt32_t wrap[4] = { cpu_to_fdt32(0xffffffff), cpu_to_fdt32(0xfffff000), 0,
			    cpu_to_fdt32(0x2000) };
	CHECK(fdt_setprop(d.p, node(&d, "/memory@40000000"), "reg", wrap, sizeof(wrap)) == 0);
	check_refused(&d, "wraps");
	free_dtb(&d);

	d = edited("virt.dtb");
	fdt32_t buses[2] = { cpu_to_fdt32(5), cpu_to_fdt32(2) };
	CHECK(fdt_setprop(d.p, pcie(&d), "bus-range", buses, sizeof(buses)) == 0);
	check_refused(&d, "bad bus-range");
	free_dtb(&d);
}

TEST(interrupt_map_to_another_controller_is_refused)
{
	struct dtb d = edited("virt.dtb");
	int off = pcie(&d), len;
	const fdt32_t *map = fdt_getprop(d.p, off, "interrupt-map", &len);
	fdt32_t copy[256];
	memcpy(copy, map, (size_t)len);
	copy[4] = cpu_to_fdt32(0x8004); /* row 0's parent: the PL061 GPIO */
	CHECK(fdt_setprop(d.p, off, "interrupt-map", copy, len) == 0);
	check_refused(&d, "not the GIC");
	free_dtb(&d);
}

TEST(ecam_smaller_than_bus_range_limits_buses)
{
	struct dtb d = edited("virt.dtb");
	fdt32_t reg[4] = { cpu_to_fdt32(0x40), cpu_to_fdt32(0x10000000), 0,
			   cpu_to_fdt32(0x400000) };
	CHECK(fdt_setprop(d.p, pcie(&d), "reg", reg, sizeof(reg)) == 0);
	CHECK(parse(&d));
	CHECK_EQ(plat.pci.bus_end, 3);
	CHECK(seam_log_contains("ECAM covers 4 buses"));
	reg[3] = cpu_to_fdt32(0x1000);
	CHECK(fdt_setprop(d.p, pcie(&d), "reg", reg, sizeof(reg)) == 0);
	check_refused(&d, "holds no bus");
	free_dtb(&d);
}

/* --- broken bytes --------------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

TEST(broken_headers_are_refused)
{
	static const struct {
		size_t field; /* byte offset in struct fdt_header */
		uint32_t value;
		const char *why;
	} cases[] = {
		{ 0, 0xd00dfeee, "not a valid device tree" },  /* magic */
		{ 20, 1, "not a valid device tree" },          /* version */
		{ 24, 18, "not a valid device tree" },         /* last_comp_version */
		{ 8, 0x200000, "not a valid device tree" },    /* off_dt_struct */
		{ 12, 0xfffffff0, "not a valid device tree" }, /* off_dt_strings */
		{ 36, 0x100000, "not a valid device tree" },   /* size_dt_struct */
		{ 4, 0x200000, "exceeds" },                    /* totalsize */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dtb d = load("virt.dtb");
		put_be32(d.p + cases[i].field, cases[i].value);
		check_refused(&d, cases[i].why);
		free_dtb(&d);
	}
}

TEST(truncated_trees_are_refused)
{
	struct dtb d = load("virt.dtb");
	static const size_t lengths[] = { 0, 4, 39, 40, 1000, 7000, QEMU_DTB_BYTES - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
		CHECK(!parse_len(&d, lengths[i]));
		CHECK(seam_log_contains("fdt: "));
	}
	CHECK(!fdt_bootinfo_parse(NULL, 0, 4096, &bi, &plat));
	free_dtb(&d);
}

/* Random byte changes in the structure and strings blocks: most are
 * refused, some still parse; none may crash or read out of bounds. */
TEST(random_corruption_never_crashes)
{
	struct dtb d = load("virt.dtb");
	uint32_t end = fdt_off_dt_strings(d.p) + fdt_size_dt_strings(d.p);
	uint8_t *orig = malloc(end);
	memcpy(orig, d.p, end);
	put_be32(orig + 4, end); /* totalsize: drop QEMU's padding */
	uint64_t seed = 77;
	unsigned accepted = 0;
	for (int round = 0; round < 3000; round++) {
		memcpy(d.p, orig, end);
		for (int k = 0; k < 1 + round % 4; k++) {
			uint32_t at = fdt_off_dt_struct(d.p) +
				      (uint32_t)(rand_next(&seed) % (end - fdt_off_dt_struct(d.p)));
			d.p[at] = (uint8_t)rand_next(&seed);
		}
		accepted += parse_len(&d, end);
	}
	CHECK(accepted < 3000); /* the corruption did reach the parser */
	free(orig);
	free_dtb(&d);
}
