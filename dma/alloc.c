/*
 * How the DMA pool hands out and takes back chunks (with the pool lock held;
 * the layout of regions and units is in pool_internal.h).
 *
 * Allocation of a chunk below 4 KiB: the first slab on its size class's list
 * (the class's current slab) gives its lowest free bit; the chunk's address
 * is the region's base + unit * 4 KiB + bit * chunk size. A slab that fills
 * leaves the list; when the list is empty a free unit becomes a new slab.
 * Allocation of 4 KiB or more: a buddy block from the smallest non-empty
 * free list at or above its order, split on the way down. Either way a chunk
 * of 2^k bytes starts at a multiple of 2^k of a naturally aligned region, so
 * it is naturally aligned physically and virtually.
 *
 * Free: the region comes from the hash table (region_table.c), the unit from
 * the offset, and the unit's kind byte and slab bit prove that the pointer
 * is the start of a live chunk before anything changes; every other pointer
 * is refused with the reason. A slab chunk clears its bit (a full slab goes
 * back to the front of its list); a block coalesces with its free buddies.
 *
 * Giving memory back: an empty slab stays on its list, so a burst that
 * empties it refills it without splitting anything; all empty slabs merge
 * back into the buddy before the pool takes a new region. A region whose
 * last chunk is freed stays while at most half of the pool's regions (at
 * least one) are empty, and goes back to the page source otherwise: a pool
 * that drains and refills keeps half of what it needs and takes only the
 * other half again, and one that stays small gives back a region each time
 * one empties, down to one.
 */
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "pool_internal.h"

const char *const FREE_FOREIGN = "pointer is not from this pool";
static const char *const NOT_ALLOCATED = "double free (chunk is not allocated)";
static const char *const INTO_FREE = "pointer into free memory";
static const char *const INTERIOR = "interior or misaligned pointer";

static uint32_t units_in(unsigned order) { return 1u << (order - UNIT_SHIFT); }
static uint32_t unit_index(const struct dma_unit *u) { return (uint32_t)(u - u->region->unit); }

/* --- buddy blocks of units ------------------------------------------- */

static void push_free(struct dma_pool *pool, struct dma_region *r, uint32_t i, unsigned order)
{
	region_kinds(pool, r)[i] = (uint8_t)(KIND_FREE_HEAD | order);
	list_push_front(&class_of(pool, order)->list, &r->unit[i].link);
}

/* A free block of 2^order bytes marked `kind`, split from the smallest
 * larger one if need be; NULL if the pool has none. */
static struct dma_unit *block_take(struct dma_pool *pool, unsigned order, uint8_t kind)
{
	unsigned k = order;
	while (k <= pool->top_shift && list_empty(&class_of(pool, k)->list))
		k++;
	if (k > pool->top_shift)
		return NULL;
	struct list_node *head = list_pop_front(&class_of(pool, k)->list);
	struct dma_unit *u = list_entry(head, struct dma_unit, link);
	uint32_t i = unit_index(u);
	while (k > order) {
		k--;
		class_of(pool, k)->splits++;
		push_free(pool, u->region, i + units_in(k), k);
	}
	for (uint32_t n = 0; n < units_in(order); n++) /* a loop: blocks are a few units */
		region_kinds(pool, u->region)[i + n] = kind;
	return u;
}

/* Gives a block back, merged with its buddy while that is free. */
static void block_put(struct dma_pool *pool, struct dma_region *r, uint32_t i, unsigned order)
{
	uint8_t *kinds = region_kinds(pool, r);
	for (uint32_t n = 0; n < units_in(order); n++)
		kinds[i + n] = KIND_FREE_BODY;
	for (; order < pool->top_shift; order++) {
		uint32_t buddy = i ^ units_in(order);
		if (kinds[buddy] != (KIND_FREE_HEAD | order))
			break;
		list_remove(&r->unit[buddy].link);
		kinds[buddy] = KIND_FREE_BODY;
		class_of(pool, order)->merges++;
		i &= ~units_in(order);
	}
	push_free(pool, r, i, order);
}

/* --- slabs: one unit cut into equal chunks ----------------------------- */

/* An empty slab's map: a 0 per chunk and 1s past the last one, so that a
 * full slab is all ones. */
static void slab_reset(uint64_t map[MAP_WORDS], unsigned order)
{
	unsigned chunks = 1u << (UNIT_SHIFT - order);
	for (unsigned w = 0; w < MAP_WORDS; w++)
		map[w] = chunks >= 64 * (w + 1) ? 0 : chunks <= 64 * w ? ~0ull : ~0ull << (chunks % 64);
}

static bool slab_open(struct dma_pool *pool, unsigned order)
{
	struct dma_unit *u = block_take(pool, UNIT_SHIFT, (uint8_t)(KIND_SLAB | order));
	if (!u)
		return false;
	slab_reset(u->map, order);
	class_of(pool, order)->splits++;
	list_push_front(&class_of(pool, order)->list, &u->link);
	return true;
}

/* Merges every empty slab back into the buddy; true if there was one. */
static bool purge_empty_slabs(struct dma_pool *pool)
{
	bool any = false;
	for (unsigned order = pool->min_shift; order < UNIT_SHIFT; order++) {
		struct dma_unit *u, *tmp;
		uint64_t empty[MAP_WORDS];
		slab_reset(empty, order);
		list_for_each_entry_safe(u, tmp, &class_of(pool, order)->list, link) {
			if (memcmp(empty, u->map, sizeof(empty)))
				continue;
			list_remove(&u->link);
			class_of(pool, order)->merges++;
			block_put(pool, u->region, unit_index(u), UNIT_SHIFT);
			any = true;
		}
	}
	return any;
}

/* The lowest free chunk of a slab with room: its offset in the slab. */
static inline size_t slab_take(struct dma_unit *u, unsigned order)
{
	unsigned w = 0;
	while (!~u->map[w])
		w++;
	unsigned bit = (unsigned)__builtin_ctzll(~u->map[w]);
	u->map[w] |= 1ull << bit;
	if (!~u->map[w] && !~(u->map[0] & u->map[1] & u->map[2] & u->map[3]))
		list_remove(&u->link); /* full */
	return (size_t)(w * 64 + bit) << order;
}

/* --- regions --------------------------------------------------------- */

/* A region breaking the page source's contract is refused with a message. */
static bool region_acceptable(struct dma_pool *pool, void *virt, dma_addr_t phys)
{
	size_t size = pool->cfg.region_size;
	const char *why = !IS_ALIGNED((uintptr_t)virt | phys, size) ? "a misaligned region"
		: phys + size - 1 > pool->cfg.max_phys || phys + size - 1 < phys
			? "a region above the ceiling"
		: table_find(&pool->by_virt, (uintptr_t)virt >> pool->region_shift) ||
		  table_find(&pool->by_phys, phys >> pool->region_shift)
			? "a region the pool already holds" : NULL;
	if (why)
		pr_err("dma pool %s: page source returned %s (virt %p phys 0x%llx, ceiling 0x%llx)\n",
		       pool->name, why, virt, (unsigned long long)phys,
		       (unsigned long long)pool->cfg.max_phys);
	return !why;
}

/* Takes a region from the source, enters it in both tables and cuts it
 * into the largest blocks. */
static bool region_grow(struct dma_pool *pool)
{
	const struct dma_page_source *src = pool->cfg.source;
	size_t size = pool->cfg.region_size;
	dma_addr_t phys = 0;
	void *virt = src->alloc_region(src->ctx, size, pool->cfg.max_phys, &phys);
	if (!virt)
		return false;
	struct dma_region *r = region_acceptable(pool, virt, phys) ? kzalloc(region_meta_bytes(pool)) : NULL;
	uint64_t vframe = (uintptr_t)virt >> pool->region_shift;
	bool entered = r && table_insert(&pool->by_virt, vframe, r);
	if (entered && !table_insert(&pool->by_phys, phys >> pool->region_shift, r)) {
		table_remove(&pool->by_virt, vframe);
		entered = false;
	}
	if (!entered) {
		kfree(r);
		src->free_region(src->ctx, virt, phys, size);
		return false;
	}
	r->virt = (uintptr_t)virt;
	r->phys = phys;
	for (uint32_t i = 0; i < pool->units; i++) {
		list_node_init(&r->unit[i].link);
		r->unit[i].region = r;
	}
	for (uint32_t i = pool->units; i > 0;) { /* pushed last first: handed out from the start */
		i -= units_in(pool->top_shift);
		push_free(pool, r, i, pool->top_shift);
	}
	if (pool->cfg.flags & DMA_POOL_POISON)
		memset(virt, POISON_BYTE, size);
	pool->nregions++;
	pool->empty_regions++;
	pool->regions_taken++;
	pool->regions_peak = MAX(pool->regions_peak, pool->nregions);
	return true;
}

/* Gives an empty region back; its free blocks and empty slabs leave their
 * lists first (unlinking a unit that is on none is harmless). */
void region_release(struct dma_pool *pool, struct dma_region *r)
{
	for (uint32_t i = 0; i < pool->units; i++)
		list_remove(&r->unit[i].link);
	table_remove(&pool->by_virt, r->virt >> pool->region_shift);
	table_remove(&pool->by_phys, r->phys >> pool->region_shift);
	pool->nregions--;
	pool->empty_regions--;
	pool->regions_returned++;
	pool->cfg.source->free_region(pool->cfg.source->ctx, (void *)r->virt, r->phys,
				      pool->cfg.region_size);
	kfree(r);
}

/* --- allocation and free ---------------------------------------------- */

/* A chunk from what the pool holds: the class's current slab (opening a
 * new one from a free unit if it has none) or a buddy block; its offset in
 * *rp, or -1. */
static inline long take_chunk(struct dma_pool *pool, unsigned order, struct dma_region **rp)
{
	struct size_class *c = class_of(pool, order);
	struct dma_unit *u;
	if (order >= UNIT_SHIFT) {
		u = block_take(pool, order, (uint8_t)(KIND_ALLOC | order));
		*rp = u ? u->region : NULL;
		return u ? (long)unit_index(u) << UNIT_SHIFT : -1;
	}
	if (unlikely(list_empty(&c->list)) && !slab_open(pool, order))
		return -1;
	u = list_entry(c->list.next, struct dma_unit, link);
	*rp = u->region;
	return (long)(((size_t)unit_index(u) << UNIT_SHIFT) + slab_take(u, order));
}

/* When nothing free fits: empty slabs merged back, or else a new region. */
static __attribute__((noinline)) long take_chunk_slow(struct dma_pool *pool, unsigned order,
						       struct dma_region **rp)
{
	long off;
	while ((off = take_chunk(pool, order, rp)) < 0)
		if (!purge_empty_slabs(pool) && !region_grow(pool))
			return -1;
	return off;
}

static inline void *alloc_locked(struct dma_pool *pool, unsigned order, dma_addr_t *phys)
{
	struct size_class *c = class_of(pool, order);
	struct dma_region *r;
	long off = take_chunk(pool, order, &r);
	if (unlikely(off < 0) && (off = take_chunk_slow(pool, order, &r)) < 0) {
		c->failed++;
		return NULL;
	}
	if (++c->live > c->peak)
		c->peak = c->live;
	if (unlikely(r->live++ == 0))
		pool->empty_regions--;
	*phys = r->phys + (size_t)off;
	return (void *)(r->virt + (size_t)off);
}

/* Chunks of up to 64 bytes, most descriptors, are zeroed with straight
 * stores (no loop): a memset call costs more than the whole allocation. */
static inline void zero_chunk(void *chunk, size_t bytes)
{
	uint64_t *q = chunk;
	if (bytes > 64) {
		memset(chunk, 0, bytes);
		return;
	}
	q[0] = q[1] = 0;
	if (bytes > 16)
		q[2] = q[3] = 0;
	if (bytes > 32)
		q[4] = q[5] = q[6] = q[7] = 0;
}

/* What only poisoned pools do, and an oversized request. */
static __attribute__((noinline)) void *alloc_unusual(struct dma_pool *pool, size_t size,
						      void *chunk, dma_addr_t phys,
						      uintptr_t caller)
{
	if (!chunk) { /* the size shows as the argument */
		report_misuse(pool, "dma_pool_alloc", (void *)size, "size above max_chunk", caller);
		return NULL;
	}
	if (pool->cfg.flags & DMA_POOL_POISON)
		check_poison(pool, chunk, size, phys, caller);
	if (!(pool->cfg.flags & DMA_POOL_NO_ZERO))
		zero_chunk(chunk, size);
	return chunk;
}

void *dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys)
{
	if (unlikely(size > pool->cfg.max_chunk))
		return alloc_unusual(pool, size, NULL, 0, (uintptr_t)__builtin_return_address(0));
	unsigned order = size <= pool->cfg.min_chunk ? pool->min_shift
						     : 64 - (unsigned)__builtin_clzll(size - 1);
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	void *chunk = alloc_locked(pool, order, phys);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (likely(chunk && !pool->cfg.flags)) {
		zero_chunk(chunk, (size_t)1 << order);
		return chunk;
	}
	if (!chunk || pool->cfg.flags == DMA_POOL_NO_ZERO)
		return chunk;
	return alloc_unusual(pool, (size_t)1 << order, chunk, *phys,
			     (uintptr_t)__builtin_return_address(0));
}

static inline const char *slab_free(struct dma_pool *pool, struct dma_region *r, size_t off,
				    unsigned order)
{
	struct dma_unit *u = &r->unit[off >> UNIT_SHIFT];
	unsigned bit = (unsigned)((off & (UNIT_SIZE - 1)) >> order);
	uint64_t *word = &u->map[bit / 64], mask = 1ull << (bit % 64);
	if (unlikely(off & (((size_t)1 << order) - 1)))
		return INTERIOR;
	if (unlikely(!(*word & mask)))
		return NOT_ALLOCATED;
	if (unlikely(!list_node_linked(&u->link))) /* it was full: it has room again */
		list_push_front(&class_of(pool, order)->list, &u->link);
	*word &= ~mask;
	return NULL;
}

static __attribute__((noinline)) const char *block_free(struct dma_pool *pool,
							 struct dma_region *r, size_t off,
							 uint8_t kind)
{
	unsigned order = KIND_ORDER(kind);
	if (KIND_TYPE(kind) != KIND_ALLOC)
		return IS_ALIGNED(off, (size_t)1 << pool->min_shift) ? NOT_ALLOCATED : INTO_FREE;
	if (off & (((size_t)1 << order) - 1))
		return INTERIOR;
	block_put(pool, r, (uint32_t)(off >> UNIT_SHIFT), order);
	return NULL;
}

/* Why vaddr is not the start of a live chunk, or NULL once it is freed. */
static inline const char *free_locked(struct dma_pool *pool, uintptr_t vaddr)
{
	struct dma_region *r = table_find(&pool->by_virt, vaddr >> pool->region_shift);
	if (unlikely(!r))
		return FREE_FOREIGN;
	size_t off = vaddr & (pool->cfg.region_size - 1);
	uint8_t kind = region_kinds(pool, r)[off >> UNIT_SHIFT];
	unsigned order = KIND_ORDER(kind);
	const char *why = likely(KIND_TYPE(kind) == KIND_SLAB) ? slab_free(pool, r, off, order)
							       : block_free(pool, r, off, kind);
	if (unlikely(why))
		return why;
	if (unlikely(pool->cfg.flags & DMA_POOL_POISON))
		memset((void *)vaddr, POISON_BYTE, (size_t)1 << order);
	class_of(pool, order)->live--;
	if (unlikely(--r->live == 0) && ++pool->empty_regions > 1 &&
	    pool->empty_regions > pool->nregions / 2)
		region_release(pool, r);
	return NULL;
}

void dma_pool_free(struct dma_pool *pool, void *vaddr)
{
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	const char *why = free_locked(pool, (uintptr_t)vaddr);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (unlikely(why))
		report_refused_free(pool, vaddr, why, (uintptr_t)__builtin_return_address(0));
}
