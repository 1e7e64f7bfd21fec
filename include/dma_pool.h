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
 * Where a pool gets its regions: physically contiguous blocks of `size`
 * bytes (a power of two), aligned to `size` both physically and virtually,
 * with their last byte at or below max_phys; NULL when none is left. Called
 * with the pool's lock held (interrupts off). The kernel's source is the PMM
 * (dma_kernel_source, up to 4 MiB); host tests use an arena whose "physical"
 * addresses differ from its virtual ones. A region that breaks these rules
 * is refused with a message and handed back.
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
	size_t region_size;  /* power of two, 4 KiB .. 4 MiB */
	dma_addr_t max_phys; /* highest address the device can reach */
	unsigned flags;
	const struct dma_page_source *source;
};

/* NULL, after a message naming the bad field, if cfg is invalid. The name
 * is copied (up to 23 characters). Every call below is IRQ-safe. */
struct dma_pool *dma_pool_create(const char *name, const struct dma_pool_config *cfg);
/* A chunk of the next power of two >= size (at least min_chunk), aligned to
 * its size physically and virtually, zeroed unless DMA_POOL_NO_ZERO; NULL if
 * the page source is exhausted or size > max_chunk (reported). */
void *dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys);
/* Double frees, interior/misaligned pointers and pointers from another pool
 * or from nowhere are refused with a message naming the pool and the caller,
 * and change nothing. */
void dma_pool_free(struct dma_pool *pool, void *vaddr);
/* Any byte of a live chunk; 0 (reported) for anything else. */
dma_addr_t dma_pool_virt_to_phys(struct dma_pool *pool, const void *vaddr);
/* Checked: NULL unless phys lies inside a live chunk of this pool, so
 * hardware link pointers can be followed safely. */
void *dma_pool_phys_to_virt(struct dma_pool *pool, dma_addr_t phys);
/* Prints a leak line (pool, size, phys) per live chunk and keeps the regions
 * holding them; everything else goes back to the source. */
void dma_pool_destroy(struct dma_pool *pool);

/*
 * phys_to_virt for host-controller drivers that already run with interrupts
 * disabled (a completion walk inside their own spin_lock_irqsave section,
 * or an interrupt handler): same checks without taking the pool lock. Tern
 * runs on one CPU, so interrupts off is all the exclusion needed.
 */
void *dma_pool_phys_to_virt_irqoff(struct dma_pool *pool, dma_addr_t phys);

/* --- statistics -------------------------------------------------------- */
#define DMA_POOL_MAX_CLASSES 19 /* 16 B .. 4 MiB */

struct dma_pool_class_stats {
	size_t size;      /* chunk size of this class */
	uint64_t live;    /* chunks handed out and not yet freed */
	uint64_t peak;    /* highest `live` seen */
	uint64_t splits;  /* larger blocks split to make chunks of this size */
	uint64_t merges;  /* chunks of this size coalesced into a larger block */
	uint64_t failed;  /* allocations of this size that returned NULL */
};

struct dma_pool_stats {
	char name[24];
	size_t region_size;
	dma_addr_t max_phys;
	unsigned nclasses; /* cls[0] is min_chunk, cls[nclasses-1] max_chunk */
	struct dma_pool_class_stats cls[DMA_POOL_MAX_CLASSES];
	uint64_t regions;          /* regions held now */
	uint64_t regions_peak;
	uint64_t regions_taken;    /* from the page source, ever */
	uint64_t regions_returned; /* given back to the page source, ever */
	uint64_t managed_bytes;    /* regions * region_size */
	uint64_t live_bytes;       /* sum of live chunk sizes */
	uint64_t metadata_bytes;   /* every byte of allocator state */
	uint64_t region_metadata_bytes; /* the part each region adds */
	uint64_t misuse;           /* refused frees and bad translations */
	uint64_t poison_hits;      /* writes into freed chunks found */
};

void dma_pool_stats(struct dma_pool *pool, struct dma_pool_stats *out);
/* Metadata as hundredths of a percent of managed memory (150 = 1.50%), as
 * dma_pool_stats_print shows it; for tests and benchmarks that check it. */
unsigned dma_pool_metadata_bp(const struct dma_pool_stats *st);
/* Prints statistics taken with dma_pool_stats (the body of `dmastat`). */
void dma_pool_stats_print(const struct dma_pool_stats *st);
/* Calls fn for every pool in creation order, with interrupts off: fn must
 * be short (take a snapshot, do not print) and not create or destroy pools. */
void dma_pool_for_each(void (*fn)(struct dma_pool *pool, void *ctx), void *ctx);

#endif
