/*
 * The DMA pool's state, shared by its files (API in include/dma_pool.h,
 * design in docs/dma-pool.md): alloc.c allocates and frees, region_table.c
 * finds regions by address and translates, report.c prints, pool.c creates
 * and destroys. A region (physically contiguous, naturally aligned, from the
 * page source) is cut into 4 KiB units: buddy blocks, or slabs of equal
 * chunks with a bit each. All of it lives in kernel memory beside the pool,
 * never in chunk memory that a device can write.
 */
#ifndef TERN_DMA_POOL_INTERNAL_H
#define TERN_DMA_POOL_INTERNAL_H

#include "dma_pool.h"
#include "list.h"
#include "spinlock.h"

#define UNIT_SHIFT 12                      /* units (and slabs) are 4 KiB */
#define UNIT_SIZE (1u << UNIT_SHIFT)
#define MAP_WORDS 4                        /* 256 bits: 4 KiB of 16-byte chunks */
#define MAX_REGION_SIZE (4 * MiB)
#define POISON_BYTE 0x6b

/* A unit's kind byte: the top two bits say what it is, the low six the
 * order (log2 of its chunk or block size). */
#define KIND_FREE_BODY 0x00 /* inside a free block, not its first unit */
#define KIND_FREE_HEAD 0x40 /* first unit of a free block, on its order's list */
#define KIND_ALLOC 0x80     /* any unit of an allocated block */
#define KIND_SLAB 0xc0      /* a slab of equal chunks */
#define KIND_TYPE(k) ((k) & 0xc0)
#define KIND_ORDER(k) ((unsigned)((k) & 0x3f))

struct dma_region;

struct dma_unit {
	struct list_node link;     /* a free block's head or a slab with room: on its order's list */
	struct dma_region *region;
	uint64_t map[MAP_WORDS];   /* slab: a bit per chunk, 1 = handed out or past the last chunk */
};

/* One allocation: this header, the units, then a kind byte per unit. */
struct dma_region {
	uintptr_t virt;
	dma_addr_t phys;
	uint32_t live;             /* chunks handed out */
	struct dma_unit unit[];
};

/* Per size class (order): its list and counters. Slab orders (< UNIT_SHIFT)
 * list their slabs with a free chunk, the first being the current slab;
 * block orders list free buddy blocks. */
struct size_class {
	struct list_node list;
	uint32_t live, peak;
	uint64_t splits, merges, failed;
};

/* Region number (address >> region_shift) -> region, O(1) for any count. */
struct region_table {
	struct region_slot {
		uint64_t frame;
		struct dma_region *region;
	} *slot;
	uint32_t buckets, count;
	unsigned hash_shift;
};

struct dma_pool {
	spinlock_t lock;
	struct dma_pool_config cfg;
	char name[24];
	uint8_t min_shift, top_shift, region_shift; /* top: the largest block */
	uint32_t units;                             /* per region */
	uint32_t kinds_offset;                      /* from a region's header to its kind bytes */
	uint32_t nregions, empty_regions;
	struct region_table by_virt, by_phys;
	uint64_t regions_peak, regions_taken, regions_returned, misuse, poison_hits;
	struct list_node pools;                     /* on the list of every pool */
	struct size_class cls[];                    /* [order - min_shift] */
};

static inline struct size_class *class_of(struct dma_pool *pool, unsigned order)
{
	return &pool->cls[order - pool->min_shift];
}

/* A region's kind bytes, one per unit: KIND_* | order. */
static inline uint8_t *region_kinds(const struct dma_pool *pool, struct dma_region *r)
{
	return (uint8_t *)r + pool->kinds_offset;
}

static inline size_t region_meta_bytes(const struct dma_pool *pool)
{
	return sizeof(struct dma_region) + pool->units * (sizeof(struct dma_unit) + 1);
}

/* region_table.c (the lookup is here so that the free path inlines it) */
#define BUCKET_SLOTS 2
#define TABLE_BUCKET(t, frame) (&(t)->slot[((frame) * 0x9e3779b97f4a7c15ull >> (t)->hash_shift) * BUCKET_SLOTS])

static inline struct dma_region *table_find(const struct region_table *t, uint64_t frame)
{
	const struct region_slot *b = TABLE_BUCKET(t, frame);
	return b[0].frame == frame ? b[0].region : b[1].frame == frame ? b[1].region : NULL;
}

bool table_init(struct region_table *t, uint32_t buckets);
bool table_insert(struct region_table *t, uint64_t frame, struct dma_region *r);
void table_remove(struct region_table *t, uint64_t frame);

/* alloc.c, with the pool lock held */
void region_release(struct dma_pool *pool, struct dma_region *r);
extern const char *const FREE_FOREIGN;

/* report.c */
void report_misuse(struct dma_pool *pool, const char *op, const void *addr, const char *what,
		   uintptr_t caller);
void report_refused_free(struct dma_pool *pool, void *vaddr, const char *why, uintptr_t caller);
void check_poison(struct dma_pool *pool, const uint8_t *p, size_t size, dma_addr_t phys,
		  uintptr_t caller);
void report_leaks(struct dma_pool *pool, struct dma_region *r);
const char *pool_owning(const void *vaddr, const struct dma_pool *except);

#endif
