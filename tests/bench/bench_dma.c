/*
 * DMA pool benchmark (`make bench`): Tern's pool against the classic design
 * Linux uses (mm/dmapool.c: one size per pool, in-band LIFO free list
 * holding the next pointer and DMA address, pages carved in order, blocks
 * never crossing the boundary), both over the same fake page source and the
 * same spinlock, measured in the same run. Six workloads from issue 4; each
 * prints ns/op and the ratio Tern/classic (below 1.00: Tern is faster).
 * Every measurement is the best of REPEATS runs to damp noise from other
 * processes on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dma_pool.h"
#include "seams/fake_dma_source.h"
#include "spinlock.h"

#define REPEATS 5
#define ARENA_BASE (1 * GiB)
#define ARENA_BYTES (512 * MiB)

static struct fake_dma_arena *arena;
static struct dma_page_source source;
static volatile uintptr_t sink; /* keeps results alive */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust to other load */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* "12.34" from a value in hundredths, integer maths only. */
static const char *fixed2(uint64_t hundredths, char *buf)
{
	snprintf(buf, 16, "%llu.%02llu", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
	return buf;
}

static uint64_t per_op_x100(uint64_t ns, uint64_t ops) { return ops ? ns * 100 / ops : 0; }
static uint64_t ratio_x100(uint64_t a, uint64_t b) { return b ? (a * 100 + b / 2) / b : 0; }

/* ------------------------------------------------------------------ */
/* the classic pool (Linux mm/dmapool.c, 2024 design)                   */

struct classic_block {
	struct classic_block *next;
	dma_addr_t dma;
};

struct classic_page {
	struct classic_page *next;
	void *vaddr;
	dma_addr_t dma;
};

struct classic_pool {
	size_t size, boundary, allocation;
	bool zero;
	struct classic_block *next_block;
	struct classic_page *pages;
	size_t nr_pages;
	spinlock_t lock;
};

static struct classic_pool *classic_create(size_t size, size_t align, size_t boundary, bool zero)
{
	struct classic_pool *p = calloc(1, sizeof(*p));
	size = size < sizeof(struct classic_block) ? sizeof(struct classic_block) : size;
	p->size = ALIGN_UP(size, align);
	p->allocation = p->size > 4096 ? p->size : 4096;
	p->boundary = boundary ? boundary : p->allocation;
	p->zero = zero;
	p->lock = (spinlock_t)SPINLOCK_INIT("classic");
	return p;
}

/* Links the page's blocks in address order in front of the free list. */
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

static void *classic_alloc(struct classic_pool *p, dma_addr_t *dma)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct classic_block *b = p->next_block;
	if (!b) {
		spin_unlock_irqrestore(&p->lock, flags);
		struct classic_page *page = calloc(1, sizeof(*page));
		page->vaddr = source.alloc_region(source.ctx, p->allocation, ~0ull, &page->dma);
		if (!page->vaddr) {
			free(page);
			return NULL;
		}
		flags = spin_lock_irqsave(&p->lock);
		page->next = p->pages;
		p->pages = page;
		p->nr_pages++;
		classic_init_page(p, page);
		b = p->next_block;
	}
	p->next_block = b->next;
	spin_unlock_irqrestore(&p->lock, flags);
	*dma = b->dma;
	if (p->zero)
		memset(b, 0, p->size);
	return b;
}

static void classic_free(struct classic_pool *p, void *vaddr, dma_addr_t dma)
{
	struct classic_block *b = vaddr;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	b->dma = dma;
	b->next = p->next_block;
	p->next_block = b;
	spin_unlock_irqrestore(&p->lock, flags);
}

static void classic_destroy(struct classic_pool *p)
{
	while (p->pages) {
		struct classic_page *page = p->pages;
		p->pages = page->next;
		source.free_region(source.ctx, page->vaddr, page->dma, p->allocation);
		free(page);
	}
	free(p);
}

static struct dma_pool *tern_create(size_t min, size_t max, size_t region, unsigned flags)
{
	struct dma_pool_config cfg = { min, max, region, 4 * GiB - 1, flags, &source };
	struct dma_pool *p = dma_pool_create("bench", &cfg);
	if (!p) {
		fprintf(stderr, "bench_dma: cannot create a pool\n");
		exit(1);
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* workload 1: Linux's dmapool test module                              */

struct shape {
	size_t size, align, boundary;
};

static size_t shape_blocks(size_t size)
{
	size_t n = 4096 / size * 512;
	return n < 1024 ? 1024 : n > 8192 ? 8192 : n;
}

#define ROUNDS 100

static uint64_t w1_tern(const struct shape *s, bool zero, void **ptrs, size_t blocks)
{
	struct dma_pool *p = tern_create(16, 4096, 64 * KiB, zero ? 0 : DMA_POOL_NO_ZERO);
	dma_addr_t dma;
	uint64_t t0 = now_ns();
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < blocks; i++)
			ptrs[i] = dma_pool_alloc(p, s->size, &dma);
		for (size_t i = 0; i < blocks; i++)
			dma_pool_free(p, ptrs[i]);
	}
	uint64_t t = now_ns() - t0;
	dma_pool_destroy(p);
	return t;
}

static uint64_t w1_classic(const struct shape *s, bool zero, void **ptrs, dma_addr_t *dmas,
			   size_t blocks)
{
	struct classic_pool *p = classic_create(s->size, s->align, s->boundary, zero);
	uint64_t t0 = now_ns();
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < blocks; i++)
			ptrs[i] = classic_alloc(p, &dmas[i]);
		for (size_t i = 0; i < blocks; i++)
			classic_free(p, ptrs[i], dmas[i]);
	}
	uint64_t t = now_ns() - t0;
	classic_destroy(p);
	return t;
}

static void workload1(void)
{
	static const struct shape shapes[] = {
		{ 16, 16, 0 }, { 64, 64, 0 }, { 256, 256, 0 }, { 1024, 1024, 0 },
		{ 4096, 4096, 0 }, { 68, 32, 4096 },
	};
	static void *ptrs[8192];
	static dma_addr_t dmas[8192];
	char a[16], b[16], c[16], d[16], e[16], f[16];
	uint64_t sum[4] = { 0 };

	printf("\nworkload 1: Linux dmapool_test replica, %d rounds of allocate-all/free-all, ns per alloc or free\n",
	       ROUNDS);
	printf("  %-10s %6s | %10s %10s %6s | %10s %10s %6s\n", "size/align", "blocks",
	       "tern zero", "classic z", "ratio", "tern raw", "classic", "ratio");
	for (size_t k = 0; k < ARRAY_SIZE(shapes); k++) {
		const struct shape *s = &shapes[k];
		size_t blocks = shape_blocks(s->size);
		uint64_t best[4] = { ~0ull, ~0ull, ~0ull, ~0ull };
		for (int rep = 0; rep < REPEATS; rep++) {
			uint64_t t[4] = { w1_tern(s, true, ptrs, blocks),
					  w1_classic(s, true, ptrs, dmas, blocks),
					  w1_tern(s, false, ptrs, blocks),
					  w1_classic(s, false, ptrs, dmas, blocks) };
			for (int i = 0; i < 4; i++)
				best[i] = t[i] < best[i] ? t[i] : best[i];
		}
		uint64_t ops = 2ull * blocks * ROUNDS;
		for (int i = 0; i < 4; i++)
			sum[i] += per_op_x100(best[i], ops);
		printf("  %4zu/%-5zu %6zu | %10s %10s %6s | %10s %10s %6s\n", s->size, s->align, blocks,
		       fixed2(per_op_x100(best[0], ops), a), fixed2(per_op_x100(best[1], ops), b),
		       fixed2(ratio_x100(best[0], best[1]), c), fixed2(per_op_x100(best[2], ops), d),
		       fixed2(per_op_x100(best[3], ops), e), fixed2(ratio_x100(best[2], best[3]), f));
	}
	printf("  %-17s | %10s %10s %6s | %10s %10s %6s\n", "sum of ns/op", fixed2(sum[0], a),
	       fixed2(sum[1], b), fixed2(ratio_x100(sum[0], sum[1]), c), fixed2(sum[2], d),
	       fixed2(sum[3], e), fixed2(ratio_x100(sum[2], sum[3]), f));
	printf("  (tern: all checks on, chunks zeroed by default; \"raw\": DMA_POOL_NO_ZERO vs plain dma_pool_alloc)\n");
}

/* ------------------------------------------------------------------ */
/* workload 2: hot alloc/free pair                                      */

#define HOT_OPS 10000000

static void workload2(void)
{
	static const size_t sizes[] = { 16, 32, 64, 128, 4096 };
	char a[16], b[16], c[16];
	printf("\nworkload 2: hot alloc/free pair, %d times, ns per pair (zeroing on both sides)\n",
	       HOT_OPS);
	printf("  %6s %10s %10s %6s\n", "size", "tern", "classic", "ratio");
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		uint64_t bt = ~0ull, bc = ~0ull;
		for (int rep = 0; rep < REPEATS; rep++) {
			struct dma_pool *tp = tern_create(16, 4096, 64 * KiB, 0);
			struct classic_pool *cp = classic_create(sizes[k], sizes[k], 0, true);
			dma_addr_t dma;
			uint64_t t0 = now_ns();
			for (int i = 0; i < HOT_OPS; i++)
				dma_pool_free(tp, dma_pool_alloc(tp, sizes[k], &dma));
			uint64_t t1 = now_ns();
			for (int i = 0; i < HOT_OPS; i++) {
				void *v = classic_alloc(cp, &dma);
				classic_free(cp, v, dma);
			}
			uint64_t t2 = now_ns();
			bt = t1 - t0 < bt ? t1 - t0 : bt;
			bc = t2 - t1 < bc ? t2 - t1 : bc;
			dma_pool_destroy(tp);
			classic_destroy(cp);
		}
		printf("  %6zu %10s %10s %6s\n", sizes[k], fixed2(per_op_x100(bt, HOT_OPS), a),
		       fixed2(per_op_x100(bc, HOT_OPS), b), fixed2(ratio_x100(bt, bc), c));
	}
}

/* ------------------------------------------------------------------ */
/* workload 3: random churn, mixed sizes                                */

#define CHURN_OPS 2000000
#define NSIZES 5
static const size_t churn_sizes[NSIZES] = { 16, 32, 64, 128, 4096 };

struct churn_slot {
	void *v;
	dma_addr_t dma;
	unsigned k;
};

static size_t churn_pick(void)
{
	unsigned r = (unsigned)(rnd() % 100);
	return r < 40 ? 0 : r < 70 ? 1 : r < 85 ? 2 : r < 97 ? 3 : 4;
}

static uint64_t churn_tern(size_t live, struct churn_slot *slots)
{
	struct dma_pool *p = tern_create(16, 4096, 64 * KiB, 0);
	rng = 42;
	for (size_t i = 0; i < live; i++) {
		slots[i].k = (unsigned)churn_pick();
		slots[i].v = dma_pool_alloc(p, churn_sizes[slots[i].k], &slots[i].dma);
	}
	uint64_t t0 = now_ns();
	for (int i = 0; i < CHURN_OPS; i++) {
		struct churn_slot *s = &slots[rnd() % live];
		dma_pool_free(p, s->v);
		s->k = (unsigned)churn_pick();
		s->v = dma_pool_alloc(p, churn_sizes[s->k], &s->dma);
	}
	uint64_t t = now_ns() - t0;
	dma_pool_destroy(p);
	return t;
}

/* The classic answer to mixed sizes: one pool per size, as drivers do. */
static uint64_t churn_classic(size_t live, struct churn_slot *slots)
{
	struct classic_pool *p[NSIZES];
	for (int k = 0; k < NSIZES; k++)
		p[k] = classic_create(churn_sizes[k], churn_sizes[k], 0, true);
	rng = 42;
	for (size_t i = 0; i < live; i++) {
		slots[i].k = (unsigned)churn_pick();
		slots[i].v = classic_alloc(p[slots[i].k], &slots[i].dma);
	}
	uint64_t t0 = now_ns();
	for (int i = 0; i < CHURN_OPS; i++) {
		struct churn_slot *s = &slots[rnd() % live];
		classic_free(p[s->k], s->v, s->dma);
		s->k = (unsigned)churn_pick();
		s->v = classic_alloc(p[s->k], &s->dma);
	}
	uint64_t t = now_ns() - t0;
	for (int k = 0; k < NSIZES; k++)
		classic_destroy(p[k]);
	return t;
}

static void workload3(void)
{
	static const size_t lives[] = { 64, 1024, 16384 };
	static struct churn_slot slots[16384];
	char a[16], b[16], c[16];
	printf("\nworkload 3: random churn (free a random live chunk, allocate 16..4096 bytes), %d ops, ns per free+alloc\n",
	       CHURN_OPS);
	printf("  %6s %10s %10s %6s   (classic: one pool per size)\n", "live", "tern", "classic",
	       "ratio");
	for (size_t k = 0; k < ARRAY_SIZE(lives); k++) {
		uint64_t bt = ~0ull, bc = ~0ull;
		for (int rep = 0; rep < REPEATS; rep++) {
			uint64_t t = churn_tern(lives[k], slots);
			uint64_t c2 = churn_classic(lives[k], slots);
			bt = t < bt ? t : bt;
			bc = c2 < bc ? c2 : bc;
		}
		printf("  %6zu %10s %10s %6s\n", lives[k], fixed2(per_op_x100(bt, CHURN_OPS), a),
		       fixed2(per_op_x100(bc, CHURN_OPS), b), fixed2(ratio_x100(bt, bc), c));
	}
}

/* ------------------------------------------------------------------ */
/* workload 4: USB-shaped descriptor chains                             */

#define CHAIN_ROUNDS 200000

/* A qTD-like descriptor: the hardware link is a physical address. The
 * classic driver also keeps a virtual pointer beside it, as Linux EHCI does. */
struct desc {
	uint64_t next_phys;
	struct desc *next_virt; /* classic only */
	uint64_t token[2];
};

static uint64_t chains_tern(uint64_t *descs)
{
	struct dma_pool *p = tern_create(32, 4096, 64 * KiB, 0);
	struct desc *chain[64];
	dma_addr_t phys[64];
	rng = 7;
	uint64_t t0 = now_ns();
	for (int r = 0; r < CHAIN_ROUNDS; r++) {
		unsigned n = 1 + (unsigned)(rnd() % 64);
		for (unsigned i = 0; i < n; i++)
			chain[i] = dma_pool_alloc(p, sizeof(struct desc), &phys[i]);
		for (unsigned i = 0; i + 1 < n; i++)
			chain[i]->next_phys = phys[i + 1];
		chain[n - 1]->next_phys = 1; /* terminate bit, as EHCI */
		/* completion: walk the hardware links, freeing as we go */
		struct desc *d = chain[0];
		while (d) {
			uint64_t next = d->next_phys;
			dma_pool_free(p, d);
			d = next & 1 ? NULL : dma_pool_phys_to_virt(p, next);
		}
		*descs += n;
	}
	uint64_t t = now_ns() - t0;
	dma_pool_destroy(p);
	return t;
}

static uint64_t chains_classic(uint64_t *descs)
{
	struct classic_pool *p = classic_create(sizeof(struct desc), 32, 4096, true);
	struct desc *chain[64];
	dma_addr_t phys[64];
	rng = 7;
	uint64_t t0 = now_ns();
	for (int r = 0; r < CHAIN_ROUNDS; r++) {
		unsigned n = 1 + (unsigned)(rnd() % 64);
		for (unsigned i = 0; i < n; i++)
			chain[i] = classic_alloc(p, &phys[i]);
		for (unsigned i = 0; i + 1 < n; i++) {
			chain[i]->next_phys = phys[i + 1];
			chain[i]->next_virt = chain[i + 1];
		}
		chain[n - 1]->next_phys = 1;
		chain[n - 1]->next_virt = NULL;
		struct desc *d = chain[0];
		while (d) {
			struct desc *next = d->next_virt;
			classic_free(p, d, d->next_phys ? phys[0] : 0);
			d = next;
		}
		*descs += n;
	}
	uint64_t t = now_ns() - t0;
	classic_destroy(p);
	return t;
}

static void workload4(void)
{
	char a[16], b[16], c[16];
	uint64_t bt = ~0ull, bc = ~0ull, n = 0;
	for (int rep = 0; rep < REPEATS; rep++) {
		n = 0;
		uint64_t t = chains_tern(&n);
		uint64_t dummy = 0;
		uint64_t c2 = chains_classic(&dummy);
		bt = t < bt ? t : bt;
		bc = c2 < bc ? c2 : bc;
	}
	printf("\nworkload 4: USB-shaped chains of 1-64 32-byte descriptors, %d chains, ns per descriptor\n",
	       CHAIN_ROUNDS);
	printf("  (alloc + link + completion walk + free; tern walks physical links with\n"
	       "   dma_pool_phys_to_virt, classic follows a cached virtual pointer)\n");
	printf("  %10s %10s %6s\n", "tern", "classic", "ratio");
	printf("  %10s %10s %6s\n", fixed2(per_op_x100(bt, n), a), fixed2(per_op_x100(bc, n), b),
	       fixed2(ratio_x100(bt, bc), c));
}

/* ------------------------------------------------------------------ */
/* workload 5: translation cost against the number of regions           */

#define LOOKUPS 4000000
#define PROBES 65536

static void workload5(void)
{
	static const unsigned counts[] = { 1, 64, 4096 };
	static dma_addr_t probe_phys[PROBES];
	static void *probe_virt[PROBES];
	static void *chunks[4096];
	static dma_addr_t chunk_phys[4096];
	char a[16], b[16], c[16], d[16];
	uint64_t base[3] = { 0 };

	printf("\nworkload 5: translation of random addresses inside live chunks, ns per lookup\n");
	printf("  %8s %12s %12s %12s %12s   (ratio: against 1 region)\n", "regions",
	       "p2v irqoff", "p2v locked", "v2p irqoff", "ratio p2v");
	for (size_t k = 0; k < ARRAY_SIZE(counts); k++) {
		/* 4 KiB regions each holding one live 4 KiB chunk */
		struct dma_pool *p = tern_create(16, 4096, 4096, 0);
		for (unsigned i = 0; i < counts[k]; i++)
			chunks[i] = dma_pool_alloc(p, 4096, &chunk_phys[i]);
		for (unsigned i = 0; i < PROBES; i++) {
			unsigned c2 = (unsigned)(rnd() % counts[k]);
			unsigned off = (unsigned)(rnd() % 4096);
			probe_phys[i] = chunk_phys[c2] + off;
			probe_virt[i] = (char *)chunks[c2] + off;
		}
		uint64_t best[3] = { ~0ull, ~0ull, ~0ull };
		for (int rep = 0; rep < REPEATS; rep++) {
			uintptr_t acc = 0;
			uint64_t t0 = now_ns();
			for (unsigned i = 0; i < LOOKUPS; i++)
				acc += (uintptr_t)dma_pool_phys_to_virt_irqoff(p, probe_phys[i % PROBES]);
			uint64_t t1 = now_ns();
			for (unsigned i = 0; i < LOOKUPS; i++)
				acc += (uintptr_t)dma_pool_phys_to_virt(p, probe_phys[i % PROBES]);
			uint64_t t2 = now_ns();
			for (unsigned i = 0; i < LOOKUPS; i++)
				acc += dma_pool_virt_to_phys_irqoff(p, probe_virt[i % PROBES]);
			uint64_t t3 = now_ns();
			sink = acc;
			uint64_t t[3] = { t1 - t0, t2 - t1, t3 - t2 };
			for (int i = 0; i < 3; i++)
				best[i] = t[i] < best[i] ? t[i] : best[i];
		}
		if (k == 0)
			memcpy(base, best, sizeof(base));
		printf("  %8u %12s %12s %12s %12s\n", counts[k], fixed2(per_op_x100(best[0], LOOKUPS), a),
		       fixed2(per_op_x100(best[1], LOOKUPS), b),
		       fixed2(per_op_x100(best[2], LOOKUPS), c), fixed2(ratio_x100(best[0], base[0]), d));
		for (unsigned i = 0; i < counts[k]; i++)
			dma_pool_free(p, chunks[i]);
		dma_pool_destroy(p);
	}
	printf("  (classic pool: no phys->virt at all; Linux EHCI caches virtual pointers, xHCI a radix tree)\n");
}

/* ------------------------------------------------------------------ */
/* workload 6: fragmentation                                            */

#define FRAG_CHUNKS 16384

static void workload6(void)
{
	static void *v[FRAG_CHUNKS];
	static dma_addr_t dma[FRAG_CHUNKS];
	struct dma_pool_stats st;
	struct dma_pool *p = tern_create(16, 4096, 64 * KiB, 0);
	char a[16];

	for (int i = 0; i < FRAG_CHUNKS; i++)
		v[i] = dma_pool_alloc(p, 16, &dma[i]);
	dma_pool_stats(p, &st);
	uint64_t regions_full = st.regions;
	for (int i = 0; i < FRAG_CHUNKS; i += 2)
		dma_pool_free(p, v[i]);
	dma_addr_t big_dma;
	void *big = dma_pool_alloc(p, 4096, &big_dma);
	dma_pool_stats(p, &st);
	printf("\nworkload 6: fragmentation: %d x 16-byte chunks, free every other one, then ask for 4 KiB\n",
	       FRAG_CHUNKS);
	printf("  tern:    regions taken %llu for the 16-byte fill, %llu after the 4 KiB request (%s)\n",
	       (unsigned long long)regions_full, (unsigned long long)st.regions,
	       big ? "served" : "FAILED");
	printf("           metadata %llu bytes for %llu KiB managed = %s%%\n",
	       (unsigned long long)st.metadata_bytes, (unsigned long long)(st.managed_bytes / 1024),
	       fixed2(dma_pool_metadata_bp(&st), a));
	dma_pool_free(p, big);
	for (int i = 1; i < FRAG_CHUNKS; i += 2)
		dma_pool_free(p, v[i]);
	dma_pool_stats(p, &st);
	printf("           after freeing everything: %llu regions returned, %llu kept (hysteresis)\n",
	       (unsigned long long)st.regions_returned, (unsigned long long)st.regions);
	dma_pool_destroy(p);

	struct classic_pool *c16 = classic_create(16, 16, 0, true);
	struct classic_pool *c4k = classic_create(4096, 4096, 0, true);
	for (int i = 0; i < FRAG_CHUNKS; i++)
		v[i] = classic_alloc(c16, &dma[i]);
	for (int i = 0; i < FRAG_CHUNKS; i += 2)
		classic_free(c16, v[i], dma[i]);
	big = classic_alloc(c4k, &big_dma);
	size_t pages = c16->nr_pages + c4k->nr_pages;
	printf("  classic: a second pool for 4 KiB; pages held %zu (%zu KiB), page metadata %zu bytes;\n",
	       pages, pages * 4, pages * sizeof(struct classic_page));
	printf("           after freeing everything: 0 pages returned (kept until destroy)\n");
	classic_free(c4k, big, big_dma);
	classic_destroy(c16);
	classic_destroy(c4k);
}

int main(void)
{
	arena = fake_dma_arena_create(ARENA_BASE, ARENA_BYTES, 3);
	source = fake_dma_source(arena);
	printf("bench_dma: Tern DMA pool vs the classic (Linux mm/dmapool.c) design; best of %d runs\n",
	       REPEATS);
	workload1();
	workload2();
	workload3();
	workload4();
	workload5();
	workload6();
	fake_dma_arena_destroy(arena);
	return 0;
}
