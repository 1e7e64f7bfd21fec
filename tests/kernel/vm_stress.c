/*
 * `vmtest [ops] [seed]`: a randomized stress test of lazy kernel memory on
 * the real MMU. Up to VT_SLOTS live vmalloc ranges of 1 to 64 pages, lazy
 * or eager, are reserved, touched and freed at random while the
 * fault-around window changes between 1, 4 and 16. A page's first touch
 * must read zero (three words: first, last and one at random); the touch
 * then writes a pattern derived from the range's tag and the page, which
 * every later touch and the free must find intact. Counts violations and
 * checks that, everything freed, the PMM's free memory is back where it
 * started, save the page tables the vmap area keeps.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "rand.h"
#include "printk.h"
#include "shell.h"

#define VT_SLOTS 64
#define VT_MAX_PAGES 64
#define VT_REPORT_MAX 10
#define WORDS (PAGE_SIZE / 8)

struct vt_range {
	uint64_t *base;
	unsigned pages;
	uint64_t tag;
	uint64_t touched; /* bit per page */
};

struct vmtest {
	uint64_t rng, violations, failures, touches;
	struct vt_range r[VT_SLOTS];
	unsigned n;
};

static uint64_t pattern(const struct vt_range *r, unsigned page)
{
	return r->tag ^ (page * 0x9e3779b97f4a7c15ull);
}

static unsigned probe_word(const struct vt_range *r, unsigned page)
{
	return (unsigned)(pattern(r, page) % WORDS);
}

static void violation(struct vmtest *t, const char *what, const struct vt_range *r, unsigned page)
{
	if (t->violations++ < VT_REPORT_MAX)
		kprintf("vmtest: VIOLATION: %s at page %u of the range at %p (%u pages)\n", what, page,
			(void *)r->base, r->pages);
}

/* Touches page `any` modulo the range's size. */
static void touch(struct vmtest *t, struct vt_range *r, unsigned any)
{
	unsigned page = any % r->pages;
	uint64_t *p = r->base + page * WORDS, want = pattern(r, page);
	unsigned k = probe_word(r, page);
	t->touches++;
	if (r->touched & (1ull << page)) {
		if (p[0] != want || p[WORDS - 1] != want || p[k] != want)
			violation(t, "pattern lost", r, page);
		return;
	}
	if (p[0] || p[WORDS - 1] || p[k]) /* the first access faults the page in */
		violation(t, "first touch not zero", r, page);
	p[0] = p[WORDS - 1] = p[k] = want;
	r->touched |= 1ull << page;
}

static void reserve(struct vmtest *t)
{
	struct vt_range *r = &t->r[t->n];
	uint64_t x = rand_next(&t->rng);
	r->pages = 1 + (unsigned)(x % VT_MAX_PAGES);
	r->base = vmalloc(r->pages * PAGE_SIZE, x % 4 == 0 ? VM_EAGER : 0);
	r->tag = x;
	r->touched = 0;
	if (!r->base) {
		t->failures++;
		return;
	}
	t->n++;
}

static void release(struct vmtest *t, unsigned i)
{
	struct vt_range *r = &t->r[i];
	for (unsigned page = 0; page < r->pages; page++)
		if (r->touched & (1ull << page))
			touch(t, r, page); /* verifies the pattern */
	struct vmm_mapping m;
	if (vmm_query((uintptr_t)r->base - PAGE_SIZE, &m))
		violation(t, "guard page mapped", r, 0);
	vfree(r->base);
	if (vmm_query((uintptr_t)r->base, &m))
		violation(t, "mapped after vfree", r, 0);
	t->r[i] = t->r[--t->n];
}

static void step(struct vmtest *t, uint64_t op)
{
	static const unsigned windows[] = { 1, 4, 16 };
	uint64_t x = rand_next(&t->rng);
	if (op % 4096 == 0)
		vmalloc_set_fault_around(windows[x % 3]);
	if (t->n == 0 || (t->n < VT_SLOTS && x % 8 == 0))
		reserve(t);
	else if (x % 8 == 1)
		release(t, (unsigned)((x >> 8) % t->n));
	else
		touch(t, &t->r[(x >> 8) % t->n], (unsigned)(x >> 16));
}

/* Free pages plus page tables: page tables made for the vmap area stay. */
static uint64_t free_and_tables(void)
{
	kmalloc_trim();
	return pmm_free_bytes() / PAGE_SIZE + vmm_page_table_pages();
}

static bool parse_arg(int argc, char **argv, int i, uint64_t *out)
{
	if (i >= argc)
		return true;
	if (kstrtou64(argv[i], out))
		return true;
	kprintf("vmtest: '%s' is not a number\n", argv[i]);
	return false;
}

static void print_result(const struct vmtest *t, uint64_t ops, uint64_t seed, uint64_t ns,
			 const struct vmalloc_stats *before)
{
	struct vmalloc_stats after;
	vmalloc_get_stats(&after);
	kprintf("vmtest: %llu ops (seed %llu), %llu touches, %llu faults + %llu pages by "
		"fault-around, %llu vmalloc failures, %llu ops/s\n",
		(unsigned long long)ops, (unsigned long long)seed, (unsigned long long)t->touches,
		(unsigned long long)(after.faults - before->faults),
		(unsigned long long)(after.around_pages - before->around_pages),
		(unsigned long long)t->failures,
		(unsigned long long)(ns ? ops * 1000000000ull / ns : 0));
}

static int cmd_vmtest(int argc, char **argv)
{
	static struct vmtest t;
	uint64_t ops = 100000, seed = rdtsc_now() | 1;
	if (argc > 3 || !parse_arg(argc, argv, 1, &ops) || !parse_arg(argc, argv, 2, &seed) ||
	    seed == 0) {
		kprintf("usage: vmtest [ops] [seed]  (seed non-zero)\n");
		return 1;
	}
	struct vmalloc_stats before;
	unsigned window = vmalloc_fault_around();
	uint64_t pages_before = free_and_tables(), free_before = pmm_free_bytes();
	vmalloc_get_stats(&before);
	t = (struct vmtest){ .rng = seed };
	uint64_t start = ktime_ns();
	for (uint64_t op = 0; op < ops; op++)
		step(&t, op);
	while (t.n)
		release(&t, t.n - 1);
	uint64_t ns = ktime_ns() - start;
	vmalloc_set_fault_around(window);
	uint64_t pages_after = free_and_tables();
	print_result(&t, ops, seed, ns, &before);
	kprintf("vmtest: PMM free before %llu KiB, after %llu KiB (%llu KiB now page tables): %s\n",
		(unsigned long long)(free_before / KiB),
		(unsigned long long)(pmm_free_bytes() / KiB),
		(unsigned long long)((free_before - MIN(free_before, pmm_free_bytes())) / KiB),
		pages_after == pages_before ? "back to baseline" : "LEAK");
	t.violations += pages_after != pages_before;
	kprintf("vmtest: %llu violations\n", (unsigned long long)t.violations);
	return t.violations ? 1 : 0;
}
SHELL_COMMAND(vmtest, "vmtest", "vmtest [ops] [seed]",
	      "random vmalloc reserve/touch/free with zero and pattern checks", cmd_vmtest);
