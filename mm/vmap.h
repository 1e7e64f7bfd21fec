/*
 * mm-private interface between the page tables (mm/vmm.c), the vmap area
 * (mm/vmap.c) and lazy kernel memory (mm/vmalloc.c). Functions named
 * *_locked run under the VMM lock, taken with vmm_lock_take, which also
 * sets the "in the allocator" marker (include/mm.h).
 */
#ifndef TERN_MM_VMAP_H
#define TERN_MM_VMAP_H

#include "mm.h"
#include "vrange.h"

/* vmm_init has run: the vmap area exists. */
bool vmm_is_live(void);
unsigned long vmm_lock_take(void);
void vmm_lock_drop(unsigned long irq);

/* Maps [va, va + len) to pa with 4 KiB pages, adding missing page tables
 * from the PMM if new_tables (else a missing one is VMM_ENOMEM);
 * all-or-nothing; VMM_* errors. */
int vmm_map_locked(uintptr_t va, phys_addr_t pa, uint64_t len, unsigned prot, bool new_tables);
void vmm_unmap_locked(uintptr_t va, uint64_t len);
/* Unmaps one 4 KiB page and flushes it; returns the frame, 0 if unmapped. */
phys_addr_t vmm_unmap_page_locked(uintptr_t va);
bool vmm_is_mapped_locked(uintptr_t va);
/* Adds every page table that mapping [va, va + len) with 4 KiB pages needs
 * (no leaf entry); false if memory ran out. */
bool vmm_build_tables_locked(uintptr_t va, uint64_t len);

/* A range of the vmap area and what it is for. */
struct vmap_region {
	struct vrange range;
	enum vmap_kind kind;
	uint64_t mapped; /* pages mapped now */
};

void vmap_init(void);
typedef bool (*vmap_fill_fn)(struct vmap_region *r, const void *ctx);
/* Places a new region of `kind` and lets fill(r, ctx) map it, both under
 * the lock; on failure undoes both and prints why, naming who. Returns its
 * first page, 0 on failure. */
uintptr_t vmap_create(enum vmap_kind kind, uint64_t pages, const char *who, vmap_fill_fn fill,
		      const void *ctx);
/* A vmap_fill_fn: a zeroed PMM page for every page of r. */
bool vmap_map_all_locked(struct vmap_region *r, const void *unused);
typedef bool (*vmap_match_fn)(const struct vmap_region *r, uintptr_t addr);
/* Releases and frees the region holding `at` if match(r, addr) accepts
 * it; false (nothing done) if not. */
bool vmap_destroy(uintptr_t at, uintptr_t addr, vmap_match_fn match);
/* The region whose guard page or pages contain va, or NULL. */
struct vmap_region *vmap_find_locked(uintptr_t va);
bool vmap_is_guard_page(uintptr_t va);
/* Maps a zeroed PMM page at va in r and counts it; new_tables as for
 * vmm_map_locked. False if memory ran out. */
bool vmap_map_fresh_locked(struct vmap_region *r, uintptr_t va, bool new_tables);

static inline uintptr_t vmap_first_page(const struct vmap_region *r)
{
	return vrange_first_page(&r->range);
}

#endif
