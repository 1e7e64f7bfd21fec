/*
 * IRQ-safe spinlocks. Tern runs on one CPU, so a lock is "interrupts off"
 * plus a held flag that catches recursive locking. The interrupt-flag
 * primitives are a seam: the kernel uses pushf/cli/popf, host tests fakes.
 */
#ifndef TERN_SPINLOCK_H
#define TERN_SPINLOCK_H

#include "types.h"

typedef struct {
	volatile int held;
	const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, (n) }

unsigned long arch_irq_save(void);           /* disable, return previous state */
void arch_irq_restore(unsigned long flags);  /* restore what arch_irq_save saw */

unsigned long spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);

#endif
