/*
 * The 16550 UART on COM1 (National PC16550D datasheet: registers THR/RBR,
 * IER, FCR, LCR, MCR, LSR): 115200 8N1, transmit by polling with a bounded
 * wait, receive by interrupt (IRQ 4) into the shell's input queue.
 */
#include "console.h"
#include "cpu.h"
#include "hw.h"
#include "irq.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2 /* write */
#define REG_IIR 2 /* read */
#define IIR_NONE_PENDING 0x01
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define COM1_IRQ 4
#define TX_SPIN_LIMIT 100000

static bool present;

void arch_console_init(void)
{
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + REG_DATA, 1);   /* 115200 baud */
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x03); /* 8N1 */
	outb(COM1 + REG_FCR, 0x07); /* FIFO on, cleared, interrupt per byte */
	outb(COM1 + REG_MCR, 0x0b); /* DTR, RTS, OUT2 (IRQ gate) */
	present = inb(COM1 + REG_LSR) != 0xff;
}

/* The UART says whether it interrupted (IIR bit 0 clear). A receive
 * timeout indication may arrive after the FIFO was already drained; it is
 * still ours, so the IIR is the judge, not the data. */
static bool serial_rx_irq(void *ctx)
{
	bool ours = !(inb(COM1 + REG_IIR) & IIR_NONE_PENDING);

	while (inb(COM1 + REG_LSR) & LSR_DATA_READY) {
		console_input((char)inb(COM1 + REG_DATA));
		ours = true;
	}
	return ours;
}

void arch_console_irq_enable(void)
{
	if (!present)
		return;
	irq_register(COM1_IRQ, serial_rx_irq, NULL, "com1");
	outb(COM1 + REG_IER, 0x01); /* received-data interrupt */
}

static void serial_putc(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); i++)
		cpu_relax();
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
