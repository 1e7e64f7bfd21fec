/*
 * xorshift64 (Marsaglia 2003): the small, seedable generator behind
 * memtest, the mm ktests and the host mm tests, so a printed seed replays a
 * run exactly. Not for anything that needs unpredictability.
 */
#ifndef TERN_MM_RAND_H
#define TERN_MM_RAND_H

#include "types.h"

/* state must be non-zero */
static inline uint64_t mm_rand_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
