/*
 * libFuzzer harness for the range allocator (mm/vrange.c): each input is a
 * sequence of 5-byte operations (reserve, free, find, from; the other four
 * bytes size and place it) on a 1 MiB area, each checked against the
 * reference model of tests/unit/test_vrange_ref.c, with the tree's
 * invariants checked at the end. Any disagreement traps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_vrange_ref.h"

#define AREA_BASE 0xffffc00000000000ull
#define AREA_BYTES (1 * MiB)
#define MAX_LIVE 128
#define OP_BYTES 5

static void require(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_vrange: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrange_area area;
	struct vrange_ref ref;
	vrange_init(&area, AREA_BASE, AREA_BYTES);
	ref_init(&ref, AREA_BASE, AREA_BYTES, MAX_LIVE);
	for (size_t i = 0; i + OP_BYTES <= size; i += OP_BYTES) {
		uint32_t x;
		memcpy(&x, &data[i + 1], sizeof(x));
		const char *bad = ref_step(&area, &ref, data[i], x);
		require(!bad, bad ? bad : "");
	}
	require(vrange_check(&area), "tree invariants broken");
	ref_free_all(&ref);
	return 0;
}
