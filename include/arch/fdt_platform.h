/*
 * What an arm64 kernel learns from the flattened device tree the boot
 * loader (QEMU's -kernel loader) hands it: the generic struct boot_info
 * (RAM from /memory, reserved ranges, the command line) and the platform
 * devices Tern drives itself: the stdout UART, the GIC, the generic timer's
 * PPIs and the generic ECAM PCIe host with its windows and INTx routing.
 * Implemented with libfdt in kernel/arch/arm64/fdt_bootinfo.c; touches no
 * hardware, so the host unit tests and the fuzzer run it over real and
 * broken DTBs. Interrupts are stored as GIC INTIDs (SPI n = 32 + n, PPI n
 * = 16 + n), addresses as CPU physical addresses.
 */
#ifndef TERN_ARCH_FDT_PLATFORM_H
#define TERN_ARCH_FDT_PLATFORM_H

#include "bootinfo.h"
#include "types.h"

/* QEMU's gpex host has 16 interrupt-map entries (4 devices x 4 pins). */
#define FDT_PCI_IRQ_MAP_MAX 64
/* Bridges between a function and the root bus that fdt_pci_intx() follows. */
#define FDT_PCI_PATH_MAX 8

struct fdt_mmio {
	uint64_t base;
	uint64_t size; /* 0: the region is absent */
};

/* The UART /chosen/stdout-path names (a PL011 on QEMU virt). */
struct fdt_uart {
	bool present;
	struct fdt_mmio regs;
	uint32_t intid;
};

enum fdt_gic_version { FDT_GIC_NONE = 0, FDT_GIC_V2 = 2, FDT_GIC_V3 = 3 };

struct fdt_gic {
	enum fdt_gic_version version;
	struct fdt_mmio dist;
	struct fdt_mmio cpu;    /* GICv2 CPU interface; size 0 on v3 */
	struct fdt_mmio redist; /* GICv3 first redistributor region; size 0 on v2 */
};

/* The arm,armv8-timer PPIs in the binding's order, as INTIDs. */
enum fdt_timer_ppi {
	FDT_TIMER_SEC_PHYS = 0,
	FDT_TIMER_PHYS = 1,
	FDT_TIMER_VIRT = 2,
	FDT_TIMER_HYP = 3,
	FDT_TIMER_PPI_COUNT = 4,
};

struct fdt_timer {
	bool present;
	uint32_t intid[FDT_TIMER_PPI_COUNT];
};

/* One window of the host bridge's `ranges`: bus addresses pci_addr..+size
 * appear to the CPU at cpu_addr..+size. */
struct fdt_pci_window {
	uint64_t pci_addr;
	uint64_t cpu_addr;
	uint64_t size; /* 0: no such window */
	bool prefetchable;
};

/* One interrupt-map row, already decoded for the GIC: the child unit
 * address phys.hi (bus/device/function bits) and pin (1 = INTA .. 4 =
 * INTD) it matches after masking, and the INTID it is wired to. */
struct fdt_pci_irq_route {
	uint32_t phys_hi;
	uint32_t pin;
	uint32_t intid;
};

struct fdt_pci_host {
	bool present;
	struct fdt_mmio ecam;
	uint8_t bus_start, bus_end; /* bus-range, clipped to what ecam covers */
	struct fdt_pci_window io;    /* PCI I/O space; pci_addr is the port */
	struct fdt_pci_window mem32; /* below 4 GiB on the bus */
	struct fdt_pci_window mem64; /* 64-bit memory; size 0 with highmem=off */
	uint32_t irq_mask_phys_hi;   /* interrupt-map-mask, first and last cell */
	uint32_t irq_mask_pin;
	struct fdt_pci_irq_route irq_map[FDT_PCI_IRQ_MAP_MAX];
	unsigned irq_map_count;
};

struct fdt_platform {
	struct fdt_uart uart;
	struct fdt_gic gic;
	struct fdt_timer timer;
	struct fdt_pci_host pci;
	char model[64]; /* the root's `model`, "" if none */
};

extern struct fdt_platform fdt_platform;

/*
 * Reads the DTB at fdt (mapped; at most max_len bytes may be read, the
 * header's totalsize must fit) whose physical address is fdt_phys. Fills
 * *bi: every /memory reg range as MEM_USABLE; reserved[0] = the DTB itself
 * (QEMU does not reserve it), then the memory-reservation block and the
 * /reserved-memory nodes; cmdline = /chosen/bootargs. Fills *plat with the
 * stdout UART, GIC, timer and PCIe host (absent: pci.present = false).
 * Returns false with a message naming the problem on a malformed or
 * incomplete tree (no /memory, /chosen, GIC, timer or stdout UART); *bi and
 * *plat are then zeroed. Never reads outside [fdt, fdt + max_len).
 */
bool fdt_bootinfo_parse(const void *fdt, phys_addr_t fdt_phys, size_t max_len,
			struct boot_info *bi, struct fdt_platform *plat);

/* A PCI function's place in the tree, as fdt_pci_intx() needs it. */
struct fdt_pci_bdf {
	uint8_t bus, dev, fn;
};

/*
 * The GIC INTID a PCI function's INTx pin (1 = INTA .. 4 = INTD) raises.
 * path[0] is the function's ancestor on the root bus (the function itself
 * when it sits there), path[count - 1] the function; at each bridge the pin
 * is swizzled (PCI-to-PCI Bridge spec: pin rotated by the child's device
 * number), then interrupt-map is looked up with the root-bus device and the
 * mask. Returns the INTID, or -1 with a message when the pin or path is
 * invalid or the map has no matching row.
 */
int fdt_pci_intx(const struct fdt_platform *plat, const struct fdt_pci_bdf *path,
		 unsigned count, unsigned pin);

/* Prints what fdt_bootinfo_parse() found (for the `bootinfo` command). */
void fdt_platform_print(const struct fdt_platform *plat);

#endif
