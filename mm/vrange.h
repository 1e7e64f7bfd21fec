/*
 * The virtual range allocator behind the vmap area (mm/vrange.c): ranges of
 * any page count, each preceded by one unmapped guard page, kept in a
 * balanced search tree so reserving, freeing and finding stay O(log n)
 * with thousands of ranges. Pure bookkeeping: the caller embeds a struct
 * vrange in its own descriptor and does all mapping; no memory is
 * allocated here, so host tests run it as is.
 */
#ifndef TERN_MM_VRANGE_H
#define TERN_MM_VRANGE_H

#include "layout.h"
#include "types.h"

struct vrange {
	uintptr_t start;             /* its guard page; the range's pages follow */
	uint64_t pages;              /* usable pages, guard not included */
	struct vrange *left, *right; /* tree links, ordered by start */
	uint64_t prio;               /* treap heap key: a hash of start */
	uintptr_t lo, hi;            /* subtree: first guard page, end of last range */
	uint64_t gap;                /* subtree: largest hole between its ranges, bytes */
};

struct vrange_area {
	uintptr_t base, end;
	struct vrange *root;
	uint64_t count, pages; /* live ranges and their usable pages */
};

void vrange_init(struct vrange_area *a, uintptr_t base, uint64_t size);
/* Places r (pages usable pages plus a guard page below them) in the lowest
 * hole that fits; returns the first usable address, 0 if nothing fits. */
uintptr_t vrange_reserve(struct vrange_area *a, struct vrange *r, uint64_t pages);
/* The range whose guard page or pages contain va, or NULL. */
struct vrange *vrange_find(const struct vrange_area *a, uintptr_t va);
/* The range starting at or above va, lowest first, or NULL (iteration). */
struct vrange *vrange_from(const struct vrange_area *a, uintptr_t va);
/* Takes r (a live range of a) out; its space merges with the holes around it. */
void vrange_remove(struct vrange_area *a, struct vrange *r);
/* Checks order, bounds, heap and subtree summaries; O(n), for tests. */
bool vrange_check(const struct vrange_area *a);

static inline uintptr_t vrange_first_page(const struct vrange *r) { return r->start + PAGE_SIZE; }
static inline uintptr_t vrange_end(const struct vrange *r)
{
	return r->start + (r->pages + 1) * PAGE_SIZE;
}

#endif
