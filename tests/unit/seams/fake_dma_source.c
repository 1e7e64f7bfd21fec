/*
 * Host fakes for the DMA pool's tests (see fake_dma_source.h). Tests link
 * kmalloc from fake_kmalloc.c and the kernel's own formatter.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_dma_source.h"
#include "kstring.h"
#include "mm.h"

#define FRAME 4096ull

struct live_region {
	void *virt;
	dma_addr_t phys;
	size_t size;
};

struct fake_dma_arena {
	uint64_t phys_base, frames;
	uint8_t *frame_used;
	uint64_t rng;
	long fail_after;
	struct live_region *live;
	size_t nlive, cap;
	uint64_t bytes_live, bad_frees, refusals;
};

static uint64_t next_rand(struct fake_dma_arena *a)
{
	a->rng ^= a->rng << 13;
	a->rng ^= a->rng >> 7;
	a->rng ^= a->rng << 17;
	return a->rng;
}

struct fake_dma_arena *fake_dma_arena_create(uint64_t phys_base, uint64_t bytes, uint64_t seed)
{
	struct fake_dma_arena *a = calloc(1, sizeof(*a));
	a->phys_base = phys_base;
	a->frames = bytes / FRAME;
	a->frame_used = calloc(a->frames, 1);
	a->rng = seed * 2654435761u + 0x9e3779b97f4a7c15ull;
	a->fail_after = -1;
	return a;
}

void fake_dma_arena_destroy(struct fake_dma_arena *a)
{
	for (size_t i = 0; i < a->nlive; i++)
		free(a->live[i].virt);
	free(a->live);
	free(a->frame_used);
	free(a);
}

static bool frames_free(const struct fake_dma_arena *a, uint64_t first, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (a->frame_used[first + i])
			return false;
	return true;
}

/* Picks naturally aligned free frames below the ceiling, starting the search
 * at a random place so consecutive regions are not physically adjacent. */
static bool find_frames(struct fake_dma_arena *a, size_t size, dma_addr_t max_phys,
			uint64_t *first)
{
	uint64_t n = size / FRAME;
	uint64_t base_align = (a->phys_base / FRAME) % n;
	uint64_t start = base_align ? n - base_align : 0; /* first aligned frame */
	if (start >= a->frames)
		return false;
	uint64_t slots = (a->frames - start) / n;
	if (!slots)
		return false;
	uint64_t pick = next_rand(a) % slots;
	for (uint64_t i = 0; i < slots; i++) {
		uint64_t f = start + ((pick + i) % slots) * n;
		dma_addr_t last = a->phys_base + (f + n) * FRAME - 1;
		if (last <= max_phys && frames_free(a, f, n)) {
			*first = f;
			return true;
		}
	}
	return false;
}

static void *arena_alloc(void *ctx, size_t size, dma_addr_t max_phys, dma_addr_t *phys)
{
	struct fake_dma_arena *a = ctx;
	uint64_t f;
	void *virt = NULL;
	if (a->fail_after == 0 || size < FRAME || !find_frames(a, size, max_phys, &f) ||
	    !(virt = aligned_alloc(size, size))) {
		a->refusals++;
		return NULL;
	}
	if (a->fail_after > 0)
		a->fail_after--;
	memset(&a->frame_used[f], 1, size / FRAME);
	memset(virt, 0xa5, size); /* stale contents, as real pages have */
	if (a->nlive == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->live = realloc(a->live, a->cap * sizeof(*a->live));
	}
	*phys = a->phys_base + f * FRAME;
	a->live[a->nlive++] = (struct live_region){ virt, *phys, size };
	a->bytes_live += size;
	return virt;
}

static void arena_free(void *ctx, void *virt, dma_addr_t phys, size_t size)
{
	struct fake_dma_arena *a = ctx;
	for (size_t i = 0; i < a->nlive; i++) {
		struct live_region *l = &a->live[i];
		if (l->virt != virt)
			continue;
		if (l->phys != phys || l->size != size)
			break;
		memset(&a->frame_used[(phys - a->phys_base) / FRAME], 0, size / FRAME);
		free(virt);
		a->bytes_live -= size;
		*l = a->live[--a->nlive];
		return;
	}
	a->bad_frees++;
}

struct dma_page_source fake_dma_source(struct fake_dma_arena *a)
{
	return (struct dma_page_source){ arena_alloc, arena_free, a };
}

void fake_dma_arena_fail_after(struct fake_dma_arena *a, long n) { a->fail_after = n; }
uint64_t fake_dma_arena_bytes_live(const struct fake_dma_arena *a) { return a->bytes_live; }
uint64_t fake_dma_arena_regions_live(const struct fake_dma_arena *a) { return a->nlive; }
uint64_t fake_dma_arena_refusals(const struct fake_dma_arena *a) { return a->refusals; }
uint64_t fake_dma_arena_bad_frees(const struct fake_dma_arena *a) { return a->bad_frees; }

void *fake_dma_arena_device_ptr(const struct fake_dma_arena *a, dma_addr_t phys)
{
	for (size_t i = 0; i < a->nlive; i++) {
		const struct live_region *l = &a->live[i];
		if (phys >= l->phys && phys - l->phys < l->size)
			return (char *)l->virt + (phys - l->phys);
	}
	return NULL;
}

