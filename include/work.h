/*
 * Deferred work: the kernel's only scheduler. Work items run, in due-time
 * order, from the idle loop (the shell waiting for input, or any code that
 * calls work_run_pending()). IRQ handlers schedule work instead of doing
 * long jobs; USB enumeration delays are work items due in the future, so
 * many ports and controllers make progress at once without threads.
 */
#ifndef TERN_WORK_H
#define TERN_WORK_H

#include "list.h"
#include "types.h"

struct work {
	void (*fn)(struct work *w);
	uint64_t due_ns;
	struct list_node node; /* on the queue or the batch while queued */
	/* Not list_node_linked(): a zeroed (WORK_INIT) node is not self-linked. */
	bool queued;
};

#define WORK_INIT(f) { .fn = (f) }

static inline void work_init(struct work *w, void (*fn)(struct work *))
{
	w->fn = fn;
	w->due_ns = 0;
	list_node_init(&w->node);
	w->queued = false;
}

/* (Re)queues w to run delay_ns from now. Safe from IRQ context. */
void work_schedule(struct work *w, uint64_t delay_ns);
/* Removes w from the queue if it is there. Safe from IRQ context. */
void work_cancel(struct work *w);
/* Runs every work item that is due; returns how many ran. */
int work_run_pending(void);
/* Nanoseconds until the next queued item is due (UINT64_MAX if none). */
uint64_t work_next_due_ns(void);

#endif
