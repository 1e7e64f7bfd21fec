/*
 * Randomized model checker for the DMA pool: runs random allocations,
 * frees, translations, misuse and simulated device writes against UHCI-,
 * EHCI- and xHCI-shaped pools and compares every answer with a simple
 * reference model (a list of live chunks plus an owner map of the fake
 * physical arena). Any disagreement is a violation, printed with the seed.
 *
 *   test_dma_model [ops] [seed]     (default 2000000 ops, seed from the clock)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dma_pool.h"
#include "seams/fake_dma_source.h"
#include "rand.h"

#define ARENA_BASE (4 * GiB - 32 * MiB) /* straddles the 4 GiB ceiling */
#define ARENA_BYTES (64 * MiB)
#define GRAIN 16 /* owner map granularity: the smallest chunk */
#define NPOOLS 4
#define MAX_LIVE 6000
#define SWEEP_EVERY 4096

struct chunk {
	uint8_t *virt;
	dma_addr_t phys;
	uint32_t size;
	uint32_t tag;
};

struct model_pool {
	const char *name;
	struct dma_pool_config cfg;
	struct dma_pool *pool;
	struct chunk live[MAX_LIVE];
	uint32_t nlive;
	uint64_t misuse_expected;
};

static struct fake_dma_arena *arena;
static struct dma_page_source source;
static struct model_pool pools[NPOOLS];
static uint32_t *owner; /* per GRAIN of arena: pool index << 16 | chunk + 1 */
static uint64_t rng, seed, op, violations;
static bool source_failing;

static uint64_t rnd(void)
{
	return rand_next(&rng);
}

static void violation(const char *what, uint64_t a, uint64_t b)
{
	violations++;
	if (violations <= 20)
		printf("VIOLATION op %llu (seed %llu): %s (0x%llx, 0x%llx)\n",
		       (unsigned long long)op, (unsigned long long)seed, what,
		       (unsigned long long)a, (unsigned long long)b);
}

static uint32_t *owner_of(dma_addr_t phys) { return &owner[(phys - ARENA_BASE) / GRAIN]; }

static void set_owner(const struct chunk *c, uint32_t value)
{
	for (uint32_t off = 0; off < c->size; off += GRAIN)
		*owner_of(c->phys + off) = value;
}

static uint8_t pattern(uint32_t tag, uint32_t i) { return (uint8_t)(tag * 31 + i * 7 + 1); }

static void fill(const struct chunk *c)
{
	for (uint32_t i = 0; i < c->size; i++)
		c->virt[i] = pattern(c->tag, i);
}

static void verify_contents(const struct chunk *c)
{
	for (uint32_t i = 0; i < c->size; i++)
		if (c->virt[i] != pattern(c->tag, i)) {
			violation("live chunk contents changed", c->phys, i);
			return;
		}
}

static size_t random_size(const struct model_pool *m)
{
	unsigned r = rnd() % 100;
	size_t max = r < 70 ? 64 : r < 95 ? 512 : m->cfg.max_chunk;
	return 1 + rnd() % max;
}

/* Allocations come in runs of one size, as drivers make them, so a class's
 * current slab fills and the next one takes over; runs of different pools
 * interleave. */
static struct alloc_run {
	unsigned left;
	size_t want;
} runs[NPOOLS];

static size_t next_run_size(int pi)
{
	struct alloc_run *run = &runs[pi];
	if (!run->left) {
		run->want = random_size(&pools[pi]);
		run->left = 1 + (unsigned)(rnd() % 64);
	}
	run->left--;
	return run->want;
}

static void do_alloc(int pi)
{
	struct model_pool *m = &pools[pi];
	if (m->nlive == MAX_LIVE)
		return;
	size_t want = next_run_size(pi);
	size_t size = m->cfg.min_chunk;
	while (size < want)
		size *= 2;
	dma_addr_t phys = 0;
	uint64_t refusals = fake_dma_arena_refusals(arena);
	uint8_t *v = dma_pool_alloc(m->pool, want, &phys);
	if (!v) {
		if (fake_dma_arena_refusals(arena) == refusals)
			violation("allocation failed with memory available", want, 0);
		return;
	}
	if (!IS_ALIGNED((uintptr_t)v, size) || !IS_ALIGNED(phys, size))
		violation("chunk not naturally aligned", (uintptr_t)v, phys);
	if (phys < ARENA_BASE || phys + size > ARENA_BASE + ARENA_BYTES ||
	    phys + size - 1 > m->cfg.max_phys)
		violation("chunk outside the arena or above the ceiling", phys, size);
	else {
		for (uint32_t off = 0; off < size; off += GRAIN)
			if (*owner_of(phys + off))
				violation("chunk overlaps a live chunk", phys + off, *owner_of(phys + off));
	}
	for (size_t i = 0; i < size; i++)
		if (v[i]) {
			violation("chunk not zeroed", phys, i);
			break;
		}
	struct chunk *c = &m->live[m->nlive];
	*c = (struct chunk){ v, phys, (uint32_t)size, (uint32_t)rnd() };
	m->nlive++;
	set_owner(c, (uint32_t)pi << 16 | m->nlive);
	fill(c);
}

static void free_index(int pi, uint32_t i)
{
	struct model_pool *m = &pools[pi];
	struct chunk c = m->live[i];
	verify_contents(&c);
	set_owner(&c, 0);
	m->live[i] = m->live[--m->nlive];
	if (i < m->nlive)
		set_owner(&m->live[i], (uint32_t)pi << 16 | (i + 1));
	dma_pool_free(m->pool, c.virt);
	if (dma_pool_phys_to_virt(m->pool, c.phys) && !*owner_of(c.phys))
		violation("freed chunk still translates", c.phys, 0);
}

/* A quarter of the frees take the last chunk in the live list, usually the
 * newest: the second half of a hot alloc/free pair. */
static void do_free(int pi)
{
	uint32_t n = pools[pi].nlive;
	if (n)
		free_index(pi, rnd() % 4 ? (uint32_t)(rnd() % n) : n - 1);
}

static void check_chunk_translation(int pi, const struct chunk *c, uint32_t off)
{
	struct model_pool *m = &pools[pi];
	if (dma_pool_phys_to_virt(m->pool, c->phys + off) != c->virt + off)
		violation("phys_to_virt of a live chunk", c->phys + off, 0);
	if (dma_pool_virt_to_phys(m->pool, c->virt + off) != c->phys + off)
		violation("virt_to_phys of a live chunk", (uintptr_t)c->virt + off, 0);
}

/* An arbitrary address, as a hardware link pointer might hold. */
static void do_probe(int pi)
{
	struct model_pool *m = &pools[pi];
	dma_addr_t phys = ARENA_BASE + rnd() % ARENA_BYTES;
	uint32_t o = *owner_of(phys);
	void *got = dma_pool_phys_to_virt(m->pool, phys);
	if (!o || (o >> 16) != (uint32_t)pi) {
		if (got)
			violation("phys_to_virt of an address outside live chunks", phys, 0);
		return;
	}
	const struct chunk *c = &m->live[(o & 0xffff) - 1];
	if (got != c->virt + (phys - c->phys))
		violation("phys_to_virt of an interior address", phys, (uintptr_t)got);
}

static void expect_misuse(struct model_pool *m, void *ptr)
{
	struct dma_pool_stats st;
	dma_pool_free(m->pool, ptr);
	m->misuse_expected++;
	dma_pool_stats(m->pool, &st);
	if (st.misuse != m->misuse_expected)
		violation("misuse not detected", (uintptr_t)ptr, st.misuse);
}

static void do_misuse(int pi)
{
	struct model_pool *m = &pools[pi];
	if (!m->nlive)
		return;
	uint32_t i = (uint32_t)(rnd() % m->nlive);
	const struct chunk *c = &m->live[i];
	switch (rnd() % 4) {
	case 0: /* interior pointer of a live chunk */
		expect_misuse(m, c->virt + 1 + rnd() % (c->size - 1));
		break;
	case 1: { /* pointer from another pool */
		struct model_pool *other = &pools[(pi + 1) % NPOOLS];
		if (other->nlive)
			expect_misuse(m, other->live[0].virt);
		break;
	}
	case 2: /* pointer from nowhere: NULL or the pool's own handle */
		expect_misuse(m, rnd() & 1 ? NULL : (void *)m->pool);
		break;
	default: { /* double free */
		void *virt = c->virt;
		free_index(pi, i);
		expect_misuse(m, virt);
	}
	}
}

/* The device writes into a freed chunk; live data must be unaffected and the
 * pool must keep working (checked by later ops and sweeps). */
static void do_device_write(void)
{
	dma_addr_t phys = ARENA_BASE + (rnd() % ARENA_BYTES & ~(uint64_t)(GRAIN - 1));
	if (*owner_of(phys))
		return;
	uint8_t *dev = fake_dma_arena_device_ptr(arena, phys);
	if (dev)
		memset(dev, (int)rnd(), GRAIN);
}

static void sweep(void)
{
	for (int pi = 0; pi < NPOOLS; pi++) {
		struct model_pool *m = &pools[pi];
		struct dma_pool_stats st;
		dma_pool_stats(m->pool, &st);
		uint64_t live = 0;
		for (unsigned k = 0; k < st.nclasses; k++)
			live += st.cls[k].live;
		if (live != m->nlive)
			violation("stats live count differs from the model", live, m->nlive);
		if (st.misuse != m->misuse_expected)
			violation("unexpected misuse reports", st.misuse, m->misuse_expected);
		for (uint32_t i = 0; i < m->nlive; i++) {
			verify_contents(&m->live[i]);
			check_chunk_translation(pi, &m->live[i], (uint32_t)(rnd() % m->live[i].size));
		}
	}
}

static void create_pools(void)
{
	static const struct { const char *name; size_t min, max, region; unsigned flags; } shapes[NPOOLS] = {
		{ "uhci", 16, 4096, 64 * KiB, 0 },
		{ "ehci", 32, 4096, 64 * KiB, 0 },
		{ "xhci", 64, 64 * KiB, 256 * KiB, 0 },
		{ "poisoned", 16, 2048, 16 * KiB, DMA_POOL_POISON },
	};
	for (int i = 0; i < NPOOLS; i++) {
		struct model_pool *m = &pools[i];
		m->name = shapes[i].name;
		m->cfg = (struct dma_pool_config){ shapes[i].min, shapes[i].max, shapes[i].region,
						   4 * GiB - 1, shapes[i].flags, &source };
		m->pool = dma_pool_create(m->name, &m->cfg);
	}
}

/* The live-set target swings between empty and full so regions are taken
 * and given back throughout the run. */
static bool want_alloc(int pi)
{
	uint64_t phase = (op / 200000) % 4;
	uint32_t target = phase == 0 ? 200 : phase == 1 ? MAX_LIVE - 200 : phase == 2 ? 50 : 3000;
	return pools[pi].nlive < target ? rnd() % 100 < 60 : rnd() % 100 < 40;
}

static void step(void)
{
	int pi = (int)(rnd() % NPOOLS);
	unsigned r = rnd() % 1000;
	if (r < 880)
		want_alloc(pi) ? do_alloc(pi) : do_free(pi);
	else if (r < 960)
		do_probe(pi);
	else if (r < 975 && pools[pi].nlive) {
		const struct chunk *c = &pools[pi].live[rnd() % pools[pi].nlive];
		check_chunk_translation(pi, c, (uint32_t)(rnd() % c->size));
	} else if (r < 985)
		do_device_write();
	else if (r < 990)
		do_misuse(pi);
	else if (r < 991) {
		source_failing = !source_failing; /* simulated exhaustion on/off */
		fake_dma_arena_fail_after(arena, source_failing ? 0 : -1);
	}
}

int main(int argc, char **argv)
{
	uint64_t ops = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	rng = seed * 0x9e3779b97f4a7c15ull | 1;
	printf("test_dma_model: %llu ops, seed %llu\n", (unsigned long long)ops,
	       (unsigned long long)seed);
	arena = fake_dma_arena_create(ARENA_BASE, ARENA_BYTES, seed);
	source = fake_dma_source(arena);
	owner = calloc(ARENA_BYTES / GRAIN, sizeof(*owner));
	create_pools();
	for (op = 0; op < ops; op++) {
		step();
		if (op % SWEEP_EVERY == 0)
			sweep();
	}
	sweep();
	fake_dma_arena_fail_after(arena, -1);
	uint64_t taken = 0, returned = 0;
	for (int pi = 0; pi < NPOOLS; pi++) {
		struct dma_pool_stats st;
		dma_pool_stats(pools[pi].pool, &st);
		taken += st.regions_taken;
		returned += st.regions_returned;
	}
	printf("test_dma_model: regions taken %llu, given back %llu during the run\n",
	       (unsigned long long)taken, (unsigned long long)returned);
	for (int pi = 0; pi < NPOOLS; pi++) {
		while (pools[pi].nlive)
			do_free(pi);
		dma_pool_destroy(pools[pi].pool);
	}
	if (fake_dma_arena_bytes_live(arena) || fake_dma_arena_bad_frees(arena))
		violation("page source not whole after destroy", fake_dma_arena_bytes_live(arena),
			  fake_dma_arena_bad_frees(arena));
	printf("test_dma_model: %llu ops, %llu violations (seed %llu)\n", (unsigned long long)ops,
	       (unsigned long long)violations, (unsigned long long)seed);
	printf("test_dma_model: %d passed, %d failed\n", violations ? 0 : 1, violations ? 1 : 0);
	fake_dma_arena_destroy(arena);
	free(owner);
	return violations ? 1 : 0;
}
