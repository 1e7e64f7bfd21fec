/*
 * The DMA pool's console stress and benchmark commands (tests, linked into
 * the ISO): `dmatest [ops] [seed]`, a randomized stress over UHCI-, EHCI- and
 * xHCI-shaped pools on the real PMM that must end with 0 violations and the
 * PMM's free memory back where it started, and `dmabench` (workloads 1 and
 * 5 of the benchmark, timed with the TSC; code in dma_bench.c).
 */
#include "dma_bench.h"
#include "dma_pool.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "shell.h"
#include "rand.h"

#define DT_POOLS 3
#define DT_MAX_LIVE 1024
#define DT_SWEEP_EVERY 65536
#define DT_CEILING (4 * GiB - 1)
#define DT_REPORTED 10 /* violations printed in full */

struct dt_chunk {
	uint64_t *virt;
	dma_addr_t phys;
	uint32_t size;
	uint32_t tag;
};

struct dt_pool {
	const char *name;
	struct dma_pool_config cfg;
	struct dma_pool *pool;
	struct dt_chunk live[DT_MAX_LIVE];
	uint32_t nlive;
};

struct dmatest {
	struct dt_pool pools[DT_POOLS];
	uint64_t rng, ops_done, violations, misuse_expected[DT_POOLS];
};

static uint64_t dt_rand(struct dmatest *t)
{
	return rand_next(&t->rng);
}

static void dt_violation(struct dmatest *t, const char *what, uint64_t a, uint64_t b)
{
	if (++t->violations <= DT_REPORTED)
		kprintf("dmatest: VIOLATION after %llu ops: %s (0x%llx, 0x%llx)\n",
			(unsigned long long)t->ops_done, what, (unsigned long long)a,
			(unsigned long long)b);
}

static uint64_t dt_pattern(uint32_t tag, uint32_t word) { return (uint64_t)tag * 0x9e3779b97f4a7c15ull + word; }

static void dt_fill(const struct dt_chunk *c)
{
	for (uint32_t w = 0; w < c->size / 8; w++)
		c->virt[w] = dt_pattern(c->tag, w);
}

static void dt_verify(struct dmatest *t, const struct dt_chunk *c)
{
	for (uint32_t w = 0; w < c->size / 8; w++)
		if (c->virt[w] != dt_pattern(c->tag, w)) {
			dt_violation(t, "live chunk contents changed (phys, word)", c->phys, w);
			return;
		}
}

/* Both directions at a random byte of a live chunk. */
static void dt_check_translation(struct dmatest *t, struct dt_pool *p, const struct dt_chunk *c)
{
	uint32_t off = (uint32_t)(dt_rand(t) % c->size);
	uint8_t *v = (uint8_t *)c->virt + off;
	if (dma_pool_phys_to_virt(p->pool, c->phys + off) != v)
		dt_violation(t, "phys_to_virt of a live chunk", c->phys + off, (uintptr_t)v);
	if (dma_pool_virt_to_phys(p->pool, v) != c->phys + off)
		dt_violation(t, "virt_to_phys of a live chunk", (uintptr_t)v, c->phys + off);
}

static size_t dt_random_size(struct dmatest *t, const struct dt_pool *p)
{
	unsigned r = (unsigned)(dt_rand(t) % 100);
	size_t max = r < 60 ? 64 : r < 90 ? 512 : r < 99 ? 4096 : p->cfg.max_chunk;
	return 1 + dt_rand(t) % max;
}

static void dt_alloc(struct dmatest *t, struct dt_pool *p)
{
	if (p->nlive == DT_MAX_LIVE)
		return;
	size_t want = dt_random_size(t, p), size = p->cfg.min_chunk;
	while (size < want)
		size *= 2;
	dma_addr_t phys = 0;
	uint64_t *v = dma_pool_alloc(p->pool, want, &phys);
	if (!v) {
		dt_violation(t, "allocation failed (size, live)", want, p->nlive);
		return;
	}
	if (!IS_ALIGNED((uintptr_t)v, size) || !IS_ALIGNED(phys, size))
		dt_violation(t, "chunk not naturally aligned (phys, size)", phys, size);
	if (phys + size - 1 > DT_CEILING)
		dt_violation(t, "chunk above the 4 GiB ceiling (phys, size)", phys, size);
	for (size_t w = 0; w < size / 8; w++)
		if (v[w]) {
			dt_violation(t, "chunk not zeroed (phys, word)", phys, w);
			break;
		}
	struct dt_chunk *c = &p->live[p->nlive++];
	*c = (struct dt_chunk){ v, phys, (uint32_t)size, (uint32_t)dt_rand(t) };
	dt_fill(c);
}

/* A freed address may only translate if another live chunk covers it. */
static void dt_check_freed(struct dmatest *t, struct dt_pool *p, dma_addr_t phys)
{
	uint8_t *v = dma_pool_phys_to_virt(p->pool, phys);
	if (!v)
		return;
	for (uint32_t i = 0; i < p->nlive; i++) {
		const struct dt_chunk *c = &p->live[i];
		if (phys >= c->phys && phys - c->phys < c->size)
			return;
	}
	dt_violation(t, "freed memory still translates (phys, virt)", phys, (uintptr_t)v);
}

static void dt_free(struct dmatest *t, struct dt_pool *p, bool device_writes)
{
	if (!p->nlive)
		return;
	uint32_t i = (uint32_t)(dt_rand(t) % p->nlive);
	struct dt_chunk c = p->live[i];
	dt_verify(t, &c);
	p->live[i] = p->live[--p->nlive];
	dma_pool_free(p->pool, c.virt);
	if (device_writes) /* the device keeps writing into the freed chunk */
		memset(c.virt, 0xd5, c.size);
	if (dt_rand(t) % 64 == 0)
		dt_check_freed(t, p, c.phys + dt_rand(t) % c.size);
}

static void dt_sweep(struct dmatest *t)
{
	for (int k = 0; k < DT_POOLS; k++) {
		struct dt_pool *p = &t->pools[k];
		struct dma_pool_stats st;
		dma_pool_stats(p->pool, &st);
		uint64_t live = 0;
		for (unsigned c = 0; c < st.nclasses; c++)
			live += st.cls[c].live;
		if (live != p->nlive)
			dt_violation(t, "pool's live count differs (pool, test)", live, p->nlive);
		if (st.misuse != t->misuse_expected[k])
			dt_violation(t, "unexpected misuse reports (got, expected)", st.misuse,
				     t->misuse_expected[k]);
		for (uint32_t i = 0; i < p->nlive; i++) {
			dt_verify(t, &p->live[i]);
			dt_check_translation(t, p, &p->live[i]);
		}
	}
}

static void dt_step(struct dmatest *t)
{
	struct dt_pool *p = &t->pools[dt_rand(t) % DT_POOLS];
	unsigned r = (unsigned)(dt_rand(t) % 100);
	/* the live-set target swings so pools grow and shrink all the time */
	uint32_t target = (t->ops_done / 100000) % 2 ? DT_MAX_LIVE - 24 : 64;
	if (r < 85) {
		if (p->nlive < target ? r < 55 : r < 30)
			dt_alloc(t, p);
		else
			dt_free(t, p, r % 8 == 0);
	} else if (p->nlive) {
		dt_check_translation(t, p, &p->live[dt_rand(t) % p->nlive]);
	}
}

/* Every misuse case once: each must be refused, counted and harmless. */
static void dt_misuse(struct dmatest *t)
{
	struct dt_pool *u = &t->pools[0], *e = &t->pools[1];
	dma_addr_t pa, pb;
	uint8_t *a = dma_pool_alloc(u->pool, 64, &pa);
	uint8_t *b = dma_pool_alloc(e->pool, 32, &pb);
	int on_stack;
	kprintf("dmatest: misuse cases (5 refusals expected below)\n");
	if (!a || !b) {
		dt_violation(t, "allocation for the misuse cases failed", 0, 0);
		return;
	}
	dma_pool_free(u->pool, a + 16);     /* interior */
	dma_pool_free(u->pool, a + 3);      /* misaligned */
	dma_pool_free(u->pool, b);          /* another pool's */
	dma_pool_free(u->pool, &on_stack);  /* from nowhere */
	dma_pool_free(u->pool, a);
	dma_pool_free(u->pool, a);          /* double free */
	dma_pool_free(e->pool, b);
	t->misuse_expected[0] += 5;
	if (dma_pool_phys_to_virt(u->pool, pa) || dma_pool_phys_to_virt(e->pool, pb))
		dt_violation(t, "freed chunk translates after the misuse cases", pa, pb);
}

/* A named caller for the write-after-free report. */
static __attribute__((noinline)) uint8_t *dt_alloc_32(struct dma_pool *p, dma_addr_t *pa)
{
	uint8_t *v = dma_pool_alloc(p, 32, pa);
	__asm__ __volatile__("" ::: "memory"); /* not a tail call */
	return v;
}

/* Write-after-free detection on a poisoned pool of its own. */
static void dt_poison(struct dmatest *t)
{
	struct dma_pool_config cfg = { 32, 4096, 64 * KiB, DT_CEILING, DMA_POOL_POISON,
				       &dma_kernel_source };
	struct dma_pool *p = dma_pool_create("dmatest_poison", &cfg);
	struct dma_pool_stats st;
	dma_addr_t pa;
	uint8_t *a[2];
	kprintf("dmatest: write after free on a poisoned pool (1 report expected below)\n");
	if (!p || !(a[0] = dt_alloc_32(p, &pa))) {
		dt_violation(t, "cannot set up the poisoned pool", 0, 0);
		dma_pool_destroy(p);
		return;
	}
	dma_pool_free(p, a[0]);
	a[0][5] = 0x42; /* the device writes into the freed chunk */
	a[1] = dt_alloc_32(p, &pa);
	dma_pool_stats(p, &st);
	if (a[1] != a[0] || st.poison_hits != 1)
		dt_violation(t, "write after free not reported (hits, same chunk)", st.poison_hits,
			     a[1] == a[0]);
	dma_pool_free(p, a[1]);
	dma_pool_destroy(p);
}

static bool dt_create(struct dmatest *t)
{
	static const struct { const char *name; size_t min, max, region; } shapes[DT_POOLS] = {
		{ "dmatest_uhci", 16, 4096, 64 * KiB },
		{ "dmatest_ehci", 32, 4096, 64 * KiB },
		{ "dmatest_xhci", 64, 64 * KiB, 256 * KiB },
	};
	for (int k = 0; k < DT_POOLS; k++) {
		struct dt_pool *p = &t->pools[k];
		p->name = shapes[k].name;
		p->cfg = (struct dma_pool_config){ shapes[k].min, shapes[k].max, shapes[k].region,
						   DT_CEILING, 0, &dma_kernel_source };
		p->pool = dma_pool_create(p->name, &p->cfg);
		if (!p->pool)
			return false;
	}
	return true;
}

static void dt_destroy(struct dmatest *t)
{
	for (int k = 0; k < DT_POOLS; k++) {
		struct dt_pool *p = &t->pools[k];
		while (p->nlive)
			dt_free(t, p, false);
		dma_pool_destroy(p->pool);
		p->pool = NULL;
	}
}

static bool parse_arg(int argc, char **argv, int i, uint64_t *out)
{
	return argc <= i || kstrtou64(argv[i], out);
}

static void print_rate(uint64_t ops, uint64_t cycles)
{
	uint64_t khz = tsc_khz();
	uint64_t us = khz ? cycles * 1000 / khz : 0;
	kprintf("dmatest: %llu ops in %llu ms = %llu ops/s\n", (unsigned long long)ops,
		(unsigned long long)(us / 1000), (unsigned long long)(us ? ops * 1000000 / us : 0));
}

static int cmd_dmatest(int argc, char **argv)
{
	static struct dmatest t;
	uint64_t ops = 100000, seed = rdtsc_now() | 1;
	if (argc > 3 || !parse_arg(argc, argv, 1, &ops) || !parse_arg(argc, argv, 2, &seed)) {
		kprintf("usage: dmatest [ops] [seed]\n");
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.rng = seed ? seed : 1;
	kmalloc_trim();
	uint64_t free_before = pmm_free_bytes();
	kprintf("dmatest: %llu ops, seed %llu, pools uhci/ehci/xhci (16/32/64-byte minimum chunks, ceiling 4 GiB)\n",
		(unsigned long long)ops, (unsigned long long)seed);
	if (!dt_create(&t)) {
		kprintf("dmatest: cannot create the pools\n");
		dt_destroy(&t);
		return 1;
	}
	dt_misuse(&t);
	dt_poison(&t);
	uint64_t t0 = rdtsc_now();
	for (t.ops_done = 0; t.ops_done < ops; t.ops_done++) {
		dt_step(&t);
		if (t.ops_done % DT_SWEEP_EVERY == 0)
			dt_sweep(&t);
	}
	uint64_t cycles = rdtsc_now() - t0;
	dt_sweep(&t);
	kprintf("dmatest: the pools at the end of the run (as dmastat shows them):\n");
	for (int k = 0; k < DT_POOLS; k++) {
		struct dma_pool_stats st;
		dma_pool_stats(t.pools[k].pool, &st);
		dma_pool_stats_print(&st);
	}
	dt_destroy(&t);
	kmalloc_trim();
	uint64_t free_after = pmm_free_bytes();
	kprintf("dmatest: PMM free memory before %llu KiB, after %llu KiB\n",
		(unsigned long long)(free_before / KiB), (unsigned long long)(free_after / KiB));
	if (free_before != free_after)
		dt_violation(&t, "PMM free memory not back to its start (before, after)", free_before,
			     free_after);
	print_rate(ops, cycles);
	kprintf("dmatest: %llu violations\n", (unsigned long long)t.violations);
	return t.violations ? 1 : 0;
}
SHELL_COMMAND(dmatest, "dmatest", "dmatest [ops] [seed]",
	      "randomized DMA pool stress; must end with 0 violations", cmd_dmatest);

static int cmd_dmabench(int argc, char **argv)
{
	const struct dma_bench_clock clock = { rdtsc_now, tsc_khz() / 1000 };
	if (!clock.ticks_per_us) {
		kprintf("dmabench: the TSC is not calibrated\n");
		return 1;
	}
	kprintf("dmabench: Tern DMA pool vs the classic (Linux mm/dmapool.c) design, TSC, best of 3\n");
	int rc = dma_bench_linux_replica(&dma_kernel_source, &clock, 3);
	rc |= dma_bench_translation(&dma_kernel_source, &clock, 3);
	return rc;
}
SHELL_COMMAND(dmabench, "dmabench", "dmabench",
	      "DMA pool benchmark: Linux dmapool_test replica and translation cost", cmd_dmabench);
