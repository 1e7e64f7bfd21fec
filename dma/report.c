/*
 * What the DMA pool tells people: statistics (the body of `dmastat`), misuse
 * reports naming the pool and the caller, write-after-free reports of
 * poisoned pools, and the leak report of dma_pool_destroy. Nothing here is
 * on an allocation's or a free's normal path.
 */
#include "kstring.h"
#include "printk.h"
#include "pool_internal.h"
#include "symbols.h"

void report_misuse(struct dma_pool *pool, const char *op, const void *addr, const char *what,
		   uintptr_t caller)
{
	char site[64];
	ksym_format(caller, site, sizeof(site));
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	pool->misuse++;
	spin_unlock_irqrestore(&pool->lock, flags);
	pr_err("dma pool %s: %s(%p) refused: %s; caller %s\n", pool->name, op, addr, what, site);
}

/* A pointer from no region of this pool may belong to another one. */
void report_refused_free(struct dma_pool *pool, void *vaddr, const char *why, uintptr_t caller)
{
	char what[64];
	const char *owner = why == FREE_FOREIGN ? pool_owning(vaddr, pool) : NULL;
	if (owner)
		ksnprintf(what, sizeof(what), "pointer belongs to pool %s", owner);
	report_misuse(pool, "dma_pool_free", vaddr, owner ? what : why, caller);
}

void check_poison(struct dma_pool *pool, const uint8_t *p, size_t size, dma_addr_t phys,
		  uintptr_t caller)
{
	size_t i = 0;
	while (i < size && p[i] == POISON_BYTE)
		i++;
	if (i == size)
		return;
	char site[64];
	ksym_format(caller, site, sizeof(site));
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	pool->poison_hits++;
	spin_unlock_irqrestore(&pool->lock, flags);
	pr_err("dma pool %s: chunk phys 0x%llx (%zu bytes) was written after free: byte 0x%x at offset %zu; now handed to %s\n",
	       pool->name, (unsigned long long)phys, size, p[i], i, site);
}

/* One line per live chunk of region r: an allocated block's first unit,
 * or a slab's set bits. */
void report_leaks(struct dma_pool *pool, struct dma_region *r)
{
	const uint8_t *kinds = region_kinds(pool, r);
	for (uint32_t i = 0; i < pool->units; i++) {
		unsigned order = KIND_ORDER(kinds[i]), type = KIND_TYPE(kinds[i]);
		bool head = type == KIND_ALLOC && IS_ALIGNED((size_t)i << UNIT_SHIFT, (size_t)1 << order);
		unsigned chunks = type == KIND_SLAB ? 1u << (UNIT_SHIFT - order) : head;
		for (unsigned c = 0; c < chunks; c++)
			if (type != KIND_SLAB || r->unit[i].map[c / 64] >> (c % 64) & 1)
				pr_err("dma pool %s: leak: %zu bytes at phys 0x%llx\n", pool->name,
				       (size_t)1 << order,
				       (unsigned long long)(r->phys + ((size_t)i << UNIT_SHIFT) + ((size_t)c << order)));
	}
}

/* --- statistics ---------------------------------------------------------- */

void dma_pool_stats(struct dma_pool *pool, struct dma_pool_stats *out)
{
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	memset(out, 0, sizeof(*out));
	memcpy(out->name, pool->name, sizeof(out->name));
	out->region_size = pool->cfg.region_size;
	out->max_phys = pool->cfg.max_phys;
	out->nclasses = pool->top_shift - pool->min_shift + 1u;
	for (unsigned i = 0; i < out->nclasses; i++) {
		const struct size_class *c = &pool->cls[i];
		out->cls[i] = (struct dma_pool_class_stats){
			.size = pool->cfg.min_chunk << i, .live = c->live, .peak = c->peak,
			.splits = c->splits, .merges = c->merges, .failed = c->failed,
		};
		out->live_bytes += out->cls[i].live * out->cls[i].size;
	}
	out->regions = pool->nregions;
	out->regions_peak = pool->regions_peak;
	out->regions_taken = pool->regions_taken;
	out->regions_returned = pool->regions_returned;
	out->managed_bytes = (uint64_t)pool->nregions * pool->cfg.region_size;
	out->misuse = pool->misuse;
	out->poison_hits = pool->poison_hits;
	out->region_metadata_bytes = region_meta_bytes(pool) + 2 * 2 * sizeof(struct region_slot);
	out->metadata_bytes = sizeof(*pool) + out->nclasses * sizeof(pool->cls[0]) +
			      (pool->by_virt.buckets + pool->by_phys.buckets) * BUCKET_SLOTS *
				      sizeof(struct region_slot) +
			      (uint64_t)pool->nregions * region_meta_bytes(pool);
	spin_unlock_irqrestore(&pool->lock, flags);
}

unsigned dma_pool_metadata_bp(const struct dma_pool_stats *st)
{
	if (!st->managed_bytes)
		return 0;
	return (unsigned)((st->metadata_bytes * 10000 + st->managed_bytes - 1) / st->managed_bytes);
}

void dma_pool_stats_print(const struct dma_pool_stats *st)
{
	unsigned bp = dma_pool_metadata_bp(st);
	kprintf("pool %s: %llu regions of %zu KiB (peak %llu, taken %llu, returned %llu), max_phys 0x%llx\n",
		st->name, (unsigned long long)st->regions, st->region_size / 1024,
		(unsigned long long)st->regions_peak, (unsigned long long)st->regions_taken,
		(unsigned long long)st->regions_returned, (unsigned long long)st->max_phys);
	kprintf("  managed %llu KiB, live %llu bytes, misuse %llu, poison hits %llu\n",
		(unsigned long long)(st->managed_bytes / 1024), (unsigned long long)st->live_bytes,
		(unsigned long long)st->misuse, (unsigned long long)st->poison_hits);
	kprintf("  metadata %llu bytes = %u.%02u%% of managed (%llu bytes per region)\n",
		(unsigned long long)st->metadata_bytes, bp / 100, bp % 100,
		(unsigned long long)st->region_metadata_bytes);
	kprintf("  %8s %10s %10s %10s %10s %8s\n", "size", "live", "peak", "splits", "merges",
		"failed");
	for (unsigned i = 0; i < st->nclasses; i++) {
		const struct dma_pool_class_stats *c = &st->cls[i];
		kprintf("  %8zu %10llu %10llu %10llu %10llu %8llu\n", c->size,
			(unsigned long long)c->live, (unsigned long long)c->peak,
			(unsigned long long)c->splits, (unsigned long long)c->merges,
			(unsigned long long)c->failed);
	}
}
