/*
 * Seeds for the randomized mm host tests: TEST_SEED=<n> replays a run,
 * otherwise the clock picks one; a failing step prints the seed and the
 * kernel log so the run can be replayed.
 */
#ifndef TERN_MM_TEST_SEED_H
#define TERN_MM_TEST_SEED_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rand.h"
#include "seams.h"

static inline uint64_t mm_test_seed(void)
{
	const char *env = getenv("TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
	return seed ? seed : 1;
}

static inline void mm_test_report_step(int step, uint64_t seed)
{
	fprintf(stderr, "  step %d failed, replay with TEST_SEED=0x%llx\n%s", step,
		(unsigned long long)seed, seam_log());
}

/* Ends a randomized test (harness.h) at its first failing step, saying how
 * to replay it. */
#define MM_TEST_STEP(ok, step, seed)                     \
	do {                                             \
		if (!(ok)) {                             \
			mm_test_report_step(step, seed); \
			CHECK(ok);                       \
			return;                          \
		}                                        \
	} while (0)

#endif
