/*
 * Monotonic time on any architecture: each arch supplies a free-running
 * counter (rdtsc_now: the TSC on x86-64, CNTVCT_EL0 on arm64) and, once at
 * boot, its frequency (clock_start). ktime_ns() converts counts since then
 * with a fixed-point multiplier, so reading the clock is one counter read
 * and one multiply; the delays spin on it.
 */
#include "ktime.h"

static uint64_t boot_count, counter_khz, ns_mult; /* ns = counts * ns_mult >> 32 */

void clock_start(uint64_t khz)
{
	counter_khz = khz;
	ns_mult = (NSEC_PER_MSEC << 32) / khz;
	boot_count = rdtsc_now();
}

uint64_t tsc_khz(void) { return counter_khz; }

uint64_t ktime_ns(void)
{
	if (!ns_mult)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc_now() - boot_count) * ns_mult) >> 32);
}

void udelay(uint64_t us)
{
	uint64_t end = ktime_ns() + us * NSEC_PER_USEC;

	while (ktime_ns() < end)
		cpu_relax();
}

void mdelay(uint64_t ms) { udelay(ms * 1000); }
