/*
 * Creating and destroying DMA pools (include/dma_pool.h; design and
 * guarantees in docs/dma-pool.md), and the list of every pool, used by
 * `dmastat` and to name the owner of a pointer freed into the wrong pool.
 *
 * Locking: one IRQ-safe spinlock per pool around every look at its state,
 * so any call may come from an interrupt handler (Tern has one CPU, so
 * interrupts off is all the exclusion needed); zeroing, poison checks and
 * reports happen after it is dropped. A second lock guards the pool list.
 */
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "pool_internal.h"

static struct list_node all_pools = LIST_HEAD_INIT(all_pools);
static spinlock_t all_pools_lock = SPINLOCK_INIT("dma_pools");

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
static uint8_t log2_of(uint64_t x) { return (uint8_t)(63 - __builtin_clzll(x)); }

static const char *config_error(const struct dma_pool_config *c)
{
	if (!c || !c->source || !c->source->alloc_region || !c->source->free_region)
		return "no page source";
	if (!is_pow2(c->min_chunk) || c->min_chunk < 16)
		return "min_chunk must be a power of two >= 16";
	if (!is_pow2(c->max_chunk) || c->max_chunk < c->min_chunk)
		return "max_chunk must be a power of two >= min_chunk";
	if (!is_pow2(c->region_size) || c->region_size < UNIT_SIZE ||
	    c->region_size > MAX_REGION_SIZE)
		return "region_size must be a power of two from 4 KiB to 4 MiB";
	if (c->max_chunk > c->region_size)
		return "max_chunk must not exceed region_size";
	if (c->max_phys < c->region_size - 1)
		return "max_phys is below the first region";
	if (c->flags & ~(DMA_POOL_NO_ZERO | DMA_POOL_POISON))
		return "unknown flags";
	return NULL;
}

/* The pool with its size classes: min_chunk up to the largest block, which
 * is max_chunk or, if that is smaller, one unit (a slab's block). */
static struct dma_pool *pool_new(const char *name, const struct dma_pool_config *cfg)
{
	unsigned min = log2_of(cfg->min_chunk), top = MAX(log2_of(cfg->max_chunk), UNIT_SHIFT);
	struct dma_pool *pool = kzalloc(sizeof(*pool) + (top - min + 1) * sizeof(pool->cls[0]));
	if (!pool || !table_init(&pool->by_virt, 2) || !table_init(&pool->by_phys, 2)) {
		kfree(pool ? pool->by_virt.slot : NULL);
		kfree(pool);
		return NULL;
	}
	pool->lock = (spinlock_t)SPINLOCK_INIT("dma_pool");
	pool->cfg = *cfg;
	ksnprintf(pool->name, sizeof(pool->name), "%s", name);
	pool->min_shift = (uint8_t)min;
	pool->top_shift = (uint8_t)top;
	pool->region_shift = log2_of(cfg->region_size);
	pool->units = (uint32_t)(cfg->region_size >> UNIT_SHIFT);
	pool->kinds_offset = (uint32_t)(sizeof(struct dma_region) + pool->units * sizeof(struct dma_unit));
	for (unsigned k = min; k <= top; k++)
		list_node_init(&class_of(pool, k)->list);
	return pool;
}

struct dma_pool *dma_pool_create(const char *name, const struct dma_pool_config *cfg)
{
	const char *err = config_error(cfg);
	struct dma_pool *pool = err ? NULL : pool_new(name, cfg);
	if (!pool) {
		pr_err("dma_pool_create(%s): %s\n", name, err ? err : "out of memory for the pool's metadata");
		return NULL;
	}
	unsigned long flags = spin_lock_irqsave(&all_pools_lock);
	list_push_back(&all_pools, &pool->pools);
	spin_unlock_irqrestore(&all_pools_lock, flags);
	return pool;
}

void dma_pool_for_each(void (*fn)(struct dma_pool *pool, void *ctx), void *ctx)
{
	struct dma_pool *p;
	unsigned long flags = spin_lock_irqsave(&all_pools_lock);
	list_for_each_entry(p, &all_pools, pools)
		fn(p, ctx);
	spin_unlock_irqrestore(&all_pools_lock, flags);
}

const char *pool_owning(const void *vaddr, const struct dma_pool *except)
{
	const char *name = NULL;
	struct dma_pool *p;
	unsigned long flags = spin_lock_irqsave(&all_pools_lock);
	list_for_each_entry(p, &all_pools, pools)
		if (!name && p != except && table_find(&p->by_virt, (uintptr_t)vaddr >> p->region_shift))
			name = p->name;
	spin_unlock_irqrestore(&all_pools_lock, flags);
	return name;
}

/* Regions still holding live chunks are never given back: a device may
 * still write into them. They are reported chunk by chunk and kept. */
void dma_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	unsigned long flags = spin_lock_irqsave(&all_pools_lock);
	list_remove(&pool->pools);
	spin_unlock_irqrestore(&all_pools_lock, flags);

	flags = spin_lock_irqsave(&pool->lock);
	uint64_t chunks = 0;
	for (unsigned i = 0; i + pool->min_shift <= pool->top_shift; i++)
		chunks += pool->cls[i].live;
	if (chunks)
		pr_err("dma pool %s destroyed with live chunks:\n", pool->name);
	for (size_t i = 0; i < (size_t)pool->by_virt.buckets * BUCKET_SLOTS; i++) {
		struct dma_region *r = pool->by_virt.slot[i].region; /* release keeps slots in place */
		if (r && !r->live)
			region_release(pool, r);
		else if (r)
			report_leaks(pool, r);
	}
	if (chunks)
		pr_err("dma pool %s: %llu live chunks leaked; %u regions (%zu KiB) kept from the page source\n",
		       pool->name, (unsigned long long)chunks, pool->nregions,
		       pool->nregions * pool->cfg.region_size / 1024);
	for (size_t i = 0; i < (size_t)pool->by_virt.buckets * BUCKET_SLOTS; i++)
		kfree(pool->by_virt.slot[i].region);
	spin_unlock_irqrestore(&pool->lock, flags);
	kfree(pool->by_virt.slot);
	kfree(pool->by_phys.slot);
	kfree(pool);
}
