/*
 * DMA pool: buddy suballocation of naturally aligned power-of-two chunks
 * from physically contiguous regions, with O(1) checked translation in both
 * directions and all metadata kept out of device-writable memory.
 * See docs/dma-pool.md for the design and guarantees.
 */
#ifndef TERN_DMA_POOL_H
#define TERN_DMA_POOL_H

#include "types.h"

struct dma_pool;

/*
 * Where a pool gets its regions: physically contiguous, naturally aligned
 * blocks of `size` bytes (a power of two) with their last byte at or below
 * max_phys. The kernel's source is the PMM (dma_kernel_source); host tests
 * use an arena whose "physical" addresses differ from its virtual ones.
 */
struct dma_page_source {
	void *(*alloc_region)(void *ctx, size_t size, dma_addr_t max_phys,
			      dma_addr_t *phys);
	void (*free_region)(void *ctx, void *virt, dma_addr_t phys, size_t size);
	void *ctx;
};

extern const struct dma_page_source dma_kernel_source;

#define DMA_POOL_NO_ZERO 0x1u /* skip zeroing on allocation (default: zero) */
#define DMA_POOL_POISON 0x2u  /* poison on free, verify on next allocation */

struct dma_pool_config {
	size_t min_chunk;    /* power of two, >= 16 */
	size_t max_chunk;    /* power of two, <= region_size */
	size_t region_size;  /* power of two, >= 4096 */
	dma_addr_t max_phys; /* highest address the device can reach */
	unsigned flags;
	const struct dma_page_source *source;
};

struct dma_pool *dma_pool_create(const char *name, const struct dma_pool_config *cfg);
void *dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys);
void dma_pool_free(struct dma_pool *pool, void *vaddr);
dma_addr_t dma_pool_virt_to_phys(struct dma_pool *pool, const void *vaddr);
/* Checked: NULL unless phys lies inside a live chunk of this pool. */
void *dma_pool_phys_to_virt(struct dma_pool *pool, dma_addr_t phys);
void dma_pool_destroy(struct dma_pool *pool);

#endif
