/*
 * In-kernel tests of the work queue: due-time order and fairness. Also
 * linked into the host test of kernel/work.c (test_work).
 */
#include "ktest.h"
#include "ktime.h"
#include "work.h"

struct kt_item {
	struct work work;
	char tag;
};

static char kt_order[4];
static unsigned kt_ran;

static void kt_record(struct work *w)
{
	if (kt_ran < sizeof(kt_order))
		kt_order[kt_ran] = container_of(w, struct kt_item, work)->tag;
	kt_ran++;
}

static void kt_reschedule_self(struct work *w)
{
	kt_ran++;
	work_schedule(w, 0);
}

KTEST(work_runs_in_due_order)
{
	/* static: they must outlive a failed wait, and are cancelled anyway */
	static struct kt_item a = { WORK_INIT(kt_record), 'a' };
	static struct kt_item b = { WORK_INIT(kt_record), 'b' };
	static struct kt_item c = { WORK_INIT(kt_record), 'c' };

	/* Queued out of due order; the gaps are wide enough that a TCG stall
	 * between the three calls cannot reorder their due times. */
	kt_ran = 0;
	work_schedule(&c.work, 60 * NSEC_PER_MSEC);
	work_schedule(&a.work, 0);
	work_schedule(&b.work, 20 * NSEC_PER_MSEC);
	bool done = wait_until((work_run_pending(), kt_ran >= 3), NSEC_PER_SEC);
	work_cancel(&a.work);
	work_cancel(&b.work);
	work_cancel(&c.work);
	KT_ASSERT(done);
	KT_ASSERT(kt_ran == 3);
	KT_ASSERT(kt_order[0] == 'a' && kt_order[1] == 'b' && kt_order[2] == 'c');
	return NULL;
}

KTEST(work_self_rescheduling_does_not_starve)
{
	static struct work w = WORK_INIT(kt_reschedule_self);

	kt_ran = 0;
	work_schedule(&w, 0);
	work_run_pending();
	bool requeued = w.queued;
	work_cancel(&w);
	KT_ASSERT(kt_ran == 1);
	KT_ASSERT(requeued);
	KT_ASSERT(!w.queued);
	return NULL;
}
