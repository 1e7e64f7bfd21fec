/*
 * The memory benchmark (tests/kernel/mm_bench.c), run by the kernel's `membench`
 * command with the TSC and by tests/bench/bench_mm.c with the host clock.
 */
#ifndef TERN_MM_BENCH_H
#define TERN_MM_BENCH_H

#include "types.h"

struct mm_bench_clock {
	uint64_t (*now)(void); /* monotonic ticks */
	uint64_t ticks_per_ms;
};

/* Prints the PMM and kmalloc figures with their baseline ratios; 0 on
 * success, non-zero (after a message) if memory for the baselines is short. */
int mm_bench_run(const struct mm_bench_clock *clock);

#endif
