/*
 * The PL011 UART (ARM PrimeCell UART PL011 TRM, DDI 0183: DR, FR, LCR_H,
 * CR, IMSC, MIS, ICR): the console on arm64, COM1's role on x86. Transmit
 * polls with a bounded wait; receive interrupts (RX and RX-timeout) feed
 * the shell. Until the device tree is read the UART is used at QEMU virt's
 * fixed address through the boot identity map; arm64_serial_move() then
 * switches to the device tree's address through an ioremap.
 */
#include "arch.h"
#include "arm64.h"
#include "console.h"
#include "hw.h"
#include "irq.h"
#include "mm.h"
#include "printk.h"

#define VIRT_UART_PHYS 0x09000000ul
#define REG_DR 0x00
#define REG_FR 0x18
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define REG_LCR_H 0x2c
#define LCR_H_8BIT_FIFO 0x70
#define REG_CR 0x30
#define CR_ENABLE 0x301   /* UARTEN, TXE, RXE */
#define REG_IMSC 0x38
#define REG_MIS 0x40
#define REG_ICR 0x44
#define INT_RX ((1u << 4) | (1u << 6))   /* RX and RX timeout */
#define TX_SPIN_LIMIT 100000

static volatile uint8_t *uart = (volatile uint8_t *)VIRT_UART_PHYS;
static unsigned uart_irq;

static uint32_t reg_read(unsigned off) { return mmio_read32(uart + off); }
static void reg_write(unsigned off, uint32_t v) { mmio_write32(uart + off, v); }

void arch_console_init(void)
{
	reg_write(REG_CR, 0);
	reg_write(REG_LCR_H, LCR_H_8BIT_FIFO);
	reg_write(REG_IMSC, 0);
	reg_write(REG_CR, CR_ENABLE);
}

bool arm64_serial_move(phys_addr_t base, unsigned irq)
{
	volatile uint8_t *regs = ioremap(base, PAGE_SIZE);

	if (!regs) {
		pr_err("pl011: cannot map the UART at 0x%llx\n", (unsigned long long)base);
		return false;
	}
	uart = regs;
	uart_irq = irq;
	return true;
}

/* The interrupt is cleared before the FIFO is drained, as Linux does: a
 * byte that lands after the last read then raises it again. Cleared after,
 * such a byte would wait unseen (QEMU raises RX only on an empty FIFO's
 * first byte and has no receive timeout), and typed input would stall. */
static bool serial_rx_irq(void *ctx)
{
	bool ours = reg_read(REG_MIS) & INT_RX;

	reg_write(REG_ICR, INT_RX);
	while (!(reg_read(REG_FR) & FR_RXFE)) {
		console_input((char)reg_read(REG_DR));
		ours = true;
	}
	return ours;
}

void arch_console_irq_enable(void)
{
	if (!uart_irq) {
		pr_warn("pl011: no interrupt in the device tree; typed input is ignored\n");
		return;
	}
	if (irq_register(uart_irq, serial_rx_irq, NULL, "pl011") == 0)
		reg_write(REG_IMSC, INT_RX);
}

static void serial_putc(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT && (reg_read(REG_FR) & FR_TXFF); i++)
		cpu_relax();
	reg_write(REG_DR, (uint8_t)c);
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
