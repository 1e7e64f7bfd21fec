/*
 * DMA pool benchmark (`make bench`): Tern's pool against the classic design
 * Linux uses (tests/kernel/dma_bench.c: one size per pool, in-band LIFO free list
 * holding the next pointer and DMA address, pages carved in order, blocks
 * never crossing the boundary), both over the same fake page source and the
 * kernel's own spinlock code, measured in the same run. The six workloads of
 * issue 4 (1 and 5 are shared with the kernel's `dmabench`); each prints
 * ns/op and the ratio Tern/classic (below 1.00: Tern is faster). Times are
 * thread CPU time, best of REPEATS runs, to damp noise from other processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dma_bench.h"
#include "dma_pool.h"
#include "ktime.h"
#include "seams/fake_dma_source.h"
#include "seams/seams.h"
#include "rand.h"

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
	return rand_next(&rng);
}

#define FIXED_LEN DMA_FIXED_LEN

static const char *fixed2(uint64_t hundredths, char *buf)
{
	return dma_bench_fixed2(hundredths, buf);
}

static uint64_t per_op_x100(uint64_t ns, uint64_t ops) { return ops ? ns * 100 / ops : 0; }
static uint64_t ratio_x100(uint64_t a, uint64_t b) { return b ? (a * 100 + b / 2) / b : 0; }

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
/* workload 2: hot alloc/free pair                                      */

#define HOT_OPS 5000000

static void workload2(void)
{
	static const size_t sizes[] = { 16, 32, 64, 128, 4096 };
	char a[FIXED_LEN], b[FIXED_LEN], c[FIXED_LEN];
	printf("\nworkload 2: hot alloc/free pair, %d times, ns per pair (zeroing on both sides)\n",
	       HOT_OPS);
	printf("  %6s %10s %10s %6s\n", "size", "tern", "classic", "ratio");
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		uint64_t bt = ~0ull, bc = ~0ull;
		for (int rep = 0; rep < REPEATS; rep++) {
			struct dma_pool *tp = tern_create(16, 4096, 64 * KiB, 0);
			struct classic_pool *cp = classic_create(&source, sizes[k], sizes[k], 0, true);
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

#define CHURN_OPS 1000000
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
		p[k] = classic_create(&source, churn_sizes[k], churn_sizes[k], 0, true);
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
	char a[FIXED_LEN], b[FIXED_LEN], c[FIXED_LEN];
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

#define CHAIN_ROUNDS 100000

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
			d = next & 1 ? NULL : dma_pool_phys_to_virt_irqoff(p, next);
		}
		*descs += n;
	}
	uint64_t t = now_ns() - t0;
	dma_pool_destroy(p);
	return t;
}

static uint64_t chains_classic(uint64_t *descs)
{
	struct classic_pool *p = classic_create(&source, sizeof(struct desc), 32, 4096, true);
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
	char a[FIXED_LEN], b[FIXED_LEN], c[FIXED_LEN];
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
	printf("  (alloc + link + completion walk + free; tern walks the physical links with\n"
	       "   dma_pool_phys_to_virt_irqoff, as a driver's completion handler does under its\n"
	       "   own IRQ-safe lock; classic follows a virtual pointer cached in the descriptor)\n");
	printf("  %10s %10s %6s\n", "tern", "classic", "ratio");
	printf("  %10s %10s %6s\n", fixed2(per_op_x100(bt, n), a), fixed2(per_op_x100(bc, n), b),
	       fixed2(ratio_x100(bt, bc), c));
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
	char a[FIXED_LEN];

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
	printf("           after freeing everything: %llu regions returned, %llu kept\n",
	       (unsigned long long)st.regions_returned, (unsigned long long)st.regions);
	dma_pool_destroy(p);

	struct classic_pool *c16 = classic_create(&source, 16, 16, 0, true);
	struct classic_pool *c4k = classic_create(&source, 4096, 4096, 0, true);
	for (int i = 0; i < FRAG_CHUNKS; i++)
		v[i] = classic_alloc(c16, &dma[i]);
	for (int i = 0; i < FRAG_CHUNKS; i += 2)
		classic_free(c16, v[i], dma[i]);
	big = classic_alloc(c4k, &big_dma);
	size_t pages = classic_pages(c16) + classic_pages(c4k);
	printf("  classic: a second pool for 4 KiB; pages held %zu (%zu KiB), page metadata %zu bytes;\n",
	       pages, pages * 4, pages * 3 * sizeof(void *));
	printf("           after freeing everything: 0 pages returned (kept until destroy)\n");
	classic_free(c4k, big, big_dma);
	classic_destroy(c16);
	classic_destroy(c4k);
}

/* The shared workloads print through kprintf, which the host seams log. */
static int shared_workload(int (*run)(const struct dma_page_source *,
				      const struct dma_bench_clock *, unsigned))
{
	const struct dma_bench_clock clock = { now_ns, 1000 };
	seam_log_clear();
	printf("\n");
	int rc = run(&source, &clock, REPEATS);
	fputs(seam_log(), stdout);
	return rc;
}

int main(void)
{
	arena = fake_dma_arena_create(ARENA_BASE, ARENA_BYTES, 3);
	source = fake_dma_source(arena);
	printf("bench_dma: Tern DMA pool vs the classic (Linux mm/dmapool.c) design; best of %d runs\n",
	       REPEATS);
	int rc = shared_workload(dma_bench_linux_replica);
	workload2();
	workload3();
	workload4();
	rc |= shared_workload(dma_bench_translation);
	workload6();
	fake_dma_arena_destroy(arena);
	return rc;
}
