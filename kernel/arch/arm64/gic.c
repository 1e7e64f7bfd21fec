/*
 * Interrupt lines through the GICv2 (ARM GIC Architecture Specification
 * v2, IHI 0048B: distributor GICD_*, CPU interface GICC_*). A line is a
 * GIC interrupt ID: PPIs 16-31 (the timer), SPIs from 32 (the UART, PCI
 * INTx as routed by the device tree). SPIs are level-triggered, aimed at
 * CPU 0, one priority for all. The handlers on each line are
 * kernel/irq.c's.
 */
#include "arch.h"
#include "arm64.h"
#include "hw.h"
#include "irq.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define INTID_SPURIOUS 1020
#define FIRST_SPI 32
#define IRQ_LINES 256          /* QEMU virt's GIC has 288; devices use < 64 */
#define PRIORITY 0xa0
#define PRIORITY_MASK_ALL 0xf0 /* let every priority above 0xf0 through */

static volatile uint8_t *gicd, *gicc;
static unsigned lines;

static void bit_write(unsigned reg, unsigned line)
{
	mmio_write32(gicd + reg + line / 32 * 4, 1u << (line % 32));
}

bool arm64_gic_init(phys_addr_t dist, phys_addr_t cpu)
{
	if (!dist || !cpu) {
		pr_err("gic: no GICv2 distributor and CPU interface in the device tree\n");
		return false;
	}
	gicd = (volatile uint8_t *)dist; /* the boot identity map, until moved */
	gicc = (volatile uint8_t *)cpu;
	mmio_write32(gicd + GICD_CTLR, 0);
	lines = MIN(32 * ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1), IRQ_LINES);
	for (unsigned line = 0; line < lines; line += 32)
		mmio_write32(gicd + GICD_ICENABLER + line / 8, 0xffffffffu);
	for (unsigned line = FIRST_SPI; line < lines; line += 16)
		mmio_write32(gicd + GICD_ICFGR + line / 4, 0); /* level */
	for (unsigned line = 0; line < lines; line++)
		mmio_write8(gicd + GICD_IPRIORITYR + line, PRIORITY);
	for (unsigned line = FIRST_SPI; line < lines; line++)
		mmio_write8(gicd + GICD_ITARGETSR + line, 1); /* CPU 0 */
	mmio_write32(gicd + GICD_CTLR, 1);
	mmio_write32(gicc + GICC_PMR, PRIORITY_MASK_ALL);
	mmio_write32(gicc + GICC_CTLR, 1);
	pr_info("gic: GICv2 at 0x%llx, %u interrupt lines\n", (unsigned long long)dist, lines);
	return true;
}

bool arm64_gic_move(phys_addr_t dist, phys_addr_t cpu)
{
	volatile uint8_t *d = ioremap(dist, PAGE_SIZE), *c = ioremap(cpu, 2 * PAGE_SIZE);

	if (!d || !c) {
		pr_err("gic: cannot map GICD 0x%llx / GICC 0x%llx\n",
		       (unsigned long long)dist, (unsigned long long)cpu);
		return false;
	}
	unsigned long flags = arch_irq_save();
	gicd = d;
	gicc = c;
	arch_irq_restore(flags);
	return true;
}

/* Acknowledges and serves interrupts until the GIC has none pending. */
void arm64_gic_handle(void)
{
	for (;;) {
		uint32_t iar = mmio_read32(gicc + GICC_IAR);
		unsigned line = iar & 0x3ff;

		if (line >= INTID_SPURIOUS)
			return;
		if (line < lines)
			irq_run_handlers(line);
		mmio_write32(gicc + GICC_EOIR, iar);
	}
}

bool irq_controller_has_line(unsigned line) { return gicd && line < lines; }

void irq_controller_unmask(unsigned line) { bit_write(GICD_ISENABLER, line); }

void irq_controller_mask(unsigned line) { bit_write(GICD_ICENABLER, line); }
