/*
 * Benchmark code shared by `dmabench` (kernel, TSC) and the host benchmark
 * tests/bench/bench_dma.c: the classic pool Linux uses, as the baseline, and
 * workloads 1 (Linux's dmapool_test) and 5 (translation against the number
 * of regions). Every figure is the best of several runs, reported as time
 * per operation and as a ratio to the baseline measured in the same run.
 * Integer arithmetic only (kernel: no floating point).
 */
#include "dma_bench.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "rand.h"

const char *dma_bench_fixed2(uint64_t hundredths, char *buf)
{
	ksnprintf(buf, DMA_FIXED_LEN, "%llu.%02llu", (unsigned long long)(hundredths / 100),
		  (unsigned long long)(hundredths % 100));
	return buf;
}

/* ns per op, in hundredths of a ns */
static uint64_t per_op_x100(const struct dma_bench_clock *c, uint64_t ticks, uint64_t ops)
{
	return ops ? ticks * 100000 / c->ticks_per_us / ops : 0;
}

static uint64_t ratio_x100(uint64_t a, uint64_t b) { return b ? (a * 100 + b / 2) / b : 0; }

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ------------------------------------------------------------------ */
/* the classic pool                                                     */

struct classic_block {
	struct classic_block *next; /* in band: inside device-writable memory */
	dma_addr_t dma;
};

struct classic_page {
	struct classic_page *next;
	void *vaddr;
	dma_addr_t dma;
};

struct classic_pool {
	const struct dma_page_source *src;
	size_t size, boundary, allocation, nr_pages, nr_active;
	bool zero;
	struct classic_block *next_block;
	struct classic_page *pages;
	spinlock_t lock;
};

struct classic_pool *classic_create(const struct dma_page_source *src, size_t size,
				    size_t align, size_t boundary, bool zero)
{
	struct classic_pool *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	size = MAX(size, sizeof(struct classic_block));
	p->src = src;
	p->size = ALIGN_UP(size, align);
	p->allocation = MAX(p->size, PAGE_SIZE);
	p->boundary = boundary ? boundary : p->allocation;
	p->zero = zero;
	p->lock = (spinlock_t)SPINLOCK_INIT("classic_pool");
	return p;
}

/* Links the page's blocks in address order in front of the free list,
 * skipping any block that would cross the boundary. */
static void classic_init_page(struct classic_pool *p, struct classic_page *page)
{
	struct classic_block *first = NULL, *last = NULL;
	size_t offset = 0, next_boundary = p->boundary;
	while (offset + p->size <= p->allocation) {
		if (offset + p->size > next_boundary) {
			offset = next_boundary;
			next_boundary += p->boundary;
			continue;
		}
		struct classic_block *b = (void *)((char *)page->vaddr + offset);
		b->dma = page->dma + offset;
		b->next = NULL;
		if (last)
			last->next = b;
		else
			first = b;
		last = b;
		offset += p->size;
	}
	last->next = p->next_block;
	p->next_block = first;
}

static bool classic_grow(struct classic_pool *p)
{
	struct classic_page *page = kzalloc(sizeof(*page));
	if (!page)
		return false;
	page->vaddr = p->src->alloc_region(p->src->ctx, p->allocation, UINT64_MAX, &page->dma);
	if (!page->vaddr) {
		kfree(page);
		return false;
	}
	unsigned long flags = spin_lock_irqsave(&p->lock);
	page->next = p->pages;
	p->pages = page;
	p->nr_pages++;
	classic_init_page(p, page);
	spin_unlock_irqrestore(&p->lock, flags);
	return true;
}

void *classic_alloc(struct classic_pool *p, dma_addr_t *dma)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&p->lock);
		struct classic_block *b = p->next_block;
		if (b) {
			p->next_block = b->next;
			p->nr_active++;
			spin_unlock_irqrestore(&p->lock, flags);
			*dma = b->dma;
			if (p->zero)
				memset(b, 0, p->size);
			return b;
		}
		spin_unlock_irqrestore(&p->lock, flags);
		if (!classic_grow(p))
			return NULL;
	}
}

void classic_free(struct classic_pool *p, void *vaddr, dma_addr_t dma)
{
	struct classic_block *b = vaddr;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	b->dma = dma;
	b->next = p->next_block;
	p->next_block = b;
	p->nr_active--;
	spin_unlock_irqrestore(&p->lock, flags);
}

size_t classic_pages(const struct classic_pool *p) { return p->nr_pages; }

void classic_destroy(struct classic_pool *p)
{
	while (p->pages) {
		struct classic_page *page = p->pages;
		p->pages = page->next;
		p->src->free_region(p->src->ctx, page->vaddr, page->dma, p->allocation);
		kfree(page);
	}
	kfree(p);
}

/* ------------------------------------------------------------------ */
/* workload 1                                                           */

#define W1_ROUNDS 100
#define W1_MAX_BLOCKS 8192

struct w1_shape {
	size_t size, align, boundary;
};

static void *w1_ptrs[W1_MAX_BLOCKS];
static dma_addr_t w1_dmas[W1_MAX_BLOCKS];

static size_t w1_blocks(size_t size)
{
	size_t n = 4096 / size * 512;
	return n < 1024 ? 1024 : n > W1_MAX_BLOCKS ? W1_MAX_BLOCKS : n;
}

/* Returns elapsed ticks, 0 if memory ran out. */
static uint64_t w1_tern(const struct dma_page_source *src, const struct dma_bench_clock *c,
			const struct w1_shape *s, bool zero)
{
	struct dma_pool_config cfg = { 16, 4096, 64 * KiB, 4 * GiB - 1,
				       zero ? 0 : DMA_POOL_NO_ZERO, src };
	struct dma_pool *p = dma_pool_create("bench", &cfg);
	size_t blocks = w1_blocks(s->size);
	bool ok = p != NULL;
	uint64_t t0 = c->now();
	for (int r = 0; ok && r < W1_ROUNDS; r++) {
		for (size_t i = 0; i < blocks; i++)
			ok &= (w1_ptrs[i] = dma_pool_alloc(p, s->size, &w1_dmas[i])) != NULL;
		for (size_t i = 0; i < blocks; i++)
			dma_pool_free(p, w1_ptrs[i]);
	}
	uint64_t t = c->now() - t0;
	dma_pool_destroy(p);
	return ok ? t : 0;
}

static uint64_t w1_classic(const struct dma_page_source *src, const struct dma_bench_clock *c,
			   const struct w1_shape *s, bool zero)
{
	struct classic_pool *p = classic_create(src, s->size, s->align, s->boundary, zero);
	size_t blocks = w1_blocks(s->size);
	bool ok = p != NULL;
	uint64_t t0 = c->now();
	for (int r = 0; ok && r < W1_ROUNDS; r++) {
		for (size_t i = 0; i < blocks; i++)
			ok &= (w1_ptrs[i] = classic_alloc(p, &w1_dmas[i])) != NULL;
		for (size_t i = 0; ok && i < blocks; i++)
			classic_free(p, w1_ptrs[i], w1_dmas[i]);
	}
	uint64_t t = c->now() - t0;
	if (p)
		classic_destroy(p);
	return ok ? t : 0;
}

/* The floor under every figure of workload 1: both pools take the same
 * IRQ-safe lock once per call, so a call that takes it, makes one store
 * and drops it is the cheapest any pool can be. What a pool's figure has
 * above it is the pool's own work. */
static spinlock_t w1_floor_lock = SPINLOCK_INIT("dmabench floor");

static __attribute__((noinline)) void w1_locked_store(void **slot, void *value)
{
	unsigned long flags = spin_lock_irqsave(&w1_floor_lock);
	*slot = value;
	spin_unlock_irqrestore(&w1_floor_lock, flags);
}

static uint64_t w1_floor(const struct dma_bench_clock *c)
{
	uint64_t t0 = c->now();
	for (int r = 0; r < W1_ROUNDS; r++)
		for (size_t i = 0; i < W1_MAX_BLOCKS; i++)
			w1_locked_store(&w1_ptrs[i], &w1_dmas[i]);
	return c->now() - t0;
}

#define W1_SHAPES 6

static const struct w1_shape w1_shapes[W1_SHAPES] = {
	{ 16, 16, 0 }, { 64, 64, 0 }, { 256, 256, 0 }, { 1024, 1024, 0 },
	{ 4096, 4096, 0 }, { 68, 32, 4096 },
};

/* Best ticks per shape of Tern zero, classic zero, Tern raw, classic raw,
 * and the best floor (measured once per round).
 * Every round measures every shape, so each best is taken over the whole
 * run rather than over a few adjacent runs that one slow spell can spoil,
 * and each round starts at the next shape: whichever runs first in a round
 * is slower (by 25% for 16 bytes on the host), and the best of the rounds
 * then comes from one where the shape was not first. */
static int w1_measure(const struct dma_page_source *src, const struct dma_bench_clock *c,
		      unsigned repeats, uint64_t best[W1_SHAPES][4], uint64_t *floor)
{
	for (size_t k = 0; k < W1_SHAPES; k++)
		for (int i = 0; i < 4; i++)
			best[k][i] = UINT64_MAX;
	*floor = UINT64_MAX;
	for (unsigned rep = 0; rep < repeats; rep++) {
		*floor = min_u64(*floor, w1_floor(c));
		for (size_t j = 0; j < W1_SHAPES; j++) {
			size_t k = (j + rep) % W1_SHAPES;
			const struct w1_shape *s = &w1_shapes[k];
			uint64_t t[4] = { w1_tern(src, c, s, true), w1_classic(src, c, s, true),
					  w1_tern(src, c, s, false), w1_classic(src, c, s, false) };
			for (int i = 0; i < 4; i++) {
				if (!t[i])
					return 1;
				best[k][i] = min_u64(best[k][i], t[i]);
			}
		}
	}
	return 0;
}

int dma_bench_linux_replica(const struct dma_page_source *src,
			    const struct dma_bench_clock *clock, unsigned repeats)
{
	static uint64_t best[W1_SHAPES][4];
	char f[6][DMA_FIXED_LEN];
	uint64_t sum[4] = { 0 }, floor;

	if (w1_measure(src, clock, repeats, best, &floor)) {
		kprintf("dmabench: out of memory in workload 1\n");
		return 1;
	}
	kprintf("workload 1: Linux dmapool_test replica, %d rounds of allocate-all/free-all, ns per alloc or free\n",
		W1_ROUNDS);
	kprintf("  %-10s %6s | %10s %10s %6s | %10s %10s %6s\n", "size/align", "blocks",
		"tern zero", "classic z", "ratio", "tern raw", "classic", "ratio");
	for (size_t k = 0; k < W1_SHAPES; k++) {
		const struct w1_shape *s = &w1_shapes[k];
		uint64_t ops = 2ull * w1_blocks(s->size) * W1_ROUNDS, ns[4];
		for (int i = 0; i < 4; i++) {
			ns[i] = per_op_x100(clock, best[k][i], ops);
			sum[i] += ns[i];
		}
		kprintf("  %4zu/%-5zu %6zu | %10s %10s %6s | %10s %10s %6s\n", s->size, s->align,
			w1_blocks(s->size), dma_bench_fixed2(ns[0], f[0]),
			dma_bench_fixed2(ns[1], f[1]), dma_bench_fixed2(ratio_x100(best[k][0], best[k][1]), f[2]),
			dma_bench_fixed2(ns[2], f[3]), dma_bench_fixed2(ns[3], f[4]),
			dma_bench_fixed2(ratio_x100(best[k][2], best[k][3]), f[5]));
	}
	kprintf("  %-17s | %10s %10s %6s | %10s %10s %6s\n", "sum of ns/op",
		dma_bench_fixed2(sum[0], f[0]), dma_bench_fixed2(sum[1], f[1]),
		dma_bench_fixed2(ratio_x100(sum[0], sum[1]), f[2]), dma_bench_fixed2(sum[2], f[3]),
		dma_bench_fixed2(sum[3], f[4]), dma_bench_fixed2(ratio_x100(sum[2], sum[3]), f[5]));
	kprintf("  tern: all checks on; \"zero\": Tern's default zeroing vs classic zalloc;\n"
		"  \"raw\": DMA_POOL_NO_ZERO vs plain dma_pool_alloc (what Linux's test measures)\n");
	kprintf("  floor: a call taking the same IRQ-safe lock around one store: %s ns;\n"
		"  each pool's own work per alloc or free is its figure minus this\n",
		dma_bench_fixed2(per_op_x100(clock, floor, (uint64_t)W1_ROUNDS * W1_MAX_BLOCKS), f[0]));
	return 0;
}

/* ------------------------------------------------------------------ */
/* workload 5                                                           */

#define W5_MAX_REGIONS 4096
#define W5_LOOKUPS 1000000
#define W5_PROBES 16384

static void *w5_chunk[W5_MAX_REGIONS];
static dma_addr_t w5_chunk_phys[W5_MAX_REGIONS];
static dma_addr_t w5_probe_phys[W5_PROBES];
static void *w5_probe_virt[W5_PROBES];
static volatile uintptr_t w5_sink;

static uint64_t w5_rng = 0x2545f4914f6cdd1dull;
static uint64_t w5_rand(void)
{
	return rand_next(&w5_rng);
}

/* Probe addresses: random bytes of `spread` chunks picked at random among
 * all n (spread == n: every region; a small spread: a driver's working set
 * of descriptors scattered over the regions). */
static void w5_make_probes(unsigned n, unsigned spread)
{
	unsigned pick[64];
	for (unsigned i = 0; i < spread && i < 64; i++)
		pick[i] = (unsigned)(w5_rand() % n);
	for (unsigned i = 0; i < W5_PROBES; i++) {
		unsigned c = spread < 64 ? pick[w5_rand() % spread] : (unsigned)(w5_rand() % n);
		unsigned off = (unsigned)(w5_rand() % 4096);
		w5_probe_phys[i] = w5_chunk_phys[c] + off;
		w5_probe_virt[i] = (char *)w5_chunk[c] + off;
	}
}

/* Ticks for W5_LOOKUPS of each kind: p2v without lock, p2v locked, v2p. */
static void w5_measure(struct dma_pool *p, const struct dma_bench_clock *c, uint64_t t[3])
{
	uintptr_t acc = 0;
	uint64_t t0 = c->now();
	for (unsigned i = 0; i < W5_LOOKUPS; i++)
		acc += (uintptr_t)dma_pool_phys_to_virt_irqoff(p, w5_probe_phys[i % W5_PROBES]);
	uint64_t t1 = c->now();
	for (unsigned i = 0; i < W5_LOOKUPS; i++)
		acc += (uintptr_t)dma_pool_phys_to_virt(p, w5_probe_phys[i % W5_PROBES]);
	uint64_t t2 = c->now();
	for (unsigned i = 0; i < W5_LOOKUPS; i++)
		acc += dma_pool_virt_to_phys(p, w5_probe_virt[i % W5_PROBES]);
	uint64_t t3 = c->now();
	w5_sink = acc;
	t[0] = t1 - t0;
	t[1] = t2 - t1;
	t[2] = t3 - t2;
}

int dma_bench_translation(const struct dma_page_source *src,
			  const struct dma_bench_clock *clock, unsigned repeats)
{
	static const unsigned counts[] = { 1, 64, W5_MAX_REGIONS };
	char f[4][DMA_FIXED_LEN];
	uint64_t first = 0;

	kprintf("workload 5: translation of random addresses inside live chunks, ns per lookup\n");
	kprintf("  %8s %8s %12s %12s %12s %14s\n", "regions", "probes", "p2v irqoff",
		"p2v locked", "v2p locked", "p2v vs first");
	for (size_t k = 0; k < 2 * ARRAY_SIZE(counts); k++) {
		/* first a working set of 32 chunks, then every chunk of the pool */
		bool all = k >= ARRAY_SIZE(counts);
		unsigned want = counts[k % ARRAY_SIZE(counts)];
		/* 4 KiB regions each holding one live 4 KiB chunk */
		struct dma_pool_config cfg = { 16, 4096, 4096, 4 * GiB - 1, 0, src };
		struct dma_pool *p = dma_pool_create("bench_xlate", &cfg);
		unsigned n = 0;
		while (p && n < want && (w5_chunk[n] = dma_pool_alloc(p, 4096, &w5_chunk_phys[n])))
			n++;
		if (n < want) {
			kprintf("dmabench: out of memory for %u regions\n", want);
			for (unsigned i = 0; i < n; i++)
				dma_pool_free(p, w5_chunk[i]);
			dma_pool_destroy(p);
			return 1;
		}
		w5_make_probes(n, all ? n : MIN(n, 32u));
		uint64_t best[3] = { UINT64_MAX, UINT64_MAX, UINT64_MAX }, t[3];
		for (unsigned rep = 0; rep < repeats; rep++) {
			w5_measure(p, clock, t);
			for (int i = 0; i < 3; i++)
				best[i] = min_u64(best[i], t[i]);
		}
		if (k % ARRAY_SIZE(counts) == 0)
			first = best[0];
		kprintf("  %8u %8s %12s %12s %12s %14s\n", want, all ? "all" : "32 hot",
			dma_bench_fixed2(per_op_x100(clock, best[0], W5_LOOKUPS), f[0]),
			dma_bench_fixed2(per_op_x100(clock, best[1], W5_LOOKUPS), f[1]),
			dma_bench_fixed2(per_op_x100(clock, best[2], W5_LOOKUPS), f[2]),
			dma_bench_fixed2(ratio_x100(best[0], first), f[3]));
		for (unsigned i = 0; i < n; i++)
			dma_pool_free(p, w5_chunk[i]);
		dma_pool_destroy(p);
	}
	kprintf("  (includes the benchmark loop. \"32 hot\": 32 live chunks scattered over all the\n"
		"  regions, like a driver's active descriptors; \"all\": every region, so with 4096\n"
		"  regions the tables no longer fit the L1 cache. The classic pool has no phys->virt.)\n");
	return 0;
}
