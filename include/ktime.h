/*
 * Monotonic time and bounded waiting. ktime_ns() is kernel/clock.c's
 * conversion of the architecture's counter (x86-64: the TSC calibrated
 * against the PIT; arm64: the generic timer); host tests supply a fake
 * clock. Every hardware wait in Tern goes through wait_until().
 */
#ifndef TERN_KTIME_H
#define TERN_KTIME_H

#include "types.h"

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC 1000000000ull

uint64_t ktime_ns(void);
uint64_t rdtsc_now(void);     /* raw cycle counter, for benchmarks */
uint64_t tsc_khz(void);       /* the counter's frequency */
/* Called once by the architecture when it knows its counter's frequency. */
void clock_start(uint64_t khz);
void udelay(uint64_t us);
void mdelay(uint64_t ms);
void cpu_relax(void);

/*
 * Polls cond until it is true or timeout_ns has passed; evaluates to whether
 * cond became true. cond is re-checked once after the deadline so a slow
 * guest that was descheduled does not report a false timeout.
 */
#define wait_until(cond, timeout_ns)                                   \
	({                                                             \
		uint64_t wu_deadline_ = ktime_ns() + (timeout_ns);     \
		bool wu_ok_;                                           \
		while (!(wu_ok_ = !!(cond)) && ktime_ns() < wu_deadline_) \
			cpu_relax();                                   \
		wu_ok_ || !!(cond);                                    \
	})

#endif
