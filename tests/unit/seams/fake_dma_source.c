/*
 * Host fakes for the DMA pool's tests (see fake_dma_source.h). Tests link
 * kmalloc from fake_kmalloc.c and the kernel's own formatter.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fake_dma_source.h"
#include "kstring.h"
#include "mm.h"
#include "rand.h"

#define FRAME 4096ull
#define MAX_REGION (4 * MiB)

/* "Physical" frames and a virtual window of the same size, reserved once
 * and touched lazily: a region is a random aligned run of free frames plus
 * an independently chosen aligned run of the window, so its physical and
 * virtual addresses are unrelated, and taking or giving back a region costs
 * about what it costs a real page allocator (no heap call, no page fault
 * after the first use). Memory keeps its stale contents across regions, as
 * real pages do. */
struct fake_dma_arena {
	uint64_t phys_base, frames;
	uint8_t *phys_used, *virt_used, *virt_filled;
	uint8_t *window;          /* virtual frame v is window + v * FRAME */
	size_t window_bytes;
	uint64_t *phys_of_virt;   /* [v] of a region's first frame: phys + 1, or 0 */
	uint64_t *size_of_virt;   /* [v] of a region's first frame: its size */
	uint64_t *virt_of_phys;   /* [f]: virtual frame + 1 holding it, or 0 */
	uint64_t rng, virt_low; /* no virtual frame below virt_low is free */
	long fail_after;
	uint64_t nlive, bytes_live, bad_frees, refusals;
};

static uint64_t next_rand(struct fake_dma_arena *a)
{
	return rand_next(&a->rng);
}

struct fake_dma_arena *fake_dma_arena_create(uint64_t phys_base, uint64_t bytes, uint64_t seed)
{
	struct fake_dma_arena *a = calloc(1, sizeof(*a));
	a->phys_base = phys_base;
	a->frames = bytes / FRAME;
	a->phys_used = calloc(a->frames, 1);
	a->virt_used = calloc(a->frames, 1);
	a->virt_filled = calloc(a->frames, 1);
	a->phys_of_virt = calloc(a->frames, sizeof(uint64_t));
	a->size_of_virt = calloc(a->frames, sizeof(uint64_t));
	a->virt_of_phys = calloc(a->frames, sizeof(uint64_t));
	a->window_bytes = a->frames * FRAME + MAX_REGION;
	a->window = mmap(NULL, a->window_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->window == MAP_FAILED)
		abort();
	a->rng = seed * 2654435761u + 0x9e3779b97f4a7c15ull;
	a->fail_after = -1;
	return a;
}

void fake_dma_arena_destroy(struct fake_dma_arena *a)
{
	munmap(a->window, a->window_bytes);
	free(a->phys_used);
	free(a->virt_used);
	free(a->virt_filled);
	free(a->phys_of_virt);
	free(a->size_of_virt);
	free(a->virt_of_phys);
	free(a);
}

static uint8_t *virt_frame(const struct fake_dma_arena *a, uint64_t v)
{
	return (uint8_t *)ALIGN_UP((uintptr_t)a->window, MAX_REGION) + v * FRAME;
}

static bool frames_free(const uint8_t *used, uint64_t first, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (used[first + i])
			return false;
	return true;
}

/* Picks n naturally aligned free frames (their last byte at or below limit,
 * counted from base), the search starting at a random place (so that
 * consecutive regions are not adjacent) or at the lowest free virtual frame
 * (so that virtual memory is reused while it is warm). */
static bool find_frames(struct fake_dma_arena *a, const uint8_t *used, uint64_t base, uint64_t n,
			uint64_t limit, bool scatter, uint64_t *first)
{
	uint64_t base_align = (base / FRAME) % n;
	uint64_t start = base_align ? n - base_align : 0; /* first aligned frame */
	uint64_t slots = start < a->frames ? (a->frames - start) / n : 0;
	uint64_t pick = !slots ? 0 : scatter ? next_rand(a) % slots : a->virt_low / n % slots;
	for (uint64_t i = 0; i < slots; i++) {
		uint64_t f = start + ((pick + i) % slots) * n;
		if (base + (f + n) * FRAME - 1 <= limit && frames_free(used, f, n)) {
			*first = f;
			return true;
		}
	}
	return false;
}

static void *arena_alloc(void *ctx, size_t size, dma_addr_t max_phys, dma_addr_t *phys)
{
	struct fake_dma_arena *a = ctx;
	uint64_t n = size / FRAME, f, v;
	if (a->fail_after == 0 || size < FRAME || size > MAX_REGION ||
	    !find_frames(a, a->phys_used, a->phys_base, n, max_phys, true, &f) ||
	    !find_frames(a, a->virt_used, 0, n, UINT64_MAX, false, &v)) {
		a->refusals++;
		return NULL;
	}
	if (a->fail_after > 0)
		a->fail_after--;
	memset(&a->phys_used[f], 1, n);
	memset(&a->virt_used[v], 1, n);
	if (v <= a->virt_low)
		a->virt_low = v + n;
	for (uint64_t i = 0; i < n; i++) {
		a->virt_of_phys[f + i] = v + i + 1;
		if (!a->virt_filled[v + i]) /* stale contents, as real pages have */
			memset(virt_frame(a, v + i), 0xa5, FRAME);
		a->virt_filled[v + i] = 1;
	}
	*phys = a->phys_base + f * FRAME;
	a->phys_of_virt[v] = *phys + 1;
	a->size_of_virt[v] = size;
	a->nlive++;
	a->bytes_live += size;
	return virt_frame(a, v);
}

static void arena_free(void *ctx, void *virt, dma_addr_t phys, size_t size)
{
	struct fake_dma_arena *a = ctx;
	uintptr_t off = (uintptr_t)virt - (uintptr_t)virt_frame(a, 0);
	uint64_t v = off / FRAME, f = (phys - a->phys_base) / FRAME, n = size / FRAME;
	if (off % FRAME || v >= a->frames || a->phys_of_virt[v] != phys + 1 ||
	    a->size_of_virt[v] != size) {
		a->bad_frees++;
		return;
	}
	memset(&a->phys_used[f], 0, n);
	memset(&a->virt_used[v], 0, n);
	a->virt_low = MIN(a->virt_low, v);
	for (uint64_t i = 0; i < n; i++)
		a->virt_of_phys[f + i] = 0;
	a->phys_of_virt[v] = 0;
	a->size_of_virt[v] = 0;
	a->nlive--;
	a->bytes_live -= size;
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
	uint64_t f = (phys - a->phys_base) / FRAME;
	if (phys < a->phys_base || f >= a->frames || !a->virt_of_phys[f])
		return NULL;
	return virt_frame(a, a->virt_of_phys[f] - 1) + (phys - a->phys_base) % FRAME;
}
