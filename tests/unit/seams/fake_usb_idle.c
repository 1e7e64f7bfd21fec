/*
 * Host fake of arch_idle() for the USB tests: "sleeping until the next
 * interrupt" moves the fake clock to the next due work item (at most one
 * 1 ms tick), so synchronous waits in the USB core run on the fake clock.
 */
#include "arch.h"
#include "ktime.h"
#include "seams.h"
#include "work.h"

/* Sleeping until the next interrupt: the fake clock jumps to the next
 * due work item, at most one 1 ms tick. */
void arch_idle(void)
{
	uint64_t next = work_next_due_ns();
	seam_now_ns += next == 0 ? 1 : next < NSEC_PER_MSEC ? next : NSEC_PER_MSEC;
}
