/*
 * Interrupt lines through the legacy 8259A PIC pair, remapped to vectors
 * 32-47 (8259A datasheet: ICW1-ICW4; OCW2 EOI; OCW3 ISR read). Chosen over
 * the IOAPIC because QEMU's pc and q35 machines route PCI INTx to PIC lines
 * (SeaBIOS programs the interrupt-line register and the ELCR level
 * triggering), and one CPU needs nothing more. The handlers on each line
 * are kernel/irq.c's.
 */
#include "arch.h"
#include "cpu.h"
#include "hw.h"
#include "irq.h"
#include "printk.h"
#include "spinlock.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0b
#define IRQ_LINES 16
#define CASCADE_LINE 2

static uint16_t mask = 0xffff & ~(1u << CASCADE_LINE);

static void write_mask(void)
{
	outb(PIC1_DATA, mask & 0xff);
	outb(PIC2_DATA, mask >> 8);
}

void arch_irq_init(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, IRQ_VECTOR_BASE);     /* ICW2: vector offset */
	outb(PIC2_DATA, IRQ_VECTOR_BASE + 8);
	outb(PIC1_DATA, 1u << CASCADE_LINE);  /* ICW3: slave on line 2 */
	outb(PIC2_DATA, CASCADE_LINE);
	outb(PIC1_DATA, 0x01);                /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	write_mask();
}

void pic_send_eoi(unsigned line)
{
	if (line >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

/* A spurious IRQ 7/15 has no bit in the in-service register (8259A OCW3). */
static bool is_spurious(unsigned line)
{
	uint16_t cmd = line == 7 ? PIC1_CMD : PIC2_CMD;

	if (line != 7 && line != 15)
		return false;
	outb(cmd, PIC_READ_ISR);
	if (inb(cmd) & 0x80)
		return false;
	if (line == 15)
		outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade */
	return true;
}

void irq_dispatch(unsigned line)
{
	if (is_spurious(line))
		return;
	irq_run_handlers(line);
	pic_send_eoi(line);
}

bool irq_controller_has_line(unsigned line)
{
	return line < IRQ_LINES && line != CASCADE_LINE;
}

void irq_controller_unmask(unsigned line)
{
	mask &= ~(1u << line);
	write_mask();
}

void irq_controller_mask(unsigned line)
{
	mask |= 1u << line;
	write_mask();
}
