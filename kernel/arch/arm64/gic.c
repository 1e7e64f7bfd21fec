/*
 * Interrupt lines through the GIC (ARM GIC Architecture Specification v2,
 * IHI 0048B; v3, IHI 0069): the distributor (GICD_*) and, per version, the
 * CPU interface: GICv2's memory-mapped GICC_*, GICv3's ICC_* system
 * registers with the redistributor (GICR_*) holding this CPU's PPIs. A
 * line is a GIC interrupt ID: PPIs 16-31 (the timer), SPIs from 32 (the
 * UART, PCI INTx as routed by the device tree). SPIs are level-triggered
 * and go to CPU 0; all lines share one priority and (v3) group 1. The
 * handlers on each line are kernel/irq.c's.
 */
#include "arch.h"
#include "arch/fdt_platform.h"
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
#define GICD_IGROUPR 0x080
#define GICD_IROUTER 0x6000        /* v3: 8 bytes per INTID */
#define GICD_CTLR_RWP (1u << 31)   /* v3: register write pending */
#define GICD_CTLR_V3 0x12          /* ARE, EnableGrp1 (one security state) */
#define GICR_WAKER 0x14
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_SGI_FRAME 0x10000     /* v3: SGI/PPI registers, GICD layout */
#define GICR_SIZE 0x20000
#define GICD_V3_SIZE 0x10000
#define SPIN_LIMIT 1000000
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define INTID_SPURIOUS 1020
#define FIRST_SPI 32
#define IRQ_LINES 256          /* QEMU virt's GIC has 288; devices use < 64 */
#define PRIORITY 0xa0
#define PRIORITY_MASK_ALL 0xf0 /* let every priority above 0xf0 through */

static volatile uint8_t *gicd, *gicc, *gicr;  /* gicc: v2, gicr: v3 */
static bool v3;
static unsigned lines;

/* Where a line's enable, priority and group bits live: v3 keeps the
 * PPIs' in the redistributor's SGI frame, laid out like the GICD's. */
static volatile uint8_t *regs_of(unsigned line)
{
	return v3 && line < FIRST_SPI ? gicr + GICR_SGI_FRAME : gicd;
}

static void bit_write(unsigned reg, unsigned line)
{
	mmio_write32(regs_of(line) + reg + line / 32 * 4, 1u << (line % 32));
}

static bool spin_until_clear(volatile uint8_t *reg, uint32_t bits)
{
	for (int i = 0; i < SPIN_LIMIT; i++)
		if (!(mmio_read32(reg) & bits))
			return true;
	return false;
}

static void distributor_init(void)
{
	mmio_write32(gicd + GICD_CTLR, 0);
	lines = MIN(32 * ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1), IRQ_LINES);
	for (unsigned line = 0; line < lines; line += 32) {
		mmio_write32(regs_of(line) + GICD_ICENABLER + line / 8, 0xffffffffu);
		if (v3)
			mmio_write32(regs_of(line) + GICD_IGROUPR + line / 8, 0xffffffffu);
	}
	for (unsigned line = FIRST_SPI; line < lines; line += 16)
		mmio_write32(gicd + GICD_ICFGR + line / 4, 0); /* level */
	for (unsigned line = 0; line < lines; line++)
		mmio_write8(regs_of(line) + GICD_IPRIORITYR + line, PRIORITY);
	for (unsigned line = FIRST_SPI; line < lines; line++) {
		if (v3)
			mmio_write32(gicd + GICD_IROUTER + line * 8, 0); /* affinity 0.0.0.0 */
		else
			mmio_write8(gicd + GICD_ITARGETSR + line, 1); /* CPU 0 */
	}
	mmio_write32(gicd + GICD_CTLR, v3 ? GICD_CTLR_V3 : 1);
}

/* v3: wakes this CPU's redistributor, then the ICC_* system registers. */
static bool cpu_interface_v3_init(void)
{
	uint64_t sre;

	mmio_write32(gicr + GICR_WAKER, mmio_read32(gicr + GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
	if (!spin_until_clear(gicr + GICR_WAKER, WAKER_CHILDREN_ASLEEP) ||
	    !spin_until_clear(gicd + GICD_CTLR, GICD_CTLR_RWP)) {
		pr_err("gic: GICv3 redistributor or distributor never became ready\n");
		return false;
	}
	__asm__ volatile("mrs %0, icc_sre_el1" : "=r"(sre));
	__asm__ volatile("msr icc_sre_el1, %0; isb" : : "r"(sre | 1));
	__asm__ volatile("msr icc_pmr_el1, %0; msr icc_bpr1_el1, xzr; msr icc_igrpen1_el1, %1; isb"
			 : : "r"((uint64_t)PRIORITY_MASK_ALL), "r"(1ull));
	return true;
}

static void cpu_interface_v2_init(void)
{
	mmio_write32(gicc + GICC_PMR, PRIORITY_MASK_ALL);
	mmio_write32(gicc + GICC_CTLR, 1);
}

bool arm64_gic_init(const struct fdt_gic *g)
{
	v3 = g->version == FDT_GIC_V3;
	if (!g->dist.size || !(v3 ? g->redist.size : g->cpu.size)) {
		pr_err("gic: no GICv2 or GICv3 with all its registers in the device tree\n");
		return false;
	}
	gicd = (volatile uint8_t *)g->dist.base; /* the boot identity map, until moved */
	gicc = v3 ? NULL : (volatile uint8_t *)g->cpu.base;
	gicr = v3 ? (volatile uint8_t *)g->redist.base : NULL;
	distributor_init();
	if (v3 && !cpu_interface_v3_init())
		return false;
	if (!v3)
		cpu_interface_v2_init();
	pr_info("gic: GICv%d at 0x%llx, %u interrupt lines\n", v3 ? 3 : 2,
		(unsigned long long)g->dist.base, lines);
	return true;
}

bool arm64_gic_move(const struct fdt_gic *g)
{
	volatile uint8_t *d = ioremap(g->dist.base, v3 ? GICD_V3_SIZE : PAGE_SIZE);
	volatile uint8_t *c = v3 ? NULL : ioremap(g->cpu.base, 2 * PAGE_SIZE);
	volatile uint8_t *r = v3 ? ioremap(g->redist.base, GICR_SIZE) : NULL;

	if (!d || (v3 ? !r : !c)) {
		pr_err("gic: cannot map its registers at 0x%llx\n", (unsigned long long)g->dist.base);
		return false;
	}
	unsigned long flags = arch_irq_save();
	gicd = d;
	gicc = c;
	gicr = r;
	arch_irq_restore(flags);
	return true;
}

static uint32_t acknowledge(void)
{
	uint64_t iar;

	if (!v3)
		return mmio_read32(gicc + GICC_IAR);
	__asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(iar) : : "memory");
	return (uint32_t)iar;
}

static void end_of_interrupt(uint32_t iar)
{
	if (v3)
		__asm__ volatile("msr icc_eoir1_el1, %0; isb" : : "r"((uint64_t)iar) : "memory");
	else
		mmio_write32(gicc + GICC_EOIR, iar);
}

/* Acknowledges and serves interrupts until the GIC has none pending. */
void arm64_gic_handle(void)
{
	for (;;) {
		uint32_t iar = acknowledge();
		unsigned line = iar & 0x3ff;

		if (line >= INTID_SPURIOUS)
			return;
		if (line < lines)
			irq_run_handlers(line);
		end_of_interrupt(iar);
	}
}

bool irq_controller_has_line(unsigned line) { return gicd && line < lines; }

void irq_controller_unmask(unsigned line) { bit_write(GICD_ISENABLER, line); }

void irq_controller_mask(unsigned line) { bit_write(GICD_ICENABLER, line); }
