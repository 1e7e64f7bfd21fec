/*
 * The deferred-work queue (include/work.h). Items wait in one list sorted
 * by due time (FIFO among equal times). work_run_pending() first moves
 * every item due at call time onto a separate batch list and then runs
 * only that batch, so an item that reschedules itself (even with delay 0)
 * lands back in the queue and waits for the next call: one busy item can
 * never starve the idle loop. Both lists are protected by one IRQ-safe
 * lock, which is dropped while an item's function runs.
 */
#include "ktime.h"
#include "printk.h"
#include "spinlock.h"
#include "work.h"

static spinlock_t work_lock = SPINLOCK_INIT("work");
static struct list_node queue = LIST_HEAD_INIT(queue); /* sorted by due_ns */
static struct list_node batch = LIST_HEAD_INIT(batch); /* taken, not yet run */

static void dequeue_locked(struct work *w)
{
	if (!w->queued)
		return;
	list_remove(&w->node);
	w->queued = false;
}

/* After every item due at or before `due`: FIFO among equal times. */
static void insert_sorted_locked(struct work *w, uint64_t due)
{
	struct list_node *pos = queue.next;

	while (pos != &queue && list_entry(pos, struct work, node)->due_ns <= due)
		pos = pos->next;
	w->due_ns = due;
	list_insert_between(&w->node, pos->prev, pos);
	w->queued = true;
}

void work_schedule(struct work *w, uint64_t delay_ns)
{
	if (!w->fn) {
		pr_err("work: refusing to schedule work item %p without a function\n", (void *)w);
		return;
	}
	uint64_t now = ktime_ns();
	uint64_t due = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
	unsigned long flags = spin_lock_irqsave(&work_lock);

	dequeue_locked(w);
	insert_sorted_locked(w, due);
	spin_unlock_irqrestore(&work_lock, flags);
}

void work_cancel(struct work *w)
{
	unsigned long flags = spin_lock_irqsave(&work_lock);
	dequeue_locked(w);
	spin_unlock_irqrestore(&work_lock, flags);
}

/* Moves the items due at `now` from the queue to the end of the batch. */
static void take_due_items(uint64_t now)
{
	unsigned long flags = spin_lock_irqsave(&work_lock);
	struct work *w;

	while ((w = list_first_entry_or_null(&queue, struct work, node)) && w->due_ns <= now) {
		list_remove(&w->node);
		list_push_back(&batch, &w->node);
	}
	spin_unlock_irqrestore(&work_lock, flags);
}

static struct work *pop_batch(void)
{
	unsigned long flags = spin_lock_irqsave(&work_lock);
	struct list_node *n = list_pop_front(&batch);
	struct work *w = n ? list_entry(n, struct work, node) : NULL;

	if (w)
		w->queued = false;
	spin_unlock_irqrestore(&work_lock, flags);
	return w;
}

int work_run_pending(void)
{
	int ran = 0;

	take_due_items(ktime_ns());
	for (struct work *w; (w = pop_batch()) != NULL; ran++)
		w->fn(w);
	return ran;
}

uint64_t work_next_due_ns(void)
{
	uint64_t now = ktime_ns(), next = UINT64_MAX;
	unsigned long flags = spin_lock_irqsave(&work_lock);
	struct work *first = list_first_entry_or_null(&queue, struct work, node);

	if (!list_empty(&batch))
		next = 0;
	else if (first)
		next = first->due_ns > now ? first->due_ns - now : 0;
	spin_unlock_irqrestore(&work_lock, flags);
	return next;
}
