/*
 * IRQ-safe spinlocks for one CPU (include/spinlock.h). Taking a lock turns
 * interrupts off, which is all the mutual exclusion a single CPU needs; the
 * held flag exists to catch bugs: on one CPU, finding the lock already held
 * means this very code path re-entered it (an IRQ handler calling back into
 * a locked subsystem, or a missing unlock), which would deadlock on SMP and
 * corrupt data here, so it panics naming the lock.
 */
#include "printk.h"
#include "spinlock.h"

#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

unsigned long spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags = arch_irq_save();

	if (lock->held)
		panic("spinlock '%s' locked again while held (recursive locking)",
		      lock->name ? lock->name : "?");
	lock->held = 1;
	compiler_barrier();
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	compiler_barrier();
	if (!lock->held)
		panic("spinlock '%s' unlocked but not held", lock->name ? lock->name : "?");
	lock->held = 0;
	arch_irq_restore(flags);
}
