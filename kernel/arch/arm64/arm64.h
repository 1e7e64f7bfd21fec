/*
 * What the arm64 files share among themselves: the platform drivers'
 * set-up calls, made in order by platform.c from the arch_* boot steps.
 */
#ifndef TERN_ARM64_H
#define TERN_ARM64_H

#include "types.h"

/* Output address bits of a table or page descriptor (48-bit PAs). */
#define ARM64_DESC_ADDR_MASK 0x0000fffffffff000ull

/* PL011: moves the console from the boot address to base (ioremapped)
 * with its receive interrupt. */
bool arm64_serial_move(phys_addr_t base, unsigned irq);
struct fdt_gic;
/* GICv2 or v3: every line masked, distributor and CPU interface on. The
 * registers are used at their physical addresses through the boot
 * identity map until arm64_gic_move() ioremaps them. */
bool arm64_gic_init(const struct fdt_gic *gic);
bool arm64_gic_move(const struct fdt_gic *gic);
void arm64_gic_handle(void);
/* The generic timer: clock, and a 1 kHz tick on the virtual timer PPI. */
void arm64_timer_init(unsigned virt_timer_irq);
/* Maps the PCI I/O window that inb/outb address. */
bool arm64_pio_init(phys_addr_t base, size_t size);
/* Stops translating the lower half (the boot identity map). */
void arm64_drop_identity_map(void);

#endif
