/*
 * A host page source for DMA pool tests, fuzzers and benchmarks: a
 * simulated physical address range (by default straddling 4 GiB) handed out
 * in naturally aligned regions, each at an independently chosen place of a
 * virtual window reserved once, so "physical" and virtual addresses are
 * unrelated and regions sit at scattered virtual addresses, and a region
 * costs about what it costs a real page allocator. It can be told to run out.
 */
#ifndef TERN_FAKE_DMA_SOURCE_H
#define TERN_FAKE_DMA_SOURCE_H

#include "dma_pool.h"

struct fake_dma_arena;

struct fake_dma_arena *fake_dma_arena_create(uint64_t phys_base, uint64_t bytes,
					     uint64_t seed);
void fake_dma_arena_destroy(struct fake_dma_arena *a);
/* A page source drawing from the arena. */
struct dma_page_source fake_dma_source(struct fake_dma_arena *a);
/* After n more successful regions, every allocation fails (-1: never). */
void fake_dma_arena_fail_after(struct fake_dma_arena *a, long n);
uint64_t fake_dma_arena_bytes_live(const struct fake_dma_arena *a);
uint64_t fake_dma_arena_regions_live(const struct fake_dma_arena *a);
/* Region requests refused so far (exhaustion, simulated or real): a pool
 * may only fail an allocation when this went up. */
uint64_t fake_dma_arena_refusals(const struct fake_dma_arena *a);
/* Frees that did not match a live region exactly (must stay 0). */
uint64_t fake_dma_arena_bad_frees(const struct fake_dma_arena *a);
/* The arena's virtual address for a physical one, NULL if none: lets a
 * test play the device writing to memory by physical address. */
void *fake_dma_arena_device_ptr(const struct fake_dma_arena *a, dma_addr_t phys);

#endif
