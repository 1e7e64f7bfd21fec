/*
 * Randomized model checker for the range allocator (mm/vrange.c): random
 * reserves of 1 to 512 pages, frees, and lookups of random addresses in
 * and around a 16 MiB area, each compared with the reference model
 * (test_vrange_ref.c); the whole tree's invariants are checked every
 * CHECK_EVERY operations and at the end. Any disagreement is a violation,
 * printed with the seed that replays it.
 *
 *   test_vrange_model [ops] [seed]   (default 1000000 ops, seed from the clock)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rand.h"
#include "test_vrange_ref.h"

#define AREA_BASE 0xffffc00000000000ull
#define AREA_BYTES (16 * MiB)
#define MAX_LIVE 256
#define CHECK_EVERY 65536
#define REPORT_MAX 10

int main(int argc, char **argv)
{
	uint64_t ops = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	uint64_t rng = seed ? seed : 1, violations = 0, peak = 0;
	struct vrange_area area;
	struct vrange_ref ref;
	clock_t t0 = clock();
	vrange_init(&area, AREA_BASE, AREA_BYTES);
	ref_init(&ref, AREA_BASE, AREA_BYTES, MAX_LIVE);
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t r = rand_next(&rng);
		const char *bad = ref_step(&area, &ref, (unsigned)(r >> 60), rand_next(&rng));
		if (!bad && (op % CHECK_EVERY == 0 || op + 1 == ops) && !vrange_check(&area))
			bad = "tree invariants broken";
		if (bad && violations++ < REPORT_MAX)
			printf("violation at op %llu (seed %llu): %s\n", (unsigned long long)op,
			       (unsigned long long)seed, bad);
		peak = ref.n > peak ? ref.n : peak;
	}
	printf("test_vrange_model: %llu ops, seed %llu, peak %llu live ranges, %.1f s: "
	       "%llu violations\n",
	       (unsigned long long)ops, (unsigned long long)seed, (unsigned long long)peak,
	       (double)(clock() - t0) / CLOCKS_PER_SEC, (unsigned long long)violations);
	ref_free_all(&ref);
	printf("test_vrange_model: %d passed, %d failed\n", violations == 0, violations != 0);
	return violations != 0;
}
