/*
 * The memory managers' test and benchmark commands: `memtest [ops] [seed]`
 * (random allocate/pattern/verify/free stress over the PMM and kmalloc that
 * must leave every zone's free memory exactly as it found it) and
 * `membench` (tests/kernel/mm_bench.c timed with the TSC).
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "mm_bench.h"
#include "printk.h"
#include "rand.h"
#include "shell.h"

static unsigned long long pages_kib(uint64_t pages) { return pages * PAGE_SIZE / KiB; }

/* --- memtest ------------------------------------------------------------- */

#define MT_PAGES 128
#define MT_OBJECTS 512
#define MT_REPORT_MAX 10

struct mt_block {
	phys_addr_t phys;
	unsigned order;
	phys_addr_t ceiling;
	uint64_t seed;
};

struct mt_object {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

struct memtest {
	uint64_t rng, violations, failures;
	struct mt_block blocks[MT_PAGES];
	struct mt_object objs[MT_OBJECTS];
	unsigned nblocks, nobjs;
};

static uint64_t mt_rand(struct memtest *t) { return rand_next(&t->rng); }

static __printf(2, 3) void violation(struct memtest *t, const char *fmt, ...)
{
	if (++t->violations <= MT_REPORT_MAX) {
		va_list ap;
		va_start(ap, fmt);
		kprintf("  VIOLATION: ");
		kvprintf(fmt, ap);
		va_end(ap);
	}
}

/* One 64-bit pattern word per 512 bytes, derived from the block's seed. */
static void block_pattern(const struct mt_block *b, bool write, struct memtest *t)
{
	uint64_t *w = phys_to_virt(b->phys);
	uint64_t words = (PAGE_SIZE << b->order) / 8;
	for (uint64_t i = 0; i < words; i += 64) {
		uint64_t want = b->seed ^ (i * 0x9e3779b97f4a7c15ull);
		if (write) {
			w[i] = want;
		} else if (w[i] != want) {
			violation(t, "page block 0x%llx order %u: word %llu is 0x%llx, wrote 0x%llx\n",
				  (unsigned long long)b->phys, b->order, (unsigned long long)i,
				  (unsigned long long)w[i], (unsigned long long)want);
			return;
		}
	}
}

static void mt_alloc_pages(struct memtest *t)
{
	static const phys_addr_t ceilings[] = { PHYS_LIMIT_ISA, PHYS_LIMIT_DMA32, PHYS_LIMIT_ANY };
	unsigned order = (unsigned)(mt_rand(t) % 8 == 0 ? mt_rand(t) % (PMM_MAX_ORDER + 1)
						       : mt_rand(t) % 4);
	struct mt_block b = { 0, order, ceilings[mt_rand(t) % 3], mt_rand(t) };
	b.phys = alloc_pages(order, b.ceiling, 0);
	if (!b.phys) {
		t->failures++;
		return;
	}
	uint64_t len = PAGE_SIZE << order;
	if (!IS_ALIGNED(b.phys, len) || b.phys + len - 1 > b.ceiling)
		violation(t, "alloc_pages(order %u, max 0x%llx) returned 0x%llx\n", order,
			  (unsigned long long)b.ceiling, (unsigned long long)b.phys);
	block_pattern(&b, true, t);
	t->blocks[t->nblocks++] = b;
}

static void mt_free_pages(struct memtest *t, unsigned i)
{
	block_pattern(&t->blocks[i], false, t);
	free_pages(t->blocks[i].phys, t->blocks[i].order);
	t->blocks[i] = t->blocks[--t->nblocks];
}

static void mt_alloc_object(struct memtest *t)
{
	size_t size = mt_rand(t) % 16 == 0 ? 1 + mt_rand(t) % (64 * KiB)
					   : 1 + mt_rand(t) % KMALLOC_MAX_SIZE;
	struct mt_object o = { kmalloc(size), size, (unsigned char)mt_rand(t) };
	if (!o.p) {
		t->failures++;
		return;
	}
	memset(o.p, o.fill, size);
	t->objs[t->nobjs++] = o;
}

static void mt_free_object(struct memtest *t, unsigned i)
{
	struct mt_object *o = &t->objs[i];
	for (size_t k = 0; k < o->size; k++) {
		if (o->p[k] != o->fill) {
			violation(t, "kmalloc object %p (%zu bytes): byte %zu is 0x%x, wrote 0x%x\n",
				  o->p, o->size, k, o->p[k], o->fill);
			break;
		}
	}
	kfree(o->p);
	*o = t->objs[--t->nobjs];
}

static void mt_step(struct memtest *t)
{
	uint64_t r = mt_rand(t) % 100;
	if (r < 25)
		t->nblocks < MT_PAGES ? mt_alloc_pages(t) : mt_free_pages(t, 0);
	else if (r < 50 && t->nblocks)
		mt_free_pages(t, (unsigned)(mt_rand(t) % t->nblocks));
	else if (r < 75)
		t->nobjs < MT_OBJECTS ? mt_alloc_object(t) : mt_free_object(t, 0);
	else if (t->nobjs)
		mt_free_object(t, (unsigned)(mt_rand(t) % t->nobjs));
}

static void zone_free_pages(uint64_t *out)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats s;
		pmm_get_zone_stats(z, &s);
		out[z] = s.free_pages;
	}
}

static bool parse_arg(int argc, char **argv, int i, uint64_t *out)
{
	if (argc <= i)
		return true;
	if (kstrtou64(argv[i], out))
		return true;
	kprintf("memtest: '%s' is not a number\n", argv[i]);
	return false;
}

/* Runs ops random steps, then frees everything; returns the TSC cycles. */
static uint64_t memtest_run(struct memtest *t, uint64_t ops)
{
	uint64_t t0 = rdtsc_now();
	for (uint64_t i = 0; i < ops; i++)
		mt_step(t);
	while (t->nblocks)
		mt_free_pages(t, t->nblocks - 1);
	while (t->nobjs)
		mt_free_object(t, t->nobjs - 1);
	return rdtsc_now() - t0;
}

/* Every zone must have exactly the free memory it had before. */
static void memtest_compare_zones(struct memtest *t, const uint64_t *before)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats s;
		pmm_get_zone_stats(z, &s);
		kprintf("  zone %-6s free before %10llu KiB, after %10llu KiB%s\n", s.name,
			pages_kib(before[z]), pages_kib(s.free_pages),
			before[z] == s.free_pages ? "" : "  <- LEAK");
		if (before[z] != s.free_pages)
			violation(t, "zone %s free memory changed\n", s.name);
	}
}

static int cmd_memtest(int argc, char **argv)
{
	static struct memtest t;
	uint64_t ops = 100000, seed = rdtsc_now() | 1, before[PMM_ZONE_COUNT];
	if (argc > 3 || !parse_arg(argc, argv, 1, &ops) || !parse_arg(argc, argv, 2, &seed)) {
		kprintf("usage: memtest [ops] [seed]\n");
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.rng = seed ? seed : 1;
	kmalloc_trim(); /* cached empty slabs would look like a leak */
	zone_free_pages(before);
	kprintf("memtest: %llu ops, seed %llu\n", (unsigned long long)ops,
		(unsigned long long)seed);
	uint64_t cycles = memtest_run(&t, ops);
	kmalloc_trim();
	if (!pmm_check())
		violation(&t, "PMM invariant check failed (see above)\n");
	memtest_compare_zones(&t, before);
	uint64_t khz = tsc_khz() ? tsc_khz() : 1;
	kprintf("memtest: %llu ops in %llu ms, %llu ops/s, %llu allocation failures, "
		"%llu violations\n",
		(unsigned long long)ops, (unsigned long long)(cycles / khz),
		(unsigned long long)(cycles ? ops * khz * 1000 / cycles : 0),
		(unsigned long long)t.failures, (unsigned long long)t.violations);
	return t.violations ? 1 : 0;
}
SHELL_COMMAND(memtest, "memtest", "memtest [ops] [seed]",
	      "random alloc/pattern/verify/free stress over the PMM and kmalloc", cmd_memtest);

/* --- membench ------------------------------------------------------------ */

static int cmd_membench(int argc, char **argv)
{
	const struct mm_bench_clock clock = { rdtsc_now, tsc_khz() };
	return mm_bench_run(&clock);
}
SHELL_COMMAND(membench, "membench", "membench",
	      "PMM and kmalloc ns/op against bitmap and first-fit baselines", cmd_membench);
