/*
 * In-kernel tests of the arch layer: the clock agrees with the PIT tick,
 * delays last at least what they promise, and arch_try catches faults and
 * resumes with the caller's registers intact.
 */
#include "arch.h"
#include "ktest.h"
#include "ktime.h"

static void raise_invalid_opcode(void *arg)
{
	arch_undefined_instruction();
}

static void raise_nothing(void *arg)
{
	*(int *)arg = 42;
}

KTEST(arch_try_catches_invalid_opcode)
{
	struct fault_info fault = { 0 };
	volatile uint64_t canary = 0x1234abcd5678ef90ull;

	KT_ASSERT(!arch_try(raise_invalid_opcode, NULL, &fault));
	KT_ASSERT(fault.kind == FAULT_UNDEFINED);
	KT_ASSERT(canary == 0x1234abcd5678ef90ull);
	return NULL;
}

KTEST(arch_try_returns_true_without_fault)
{
	struct fault_info fault = { 0 };
	int value = 0;

	KT_ASSERT(arch_try(raise_nothing, &value, &fault));
	KT_ASSERT(value == 42);
	return NULL;
}

KTEST(clock_is_monotonic_and_calibrated)
{
	uint64_t prev = ktime_ns();

	KT_ASSERT(tsc_khz() > 0);
	for (int i = 0; i < 1000; i++) {
		uint64_t now = ktime_ns();
		KT_ASSERT(now >= prev);
		prev = now;
	}
	return NULL;
}

KTEST(mdelay_waits_at_least_the_delay)
{
	uint64_t start = ktime_ns();

	mdelay(5);
	KT_ASSERT(ktime_ns() - start >= 5 * NSEC_PER_MSEC);
	return NULL;
}

KTEST(wait_until_times_out_and_succeeds)
{
	uint64_t start = ktime_ns();
	int polls = 0;

	KT_ASSERT(!wait_until(false, 2 * NSEC_PER_MSEC));
	KT_ASSERT(ktime_ns() - start >= 2 * NSEC_PER_MSEC);
	KT_ASSERT(wait_until(++polls == 3, NSEC_PER_SEC));
	KT_ASSERT(polls == 3);
	return NULL;
}
