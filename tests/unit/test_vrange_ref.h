/*
 * The reference the range allocator (mm/vrange.c) is checked against by the
 * model checker and the fuzzer: a sorted array of live ranges, first fit by
 * a linear scan. Slow and obviously right. Each live range carries the
 * struct vrange the real allocator placed, so both can be compared.
 */
#ifndef TERN_TEST_VRANGE_REF_H
#define TERN_TEST_VRANGE_REF_H

#include "vrange.h"

struct ref_range {
	uintptr_t start; /* guard page */
	uint64_t pages;
	struct vrange *node;
};

struct vrange_ref {
	uintptr_t base, end;
	struct ref_range *live; /* sorted by start */
	unsigned n, max;
};

void ref_init(struct vrange_ref *m, uintptr_t base, uint64_t size, unsigned max_live);
void ref_free_all(struct vrange_ref *m);
/* Where first fit puts pages + a guard page (the guard's address); 0 if nowhere. */
uintptr_t ref_first_fit(const struct vrange_ref *m, uint64_t pages);
void ref_insert(struct vrange_ref *m, uintptr_t start, uint64_t pages, struct vrange *node);
void ref_remove(struct vrange_ref *m, unsigned i);
/* The live range whose guard or pages contain va, or NULL. */
const struct ref_range *ref_find(const struct vrange_ref *m, uintptr_t va);
/* The first live range starting at or above va, or NULL. */
const struct ref_range *ref_from(const struct vrange_ref *m, uintptr_t va);

/*
 * One operation against both, driven by the fuzzer's input bytes or the
 * model checker's random numbers: op % 4 picks reserve, free, find or
 * from; x sizes and places it. Returns the first disagreement, or NULL.
 */
const char *ref_step(struct vrange_area *a, struct vrange_ref *m, unsigned op, uint64_t x);

#endif
