/*
 * xorshift64 (Marsaglia 2003): the one small, seedable generator behind
 * every randomized test, stress command and benchmark (tests/kernel/,
 * tests/unit/, tests/bench/, tests/fuzz/; the Makefile puts tests/ on their
 * include path), so a printed seed replays a run exactly. Not for anything
 * that needs unpredictability.
 */
#ifndef TERN_RAND_H
#define TERN_RAND_H

#include "types.h"

/* Advances *state (which must be non-zero) and returns the new value. */
static inline uint64_t rand_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
