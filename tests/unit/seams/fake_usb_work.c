/*
 * Test-local deferred-work queue with the include/work.h contract, for USB
 * host tests until kernel/work.c lands: a due-time-ordered list run
 * against the fake clock (seam_now_ns), and arch_idle() that sleeps the
 * fake clock forward to the next due item.
 */
#include "arch.h"
#include "ktime.h"
#include "seams.h"
#include "work.h"

static struct work *queue;

void work_cancel(struct work *w)
{
	for (struct work **pp = &queue; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->queued = false;
	w->next = 0;
}

void work_schedule(struct work *w, uint64_t delay_ns)
{
	struct work **pp = &queue;

	work_cancel(w);
	w->due_ns = ktime_ns() + delay_ns;
	while (*pp && (*pp)->due_ns <= w->due_ns)
		pp = &(*pp)->next;
	w->next = *pp;
	*pp = w;
	w->queued = true;
}

int work_run_pending(void)
{
	int ran = 0;

	while (queue && queue->due_ns <= ktime_ns()) {
		struct work *w = queue;
		queue = w->next;
		w->queued = false;
		w->next = 0;
		w->fn(w);
		ran++;
	}
	return ran;
}

uint64_t work_next_due_ns(void)
{
	if (!queue)
		return UINT64_MAX;
	return queue->due_ns > ktime_ns() ? queue->due_ns - ktime_ns() : 0;
}

/* Sleeping until the next interrupt: the fake clock jumps to the next
 * due work item, at most one 1 ms tick. */
void arch_idle(void)
{
	uint64_t next = work_next_due_ns();
	seam_now_ns += next == 0 ? 1 : next < NSEC_PER_MSEC ? next : NSEC_PER_MSEC;
}
