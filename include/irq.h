/*
 * Hardware interrupt lines (legacy 8259 PIC, remapped to vectors 32-47).
 * PCI INTx lines are shared: several handlers may register on one line and
 * each must return whether its device raised the interrupt.
 */
#ifndef TERN_IRQ_H
#define TERN_IRQ_H

#include "types.h"

typedef bool (*irq_handler_t)(void *ctx);

/* Registers a handler on legacy IRQ line 0..15 and unmasks it; <0 on error. */
int irq_register(unsigned line, irq_handler_t handler, void *ctx, const char *name);
void irq_unregister(unsigned line, irq_handler_t handler, void *ctx);

#endif
