/*
 * Interrupt lines, the arch-neutral half (include/irq.h): which handlers
 * sit on which line, and running them when the interrupt controller
 * (x86: kernel/arch/x86_64/pic.c, arm64: kernel/arch/arm64/gic.c) reports
 * a line. Lines are shared: every handler on a line is called and reports
 * whether its device interrupted. The controller is told to unmask a line
 * when its first handler arrives and to mask it when its last one leaves.
 */
#include "irq.h"
#include "printk.h"
#include "spinlock.h"

#define IRQ_LINES_MAX 256
#define HANDLERS_PER_LINE 4
/* One stray interrupt is normal (an edge latched while the line was masked);
 * a stream of them means a device nobody services. */
#define UNCLAIMED_REPORT_AT 1000

struct irq_slot {
	irq_handler_t handler;
	void *ctx;
	const char *name;
};

static struct irq_slot slots[IRQ_LINES_MAX][HANDLERS_PER_LINE];
static uint64_t unclaimed[IRQ_LINES_MAX];

static bool line_ok(unsigned line)
{
	return line < IRQ_LINES_MAX && irq_controller_has_line(line);
}

void irq_run_handlers(unsigned line)
{
	bool claimed = false;

	if (line >= IRQ_LINES_MAX)
		return;
	for (int i = 0; i < HANDLERS_PER_LINE; i++)
		if (slots[line][i].handler && slots[line][i].handler(slots[line][i].ctx))
			claimed = true;
	if (!claimed && ++unclaimed[line] == UNCLAIMED_REPORT_AT)
		pr_warn("irq %u: %d interrupts claimed by no handler\n", line,
			UNCLAIMED_REPORT_AT);
}

int irq_register(unsigned line, irq_handler_t handler, void *ctx, const char *name)
{
	unsigned long flags;

	if (!line_ok(line) || !handler) {
		pr_err("irq_register(%s): invalid line %u\n", name, line);
		return -1;
	}
	flags = arch_irq_save();
	for (int i = 0; i < HANDLERS_PER_LINE; i++) {
		if (slots[line][i].handler)
			continue;
		slots[line][i] = (struct irq_slot){ handler, ctx, name };
		irq_controller_unmask(line);
		arch_irq_restore(flags);
		return 0;
	}
	arch_irq_restore(flags);
	pr_err("irq_register(%s): line %u already has %d handlers\n", name, line,
	       HANDLERS_PER_LINE);
	return -1;
}

void irq_unregister(unsigned line, irq_handler_t handler, void *ctx)
{
	unsigned long flags;
	bool in_use = false;

	if (!line_ok(line))
		return;
	flags = arch_irq_save();
	for (int i = 0; i < HANDLERS_PER_LINE; i++) {
		if (slots[line][i].handler == handler && slots[line][i].ctx == ctx)
			slots[line][i] = (struct irq_slot){ 0 };
		in_use |= slots[line][i].handler != NULL;
	}
	if (!in_use)
		irq_controller_mask(line);
	arch_irq_restore(flags);
}
