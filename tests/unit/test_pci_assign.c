/*
 * Host tests for kernel/pci_assign.c through pci_init() over the fake
 * config space, with windows like QEMU's arm64 `virt` (I/O at PCI 0,
 * 32-bit memory at 0x10000000, 64-bit at 0x80_0000_0000): the USB
 * controllers' BARs land naturally aligned in the right window, largest
 * first; a window that runs out disables only the device that did not fit;
 * bridges get bus numbers and forwarding windows; INTx pins are swizzled
 * up to the root bus and routed through the platform's callback.
 */
#include <string.h>

#include "fake_pci.h"
#include "harness.h"
#include "pci.h"
#include "seams.h"

#define IO_CPU 0x3eff0000ull
#define MEM32 0x10000000ull
#define MEM64 0x8000000000ull
#define GIC_SPI_BASE 35 /* virt's interrupt-map: INTA of slot 0 is SPI 3 */

static int route_calls;
static bool probed;

/* virt's interrupt-map: slot and pin rotate over SPIs 3-6. */
static int route(void *ctx, uint8_t dev, uint8_t pin)
{
	route_calls++;
	return ctx ? -1 : GIC_SPI_BASE + (dev + pin - 1) % 4;
}

static int probe_any(struct pci_dev *d)
{
	probed = true;
	return 0;
}

/* Class 0x11 (signal processing) is used by no other test. */
PCI_DRIVER(assign_test, .name = "assign-test", .class_code = 0x11, .subclass = 0x80,
	   .prog_if = -1, .order = 0, .probe = probe_any);

static void virt_host(uint64_t mem32_size)
{
	fake_pci_reset();
	fake_pci_needs_assignment = true;
	fake_pci_host = (struct pci_host){
		.bus_first = 0, .bus_last = 255,
		.io = { 0, IO_CPU, 0x10000 },
		.mem32 = { MEM32, MEM32, mem32_size },
		.mem64 = { MEM64, MEM64, 0x8000000000ull },
		.route_intx = route,
	};
	route_calls = 0;
	probed = false;
	seam_log_clear();
}

static uint8_t *add(uint8_t *behind, uint8_t dev, uint32_t class_rev, uint8_t header)
{
	uint8_t *cfg = behind ? fake_pci_add_behind(behind, dev, 0) : fake_pci_add(0, dev, 0);
	fake_pci_identify(cfg, 0x1b36, 0x0100 + dev, class_rev, header);
	cfg[0x3D] = header == 1 ? 0 : 1; /* INTA */
	return cfg;
}

static uint32_t cfg32(const uint8_t *cfg, int off)
{
	uint32_t v;
	memcpy(&v, cfg + off, 4);
	return v;
}

static uint16_t command(const uint8_t *cfg) { return (uint16_t)(cfg[4] | cfg[5] << 8); }

/* UHCI (I/O BAR4, 32 B), EHCI (memory BAR0, 4 KiB), xHCI (64-bit memory
 * BAR0, 16 KiB) and a display with a 64-bit prefetchable 16 MiB BAR. */
static uint8_t *usb_set[4];

static void add_usb_set(void)
{
	usb_set[0] = add(NULL, 1, 0x0c030000, 0);
	fake_pci_bar(usb_set[0], 4, 32, 1, 0);
	usb_set[1] = add(NULL, 2, 0x0c032000, 0);
	fake_pci_bar(usb_set[1], 0, 4096, 0, 0);
	usb_set[2] = add(NULL, 3, 0x0c033001, 0);
	fake_pci_bar(usb_set[2], 0, 16 * 1024, 4, 0);
	usb_set[3] = add(NULL, 4, 0x03000000, 0);
	fake_pci_bar(usb_set[3], 0, 16 << 20, 4 | 8, 0);
}

TEST(usb_bars_land_naturally_aligned_in_their_windows)
{
	virt_host(0x2eff0000);
	add_usb_set();
	pci_init();
	struct pci_dev *uhci = fake_pci_find(0, 1, 0), *ehci = fake_pci_find(0, 2, 0);
	struct pci_dev *xhci = fake_pci_find(0, 3, 0), *vga = fake_pci_find(0, 4, 0);
	CHECK(uhci && ehci && xhci && vga);
	if (!uhci || !ehci || !xhci || !vga)
		return;
	/* I/O: a port number for inb/outb, above the legacy range. */
	CHECK_EQ(uhci->bar[4].base, 0x1000);
	CHECK_EQ(cfg32(usb_set[0], 0x20), 0x1000 | 1);
	CHECK_EQ(command(usb_set[0]) & 3, PCI_CMD_IO);
	/* 32-bit window, largest first: xHCI's 16 KiB, then EHCI's 4 KiB. */
	CHECK_EQ(xhci->bar[0].base, MEM32);
	CHECK_EQ(cfg32(usb_set[2], 0x10), (uint32_t)MEM32 | 4);
	CHECK_EQ(cfg32(usb_set[2], 0x14), 0);
	CHECK_EQ(ehci->bar[0].base, MEM32 + 0x4000);
	CHECK_EQ(command(usb_set[1]) & 3, PCI_CMD_MEMORY);
	/* 64-bit prefetchable: the 64-bit window. */
	CHECK_EQ(vga->bar[0].base, MEM64);
	CHECK_EQ(cfg32(usb_set[3], 0x14), MEM64 >> 32);
	CHECK(!seam_log_contains("no room"));
}

TEST(memory_bars_are_cpu_addresses_when_the_bus_differs)
{
	virt_host(0x2eff0000);
	fake_pci_host.mem32.cpu_base = 0x40000000ull; /* bus 0x10000000 seen at 1 GiB */
	add_usb_set();
	pci_init();
	CHECK_EQ(fake_pci_find(0, 3, 0)->bar[0].base, 0x40000000ull);
	CHECK_EQ(cfg32(usb_set[2], 0x10), (uint32_t)MEM32 | 4);
}

TEST(without_a_64bit_window_prefetchable_bars_go_below_4g)
{
	virt_host(0x2eff0000);
	fake_pci_host.mem64.size = 0;
	add_usb_set();
	pci_init();
	CHECK_EQ(fake_pci_find(0, 4, 0)->bar[0].base, MEM32);
	CHECK_EQ(fake_pci_find(0, 3, 0)->bar[0].base, MEM32 + (16 << 20));
}

TEST(a_window_that_runs_out_disables_only_the_device_that_missed)
{
	virt_host(0x10000); /* 64 KiB */
	uint8_t *big = add(NULL, 1, 0x0c032000, 0);
	fake_pci_bar(big, 0, 0x10000, 0, 0);
	uint8_t *missed = add(NULL, 2, 0x11800000, 0);
	fake_pci_bar(missed, 0, 0x8000, 0, 0);
	fake_pci_put16(missed, 4, PCI_CMD_MEMORY); /* decoding must be turned off */
	uint8_t *io = add(NULL, 3, 0x0c030000, 0);
	fake_pci_bar(io, 4, 32, 1, 0);
	pci_init();
	CHECK_EQ(fake_pci_find(0, 1, 0)->bar[0].base, MEM32);
	CHECK(fake_pci_find(0, 2, 0)->disabled);
	CHECK_EQ(command(missed) & 3, 0);
	CHECK(!probed); /* no driver for a disabled device */
	CHECK(seam_log_contains("00:02.0: no room for BAR0 (32768 bytes) in the 32-bit "
				"memory window; device left disabled"));
	CHECK_EQ(fake_pci_find(0, 3, 0)->bar[4].base, 0x1000);
	CHECK_EQ(command(io) & 3, PCI_CMD_IO);
}

TEST(no_io_window_disables_io_devices_with_a_message)
{
	virt_host(0x2eff0000);
	fake_pci_host.io.size = 0;
	add_usb_set();
	pci_init();
	CHECK(fake_pci_find(0, 1, 0)->disabled);
	CHECK(seam_log_contains("00:01.0: no room for BAR4 (32 bytes) in the I/O window"));
	CHECK(!fake_pci_find(0, 2, 0)->disabled);
}

TEST(interrupts_are_routed_by_slot_and_pin)
{
	virt_host(0x2eff0000);
	add_usb_set();
	usb_set[1][0x3D] = 2; /* EHCI on INTB */
	pci_init();
	CHECK_EQ(fake_pci_find(0, 1, 0)->irq_line, GIC_SPI_BASE + 1);
	CHECK_EQ(fake_pci_find(0, 2, 0)->irq_line, GIC_SPI_BASE + 3);
	CHECK_EQ(usb_set[1][0x3C], GIC_SPI_BASE + 3);
	CHECK_EQ(route_calls, 4);
}

TEST(unrouted_interrupts_read_as_unknown)
{
	virt_host(0x2eff0000);
	fake_pci_host.route_ctx = &route_calls; /* route() refuses */
	add_usb_set();
	pci_init();
	CHECK_EQ(fake_pci_find(0, 1, 0)->irq_line, 0xFF);
}

/* 00:05.0 bridge -> bus 1: EHCI at 01:00.0, UHCI at 01:01.0 (INTB), and
 * bridge 01:02.0 -> bus 2: xHCI at 02:03.0. */
static uint8_t *bridge0, *bridge1, *behind[3];

static void add_bridges(void)
{
	bridge0 = add(NULL, 5, 0x06040000, 1);
	behind[0] = add(bridge0, 0, 0x0c032000, 0);
	fake_pci_bar(behind[0], 0, 4096, 0, 0);
	behind[1] = add(bridge0, 1, 0x0c030000, 0);
	fake_pci_bar(behind[1], 4, 32, 1, 0);
	behind[1][0x3D] = 2;
	bridge1 = add(bridge0, 2, 0x06040000, 1);
	behind[2] = add(bridge1, 3, 0x0c033001, 0);
	fake_pci_bar(behind[2], 0, 16 * 1024, 4, 0);
}

TEST(bridges_get_bus_numbers_depth_first)
{
	virt_host(0x2eff0000);
	add_bridges();
	pci_init();
	CHECK_EQ(cfg32(bridge0, 0x18) & 0xFFFFFF, 0x020100); /* primary 0, secondary 1, sub 2 */
	CHECK_EQ(cfg32(bridge1, 0x18) & 0xFFFFFF, 0x020201);
	CHECK(fake_pci_find(1, 0, 0) && fake_pci_find(1, 1, 0) && fake_pci_find(2, 3, 0));
	CHECK_EQ(pci_device_count(), 5);
}

TEST(bridges_forward_windows_covering_what_is_behind_them)
{
	virt_host(0x2eff0000);
	add_bridges();
	pci_init();
	/* Behind bridge0: 1 MiB for bridge1 (xHCI), then EHCI's 4 KiB. */
	CHECK_EQ(fake_pci_find(2, 3, 0)->bar[0].base, MEM32);
	CHECK_EQ(fake_pci_find(1, 0, 0)->bar[0].base, MEM32 + MiB);
	CHECK_EQ(cfg32(bridge0, 0x20), (uint32_t)((MEM32 + 2 * MiB - 1) >> 16 & 0xFFF0) << 16 |
					       (uint32_t)(MEM32 >> 16));
	CHECK_EQ(cfg32(bridge1, 0x20), (uint32_t)((MEM32 + MiB - 1) >> 16 & 0xFFF0) << 16 |
					       (uint32_t)(MEM32 >> 16));
	/* I/O: one 4 KiB granule at 0x1000 for UHCI; bridge1 forwards none. */
	CHECK_EQ(fake_pci_find(1, 1, 0)->bar[4].base, 0x1000);
	CHECK_EQ(bridge0[0x1C], 0x10);
	CHECK_EQ(bridge0[0x1D], 0x10);
	CHECK(bridge1[0x1C] > bridge1[0x1D]);
	/* No prefetchable memory anywhere: those windows stay closed. */
	CHECK(fake_pci_find(0, 5, 0) && cfg32(bridge0, 0x24) >> 16 < (cfg32(bridge0, 0x24) & 0xFFFF));
	CHECK_EQ(command(bridge0) & 7, PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER);
}

TEST(pins_behind_bridges_are_swizzled_to_the_root_slot)
{
	virt_host(0x2eff0000);
	add_bridges();
	pci_init();
	/* 01:00.0 INTA -> root slot 5 INTA; 01:01.0 INTB -> slot 5 INTC;
	 * 02:03.0 INTA -> INTD at bridge1 (slot 2 on bus 1) -> slot 5 INTB. */
	CHECK_EQ(fake_pci_find(1, 0, 0)->irq_line, GIC_SPI_BASE + (5 + 0) % 4);
	CHECK_EQ(fake_pci_find(1, 1, 0)->irq_line, GIC_SPI_BASE + (5 + 2) % 4);
	CHECK_EQ(fake_pci_find(2, 3, 0)->irq_line, GIC_SPI_BASE + (5 + 1) % 4);
}

TEST(a_bridge_without_room_disables_everything_behind_it)
{
	virt_host(0x100000); /* 1 MiB: bridge0 needs 2 */
	add_bridges();
	pci_init();
	CHECK(seam_log_contains("bridge 00:05.0: no room for the 2097152 bytes of 32-bit memory"));
	CHECK(fake_pci_find(1, 0, 0)->disabled && fake_pci_find(2, 3, 0)->disabled);
	CHECK(fake_pci_find(1, 1, 0)->disabled);
	CHECK_EQ(command(behind[1]) & 3, 0);
}

TEST(running_out_of_bus_numbers_is_reported)
{
	virt_host(0x2eff0000);
	fake_pci_host.bus_last = 1;
	add_bridges();
	pci_init();
	CHECK(seam_log_contains("bridge 01:02.0: no bus number left (last is 01)"));
	CHECK(fake_pci_find(1, 0, 0) != NULL);
	CHECK(fake_pci_find(2, 3, 0) == NULL);
}
