/*
 * Hardware interrupt lines: x86's 8259 PIC lines 0-15, arm64's GIC
 * interrupt IDs. PCI INTx lines are shared: several handlers may register
 * on one line and each must return whether its device raised the
 * interrupt. kernel/irq.c keeps the handlers; the interrupt controller
 * driver of each architecture provides the irq_controller_* functions.
 */
#ifndef TERN_IRQ_H
#define TERN_IRQ_H

#include "types.h"

typedef bool (*irq_handler_t)(void *ctx);

/* Registers a handler on a line and unmasks it; <0 on error. */
int irq_register(unsigned line, irq_handler_t handler, void *ctx, const char *name);
void irq_unregister(unsigned line, irq_handler_t handler, void *ctx);

/* Called by the controller driver, interrupts off, for a raised line:
 * runs its handlers (and warns about a line nobody claims). */
void irq_run_handlers(unsigned line);

/* --- the controller's side (kernel/arch/<arch>/) ------------------------ */
/* The line exists and may carry handlers (x86: not the cascade line). */
bool irq_controller_has_line(unsigned line);
/* Lets the line's interrupts through / holds them back; interrupts off. */
void irq_controller_unmask(unsigned line);
void irq_controller_mask(unsigned line);

#endif
