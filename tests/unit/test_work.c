/*
 * The deferred-work queue (kernel/work.c) on the fake clock: due-time
 * order, FIFO among equal times, rescheduling and cancelling (also from
 * inside a running item), no starvation by self-rescheduling items, and
 * the interrupt state left as found. Also the spinlock's misuse panics and
 * work.c's own KTESTs, run here on the fake clock.
 */
#include <string.h>

#include "harness.h"
#include "ktest_host.h"
#include "seams/seams.h"
#include "spinlock.h"
#include "work.h"

struct item {
	struct work work;
	char tag;
};

static char order[32];
static unsigned ran;
static struct item *victim;      /* cancelled by cancel_victim() */
static struct item *to_schedule; /* scheduled (delay 0) by schedule_other() */

static void record(struct work *w)
{
	if (ran < sizeof(order) - 1)
		order[ran] = container_of(w, struct item, work)->tag;
	ran++;
}

static void cancel_victim(struct work *w)
{
	record(w);
	work_cancel(&victim->work);
}

static void schedule_other(struct work *w)
{
	record(w);
	work_schedule(&to_schedule->work, 0);
}

static void reschedule_self(struct work *w)
{
	record(w);
	work_schedule(w, 0);
}

static void reset(void)
{
	memset(order, 0, sizeof(order));
	ran = 0;
	seam_now_ns = 1000000;
}

/* reset(), then schedules items[i] delays[i] from now, in that order. */
static void start(unsigned n, struct item *const items[], const uint64_t delays[])
{
	reset();
	for (unsigned i = 0; i < n; i++)
		work_schedule(&items[i]->work, delays[i]);
}

static bool irqs_enabled(void)
{
	unsigned long was_disabled = arch_irq_save();
	arch_irq_restore(was_disabled);
	return !was_disabled;
}

#define ITEM(name, fn, tag) struct item name = { WORK_INIT(fn), tag }

TEST(runs_in_due_order_fifo_among_equals)
{
	ITEM(a, record, 'a'); ITEM(b, record, 'b'); ITEM(c, record, 'c'); ITEM(d, record, 'd');
	start(4, (struct item *[]){ &c, &a, &d, &b }, (uint64_t[]){ 300, 100, 300, 200 });
	seam_now_ns += 1000;
	CHECK_EQ(work_run_pending(), 4);
	CHECK(strcmp(order, "abcd") == 0);
	CHECK(!a.work.queued && !d.work.queued);
	CHECK(irqs_enabled());
}

TEST(only_due_items_run)
{
	ITEM(a, record, 'a'); ITEM(b, record, 'b');
	start(2, (struct item *[]){ &a, &b }, (uint64_t[]){ 10, 20 });
	CHECK_EQ(work_run_pending(), 0);
	CHECK_EQ(work_next_due_ns(), 10);
	seam_now_ns += 10;
	CHECK_EQ(work_run_pending(), 1);
	CHECK_EQ(work_next_due_ns(), 10);
	seam_now_ns += 50;
	CHECK_EQ(work_next_due_ns(), 0);
	CHECK_EQ(work_run_pending(), 1);
	CHECK(strcmp(order, "ab") == 0);
	CHECK_EQ(work_next_due_ns(), UINT64_MAX);
}

TEST(rescheduling_moves_instead_of_duplicating)
{
	ITEM(a, record, 'a'); ITEM(b, record, 'b');
	start(2, (struct item *[]){ &a, &b }, (uint64_t[]){ 10, 20 });
	work_schedule(&a.work, 30); /* now after b, and only once */
	seam_now_ns += 100;
	CHECK_EQ(work_run_pending(), 2);
	CHECK(strcmp(order, "ba") == 0);
}

TEST(cancel_removes_and_is_idempotent)
{
	ITEM(a, record, 'a'); ITEM(b, record, 'b'); ITEM(c, record, 'c');
	start(3, (struct item *[]){ &a, &b, &c }, (uint64_t[]){ 0, 0, 0 });
	work_cancel(&b.work);
	work_cancel(&b.work);
	CHECK(!b.work.queued);
	CHECK_EQ(work_run_pending(), 2);
	CHECK(strcmp(order, "ac") == 0);
	work_cancel(&a.work); /* not queued: harmless */
	CHECK_EQ(work_run_pending(), 0);
}

TEST(item_cancelled_by_earlier_item_in_same_batch_does_not_run)
{
	ITEM(a, cancel_victim, 'a'); ITEM(b, record, 'b'); ITEM(c, record, 'c');
	victim = &b;
	start(3, (struct item *[]){ &a, &b, &c }, (uint64_t[]){ 0, 0, 0 });
	CHECK_EQ(work_run_pending(), 2);
	CHECK(strcmp(order, "ac") == 0);
	CHECK(!b.work.queued);
}

TEST(item_scheduled_during_run_waits_for_next_call)
{
	ITEM(a, schedule_other, 'a'); ITEM(b, record, 'b');
	reset();
	to_schedule = &b;
	work_schedule(&a.work, 0);
	CHECK_EQ(work_run_pending(), 1);
	CHECK(b.work.queued);
	CHECK_EQ(work_run_pending(), 1);
	CHECK(strcmp(order, "ab") == 0);
}

TEST(self_rescheduling_item_cannot_starve_the_loop)
{
	ITEM(a, reschedule_self, 'a'); ITEM(b, record, 'b');
	start(2, (struct item *[]){ &a, &b }, (uint64_t[]){ 0, 0 });
	/* The clock does not move: a stays due, yet each call ends. */
	CHECK_EQ(work_run_pending(), 2);
	CHECK_EQ(work_run_pending(), 1);
	CHECK_EQ(work_run_pending(), 1);
	CHECK(strcmp(order, "abaa") == 0);
	CHECK(a.work.queued);
	work_cancel(&a.work);
	CHECK_EQ(work_run_pending(), 0);
}

TEST(huge_delay_saturates_instead_of_wrapping)
{
	ITEM(a, record, 'a');
	reset();
	work_schedule(&a.work, UINT64_MAX);
	CHECK(a.work.due_ns == UINT64_MAX);
	seam_now_ns += 1000000000;
	CHECK_EQ(work_run_pending(), 0);
	work_cancel(&a.work);
}

TEST(item_without_function_is_refused_with_message)
{
	struct work w;
	work_init(&w, NULL);
	seam_log_clear();
	work_schedule(&w, 0);
	CHECK(!w.queued);
	CHECK(seam_log_contains("without a function"));
	CHECK_EQ(work_run_pending(), 0);
}

TEST(recursive_spinlock_panics)
{
	static spinlock_t lock = SPINLOCK_INIT("test-lock");
	jmp_buf jb;
	volatile int panicked = 0;

	seam_panic_jmp = &jb;
	if (setjmp(jb) == 0) {
		unsigned long f = spin_lock_irqsave(&lock);
		(void)f;
		spin_lock_irqsave(&lock);
	} else {
		panicked = 1;
	}
	CHECK(panicked);
	lock.held = 0;
	panicked = 0;
	if (setjmp(jb) == 0)
		spin_unlock_irqrestore(&lock, 0);
	else
		panicked = 1;
	CHECK(panicked);
	seam_panic_jmp = NULL;
	arch_irq_restore(0);
}

TEST(spinlock_restores_previous_irq_state)
{
	static spinlock_t outer = SPINLOCK_INIT("outer"), inner = SPINLOCK_INIT("inner");
	CHECK(irqs_enabled());
	unsigned long f1 = spin_lock_irqsave(&outer);
	CHECK(!irqs_enabled());
	unsigned long f2 = spin_lock_irqsave(&inner);
	spin_unlock_irqrestore(&inner, f2);
	CHECK(!irqs_enabled()); /* still inside outer */
	spin_unlock_irqrestore(&outer, f1);
	CHECK(irqs_enabled());
}

TEST(work_ktests_pass_on_the_fake_clock)
{
	int failed;
	reset();
	CHECK_EQ(run_linked_ktests(&failed), 2);
	CHECK_EQ(failed, 0);
}
