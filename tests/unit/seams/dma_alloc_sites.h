/*
 * Ten distinct call sites of dma_pool_alloc for the DMA pool's randomized
 * tests. The pool keeps its slabs per call site, tracks up to eight sites
 * (the rest share one set) and caches the last (call site, size) in its
 * allocation cursor, so tests that allocate from these in runs and
 * interleave them exercise cursor hits, fills and moves, site switches and
 * the shared untracked set.
 */
#ifndef TERN_TEST_DMA_ALLOC_SITES_H
#define TERN_TEST_DMA_ALLOC_SITES_H

#include "dma_pool.h"

#define DMA_TEST_SITES 10

typedef void *(*dma_alloc_site_fn)(struct dma_pool *pool, size_t size, dma_addr_t *phys);
extern const dma_alloc_site_fn dma_alloc_sites[DMA_TEST_SITES];

#endif
