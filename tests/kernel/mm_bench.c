/*
 * Memory-manager benchmark shared by the kernel's `membench` and the host's
 * tests/bench/bench_mm.c: PMM alloc+free at orders 0, 3 and 9 against a
 * bitmap frame allocator over the same number of frames, and kmalloc at 32,
 * 256 and 2048 bytes against a first-fit free-list allocator (K&R style,
 * address-ordered, coalescing) over a 4 MiB PMM block. Each case allocates a
 * batch, then frees it, several rounds; the result is ns per alloc+free pair
 * and the ratio tern/baseline (below 1.000x: tern is faster). Both baselines
 * take an IRQ-safe spinlock per call like the real allocators do, so the
 * comparison is between algorithms. Integer math only (no FPU in the kernel).
 */
#include "kstring.h"
#include "mm.h"
#include "mm_bench.h"
#include "printk.h"
#include "spinlock.h"

#define BATCH 64
#define ROUNDS 64
/* Frees go in a scrambled order (i * 37 mod 64 is a permutation), closer to
 * real use than freeing in allocation order, for both allocator and baseline. */
#define FREE_SLOT(i) (((i) * 37) % BATCH)

static spinlock_t baseline_lock = SPINLOCK_INIT("mm_bench baseline");

/* --- baseline 1: bitmap frame allocator --------------------------------- */

struct bitmap_frames {
	uint64_t *bits; /* 1 = allocated */
	uint64_t frames, hint;
	phys_addr_t store; /* the PMM block holding bits */
	unsigned store_order;
};

static bool run_is_clear(const struct bitmap_frames *b, uint64_t pos, uint64_t n)
{
	if (n < 64) {
		uint64_t mask = ((1ull << n) - 1) << (pos % 64);
		return (b->bits[pos / 64] & mask) == 0;
	}
	for (uint64_t w = pos / 64; w < (pos + n) / 64; w++)
		if (b->bits[w])
			return false;
	return true;
}

static void set_run(struct bitmap_frames *b, uint64_t pos, uint64_t n, bool used)
{
	for (uint64_t i = pos; i < pos + n; i++) {
		if (used)
			b->bits[i / 64] |= 1ull << (i % 64);
		else
			b->bits[i / 64] &= ~(1ull << (i % 64));
	}
}

/* Next fit from the hint, naturally aligned; frame number or UINT64_MAX. */
static uint64_t bitmap_alloc_locked(struct bitmap_frames *b, unsigned order)
{
	uint64_t n = 1ull << order;
	uint64_t start = ALIGN_DOWN(b->hint, n);
	for (uint64_t i = 0; i < b->frames; i += n) {
		uint64_t pos = (start + i) % b->frames;
		if (pos + n <= b->frames && run_is_clear(b, pos, n)) {
			set_run(b, pos, n, true);
			b->hint = pos + n;
			return pos;
		}
	}
	return UINT64_MAX;
}

static uint64_t bitmap_alloc(struct bitmap_frames *b, unsigned order)
{
	unsigned long irq = spin_lock_irqsave(&baseline_lock);
	uint64_t pos = bitmap_alloc_locked(b, order);
	spin_unlock_irqrestore(&baseline_lock, irq);
	return pos;
}

static void bitmap_free(struct bitmap_frames *b, uint64_t pos, unsigned order)
{
	unsigned long irq = spin_lock_irqsave(&baseline_lock);
	set_run(b, pos, 1ull << order, false);
	spin_unlock_irqrestore(&baseline_lock, irq);
}

/* --- baseline 2: first-fit free list ------------------------------------ */

struct ff_block {
	size_t size; /* bytes including this header */
	struct ff_block *next;
};

struct first_fit {
	struct ff_block *free;
};

static void *ff_alloc_locked(struct first_fit *ff, size_t size)
{
	size_t need = ALIGN_UP(size + sizeof(struct ff_block), 16);
	for (struct ff_block **pp = &ff->free; *pp; pp = &(*pp)->next) {
		struct ff_block *b = *pp;
		if (b->size < need)
			continue;
		if (b->size - need >= 2 * sizeof(struct ff_block)) {
			struct ff_block *rest = (struct ff_block *)((char *)b + need);
			rest->size = b->size - need;
			rest->next = b->next;
			*pp = rest;
			b->size = need;
		} else {
			*pp = b->next;
		}
		return b + 1;
	}
	return NULL;
}

static void *ff_alloc(struct first_fit *ff, size_t size)
{
	unsigned long irq = spin_lock_irqsave(&baseline_lock);
	void *p = ff_alloc_locked(ff, size);
	spin_unlock_irqrestore(&baseline_lock, irq);
	return p;
}

static void ff_free_locked(struct first_fit *ff, void *p)
{
	struct ff_block *b = (struct ff_block *)p - 1, **pp = &ff->free;
	while (*pp && *pp < b)
		pp = &(*pp)->next;
	b->next = *pp;
	*pp = b;
	if (b->next && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	struct ff_block *prev = pp == &ff->free ? NULL : container_of(pp, struct ff_block, next);
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

static void ff_free(struct first_fit *ff, void *p)
{
	unsigned long irq = spin_lock_irqsave(&baseline_lock);
	ff_free_locked(ff, p);
	spin_unlock_irqrestore(&baseline_lock, irq);
}

/* --- measurement ---------------------------------------------------------- */

/* ns per operation, times 10, from clock ticks. */
static uint64_t ns10_per_op(const struct mm_bench_clock *c, uint64_t ticks, uint64_t ops)
{
	return ticks * 10000000ull / (c->ticks_per_ms * ops);
}

static uint64_t time_pmm(const struct mm_bench_clock *c, unsigned order)
{
	static phys_addr_t got[BATCH];
	uint64_t t0 = c->now();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++)
			got[i] = alloc_pages(order, PHYS_LIMIT_ANY, 0);
		for (int i = 0; i < BATCH; i++)
			if (got[FREE_SLOT(i)])
				free_pages(got[FREE_SLOT(i)], order);
	}
	return c->now() - t0;
}

static uint64_t time_bitmap(const struct mm_bench_clock *c, struct bitmap_frames *b,
			    unsigned order)
{
	static uint64_t got[BATCH];
	uint64_t t0 = c->now();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++)
			got[i] = bitmap_alloc(b, order);
		for (int i = 0; i < BATCH; i++)
			if (got[FREE_SLOT(i)] != UINT64_MAX)
				bitmap_free(b, got[FREE_SLOT(i)], order);
	}
	return c->now() - t0;
}

static uint64_t time_kmalloc(const struct mm_bench_clock *c, size_t size)
{
	static void *got[BATCH];
	uint64_t t0 = c->now();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++)
			got[i] = kmalloc(size);
		for (int i = 0; i < BATCH; i++)
			kfree(got[FREE_SLOT(i)]);
	}
	return c->now() - t0;
}

static uint64_t time_first_fit(const struct mm_bench_clock *c, struct first_fit *ff, size_t size)
{
	static void *got[BATCH];
	uint64_t t0 = c->now();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++)
			got[i] = ff_alloc(ff, size);
		for (int i = 0; i < BATCH; i++)
			if (got[FREE_SLOT(i)])
				ff_free(ff, got[FREE_SLOT(i)]);
	}
	return c->now() - t0;
}

static void print_row(const char *what, uint64_t param, uint64_t tern_ticks, uint64_t base_ticks,
		      const char *baseline, const struct mm_bench_clock *c)
{
	uint64_t ops = (uint64_t)BATCH * ROUNDS;
	uint64_t t = ns10_per_op(c, tern_ticks, ops), b = ns10_per_op(c, base_ticks, ops);
	/* from raw ticks, so a fast case does not round to 0.000x */
	uint64_t ratio1000 = base_ticks ? tern_ticks * 1000 / base_ticks : 0;
	kprintf("  %-10s %4llu  %6llu.%llu ns/op   %-10s %6llu.%llu ns/op   %llu.%03llux\n", what,
		(unsigned long long)param,
		(unsigned long long)(t / 10), (unsigned long long)(t % 10), baseline,
		(unsigned long long)(b / 10), (unsigned long long)(b % 10),
		(unsigned long long)(ratio1000 / 1000), (unsigned long long)(ratio1000 % 1000));
}

/* The bitmap covers as many frames as the PMM manages (bounded so the
 * bitmap itself stays one PMM block). */
static bool bitmap_setup(struct bitmap_frames *b)
{
	struct pmm_info info;
	pmm_get_info(&info);
	uint64_t max_frames = (PAGE_SIZE << PMM_MAX_ORDER) * 8;
	b->frames = ALIGN_DOWN(MIN(info.managed_pages, max_frames), 64);
	unsigned order = 0;
	while ((PAGE_SIZE << order) < b->frames / 8)
		order++;
	b->store = alloc_pages(order, PHYS_LIMIT_ANY, PMM_ZERO);
	b->store_order = order;
	b->bits = b->store ? phys_to_virt(b->store) : NULL;
	b->hint = 0;
	return b->store != 0;
}

int mm_bench_run(const struct mm_bench_clock *clock)
{
	static const unsigned orders[] = { 0, 3, 9 };
	static const size_t sizes[] = { 32, 256, 2048 };
	struct bitmap_frames bm;
	phys_addr_t ff_store = alloc_pages(PMM_MAX_ORDER, PHYS_LIMIT_ANY, 0);
	if (!ff_store || !bitmap_setup(&bm)) {
		pr_err("membench: not enough free memory for the baselines\n");
		if (ff_store)
			free_pages(ff_store, PMM_MAX_ORDER);
		return 1;
	}
	struct pmm_info info;
	pmm_get_info(&info);
	kprintf("mm benchmark: %u rounds of %u allocations then %u frees; ratio = tern/baseline\n",
		ROUNDS, BATCH, BATCH);
	kprintf("  bitmap baseline over %llu frames (PMM manages %llu)\n",
		(unsigned long long)bm.frames, (unsigned long long)info.managed_pages);
	for (unsigned i = 0; i < ARRAY_SIZE(orders); i++) {
		uint64_t t = time_pmm(clock, orders[i]);
		print_row("pmm order", orders[i], t, time_bitmap(clock, &bm, orders[i]), "bitmap", clock);
	}
	kprintf("  (kmalloc fills each freed object with poison and checks it on reuse;\n"
		"   the first-fit baseline does neither)\n");
	struct first_fit ff;
	ff.free = phys_to_virt(ff_store);
	ff.free->size = PAGE_SIZE << PMM_MAX_ORDER;
	ff.free->next = NULL;
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t t = time_kmalloc(clock, sizes[i]);
		print_row("kmalloc", sizes[i], t, time_first_fit(clock, &ff, sizes[i]), "first-fit", clock);
	}
	free_pages(ff_store, PMM_MAX_ORDER);
	free_pages(bm.store, bm.store_order);
	return 0;
}
