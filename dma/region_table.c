/*
 * Translation: which region an address belongs to, and the checked
 * phys <-> virt conversions built on it.
 *
 * Regions are naturally aligned, so an address's region number is
 * addr >> log2(region_size) and its offset in the region addr & (size - 1).
 * Each pool has two hash tables of region number -> region, one for virtual
 * and one for physical addresses. Every entry sits in its home bucket of two
 * slots; a table doubles whenever a bucket would overflow or it holds more
 * regions than buckets. A lookup is therefore a multiply, a shift and two
 * compares: the same work for 1 region or 4096, and no direct map involved.
 *
 * phys_to_virt(p): region by p's number, then the unit's kind byte (and, in
 * a slab, the chunk's bit) must show that p lies in a live chunk; the answer
 * is the region's virtual base + the offset. Anything else gives NULL, so a
 * link pointer read back from hardware can be followed safely.
 */
#include "mm.h"
#include "pool_internal.h"

#define NO_FRAME UINT64_MAX /* an empty slot: no region number is this */

/* Puts frame in its home bucket; false if the bucket is full. */
static bool place(struct region_table *t, uint64_t frame, struct dma_region *r)
{
	struct region_slot *b = TABLE_BUCKET(t, frame);
	for (int i = 0; i < BUCKET_SLOTS; i++)
		if (b[i].frame == NO_FRAME) {
			b[i] = (struct region_slot){ frame, r };
			t->count++;
			return true;
		}
	return false;
}

/* An empty table of `buckets` (a power of two) buckets. */
bool table_init(struct region_table *t, uint32_t buckets)
{
	t->slot = kmalloc((size_t)buckets * BUCKET_SLOTS * sizeof(*t->slot));
	if (!t->slot)
		return false;
	for (size_t i = 0; i < (size_t)buckets * BUCKET_SLOTS; i++)
		t->slot[i] = (struct region_slot){ NO_FRAME, NULL };
	t->buckets = buckets;
	t->count = 0;
	t->hash_shift = 64 - (unsigned)__builtin_ctz(buckets);
	return true;
}

/* Rebuilds the table with twice the buckets, doubling again until every
 * region fits in its home bucket. */
static bool table_grow(struct region_table *t)
{
	for (uint32_t buckets = t->buckets * 2; buckets; buckets *= 2) {
		struct region_table bigger;
		if (!table_init(&bigger, buckets))
			return false;
		bool fits = true;
		for (size_t i = 0; fits && i < (size_t)t->buckets * BUCKET_SLOTS; i++)
			if (t->slot[i].frame != NO_FRAME)
				fits = place(&bigger, t->slot[i].frame, t->slot[i].region);
		if (fits) {
			kfree(t->slot);
			*t = bigger;
			return true;
		}
		kfree(bigger.slot);
	}
	return false;
}

/* Grows first if the table would hold more regions than buckets. */
bool table_insert(struct region_table *t, uint64_t frame, struct dma_region *r)
{
	while (t->count + 1 > t->buckets || !place(t, frame, r))
		if (!table_grow(t))
			return false;
	return true;
}

void table_remove(struct region_table *t, uint64_t frame)
{
	struct region_slot *b = TABLE_BUCKET(t, frame);
	for (int i = 0; i < BUCKET_SLOTS; i++)
		if (b[i].frame == frame) {
			b[i] = (struct region_slot){ NO_FRAME, NULL };
			t->count--;
		}
}

/* --- translation --------------------------------------------------------- */

static bool offset_is_live(const struct dma_pool *pool, struct dma_region *r, size_t off)
{
	uint8_t kind = region_kinds(pool, r)[off >> UNIT_SHIFT];
	if (KIND_TYPE(kind) != KIND_SLAB)
		return KIND_TYPE(kind) == KIND_ALLOC;
	unsigned bit = (unsigned)((off & (UNIT_SIZE - 1)) >> KIND_ORDER(kind));
	return r->unit[off >> UNIT_SHIFT].map[bit / 64] >> (bit % 64) & 1;
}

void *dma_pool_phys_to_virt_irqoff(struct dma_pool *pool, dma_addr_t phys)
{
	struct dma_region *r = table_find(&pool->by_phys, phys >> pool->region_shift);
	size_t off = phys & (pool->cfg.region_size - 1);
	return r && offset_is_live(pool, r, off) ? (void *)(r->virt + off) : NULL;
}

void *dma_pool_phys_to_virt(struct dma_pool *pool, dma_addr_t phys)
{
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	void *v = dma_pool_phys_to_virt_irqoff(pool, phys);
	spin_unlock_irqrestore(&pool->lock, flags);
	return v;
}

/* Unlike a hardware link pointer, a pointer outside every live chunk is a
 * driver bug, so it is reported; the result is 0. */
dma_addr_t dma_pool_virt_to_phys(struct dma_pool *pool, const void *vaddr)
{
	uintptr_t v = (uintptr_t)vaddr, caller = (uintptr_t)__builtin_return_address(0);
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	struct dma_region *r = table_find(&pool->by_virt, v >> pool->region_shift);
	size_t off = v & (pool->cfg.region_size - 1);
	dma_addr_t phys = r && offset_is_live(pool, r, off) ? r->phys + off : 0;
	spin_unlock_irqrestore(&pool->lock, flags);
	if (!phys)
		report_misuse(pool, "dma_pool_virt_to_phys", vaddr, "not inside a live chunk", caller);
	return phys;
}
