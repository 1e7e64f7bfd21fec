/*
 * Host tests of kmalloc (mm/kmalloc.c) over the real PMM on the fake
 * physical memory: randomized alloc/fill/verify/free sequences with
 * invariant checks, every page returned after freeing everything, poisoning,
 * and the misuse reports. TEST_SEED=<n> replays a randomized run.
 */
#include <string.h>

#include "harness.h"
#include "mm.h"
#include "seams/fake_mm.h"
#include "seams/mm_test_seed.h"
#include "seams/seams.h"

static struct boot_info bi;

static void boot(void)
{
	fake_mm_boot_default(&bi);
	pmm_init(&bi);
	kmalloc_init();
	seam_log_clear();
}

static uint64_t rng_state;
static uint64_t rng(void) { return rand_next(&rng_state); }

struct live {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static size_t random_size(void)
{
	switch (rng() % 8) {
	case 0:
		return 1 + rng() % 65536; /* large: straight from the PMM */
	case 1:
		return KMALLOC_MAX_SIZE;
	default:
		return 1 + rng() % KMALLOC_MAX_SIZE;
	}
}

static bool filled_with(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != l->fill)
			return false;
	return true;
}

static bool placement_ok(const struct live *l, const struct live *all, unsigned n)
{
	size_t align = l->size > KMALLOC_MAX_SIZE ? PAGE_SIZE : l->size >= 64 ? 64 : 16;
	if (((uintptr_t)l->p & (align - 1)) != 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (l->p < all[i].p + all[i].size && all[i].p < l->p + l->size)
			return false;
	return true;
}

static uint64_t live_in_class(const struct live *all, unsigned n, uint32_t size)
{
	uint64_t count = 0;
	for (unsigned i = 0; i < n; i++)
		if (all[i].size <= KMALLOC_MAX_SIZE && all[i].size <= size &&
		    (size == KMALLOC_MIN_SIZE || all[i].size > size / 2))
			count++;
	return count;
}

static bool stats_match(const struct live *all, unsigned n)
{
	struct kmalloc_stats st;
	kmalloc_get_stats(&st);
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
		if (st.cls[c].inuse != live_in_class(all, n, st.cls[c].size) ||
		    st.cls[c].inuse > st.cls[c].capacity)
			return false;
	return true;
}

#define MAX_LIVE 1500

TEST(random_ops_fill_verify_and_return_every_page)
{
	static struct live all[MAX_LIVE];
	unsigned n = 0;
	uint64_t seed = rng_state = mm_test_seed();
	boot();
	uint64_t free_before = pmm_free_bytes();
	for (int step = 0; step < 20000; step++) {
		bool ok = true;
		if (n > 0 && (rng() % 100 < 45 || n == MAX_LIVE)) {
			unsigned i = (unsigned)(rng() % n);
			ok = filled_with(&all[i]);
			kfree(all[i].p);
			all[i] = all[--n];
		} else {
			struct live l = { NULL, random_size(), (unsigned char)rng() };
			l.p = kmalloc(l.size);
			ok = l.p && placement_ok(&l, all, n);
			if (ok) {
				memset(l.p, l.fill, l.size);
				all[n++] = l;
			}
		}
		ok = ok && stats_match(all, n) && (step % 64 || pmm_check());
		ok = ok && !seam_log_contains("kfree") && !seam_log_contains("kmalloc:");
		MM_TEST_STEP(ok, step, seed);
	}
	while (n > 0) {
		n--;
		CHECK(filled_with(&all[n]));
		kfree(all[n].p);
	}
	struct kmalloc_stats st;
	kmalloc_get_stats(&st);
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
		CHECK(st.cls[c].slabs <= 1); /* at most one cached empty slab */
	CHECK_EQ(st.large_blocks, 0);
	kmalloc_trim();
	kmalloc_get_stats(&st);
	CHECK_EQ(st.pages, 0);
	CHECK_EQ(pmm_free_bytes(), free_before);
	CHECK(pmm_check());
	CHECK(!seam_log_contains("refused"));
}

TEST(freed_objects_are_poisoned_and_writes_after_free_reported)
{
	boot();
	unsigned char *keep = kmalloc(100); /* keeps the slab alive */
	unsigned char *p = kmalloc(100);
	memset(p, 0x11, 100);
	kfree(p);
	bool poisoned = true;
	for (int i = 0; i < 128; i++)
		poisoned = poisoned && p[i] == KMALLOC_POISON;
	CHECK(poisoned);
	p[77] = 0; /* use after free */
	unsigned char *again = kmalloc(128);
	CHECK(again == p); /* lowest free slot is reused */
	CHECK(seam_log_contains("written after it was freed (offset 77"));
	kfree(again);
	kfree(keep);
}

TEST(large_blocks_never_show_old_data)
{
	boot();
	unsigned char *p = kmalloc(3 * PAGE_SIZE);
	memset(p, 0x11, 3 * PAGE_SIZE);
	kfree(p);
	unsigned char *q = kmalloc(3 * PAGE_SIZE);
	CHECK(q == p); /* the same block comes back */
	bool poisoned = true;
	for (size_t i = 0; i < 3 * PAGE_SIZE; i++)
		poisoned = poisoned && q[i] == KMALLOC_POISON;
	CHECK(poisoned);
	kfree(q);
}

TEST(kzalloc_zeroes_and_edge_sizes)
{
	boot();
	unsigned char *p = kzalloc(2000);
	bool zero = true;
	for (int i = 0; i < 2000; i++)
		zero = zero && p[i] == 0;
	CHECK(zero);
	kfree(p);
	CHECK(kmalloc(0) == NULL);
	CHECK(kmalloc((PAGE_SIZE << PMM_MAX_ORDER) + 1) == NULL);
	CHECK(seam_log_contains("above the largest block"));
	void *big = kmalloc(PAGE_SIZE << PMM_MAX_ORDER);
	CHECK(big != NULL && ((uintptr_t)big & (PAGE_SIZE - 1)) == 0);
	kfree(big);
	kfree(NULL); /* allowed, silent */
	kmalloc_trim();
	struct kmalloc_stats st;
	kmalloc_get_stats(&st);
	CHECK_EQ(st.pages, 0);
}

/* kfree(ptr) must print a refusal containing `what` and change nothing. */
static void expect_refused(void *ptr, const char *what)
{
	struct kmalloc_stats a, b;
	uint64_t free_before = pmm_free_bytes();
	kmalloc_get_stats(&a);
	seam_log_clear();
	kfree(ptr);
	kmalloc_get_stats(&b);
	if (!seam_log_contains(what))
		fprintf(stderr, "  expected \"%s\", log: %s\n", what, seam_log());
	CHECK(seam_log_contains(what) && seam_log_contains("refused"));
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK_EQ(pmm_free_bytes(), free_before);
}

TEST(misuse_is_reported_and_refused)
{
	boot();
	char *keep = kmalloc(64);
	char *small = kmalloc(64);
	char *bigp = kmalloc(10000);
	int on_stack;
	phys_addr_t page = alloc_pages(0, PHYS_LIMIT_ANY, 0);

	expect_refused(small + 8, "not the start of an object (64-byte object)");
	expect_refused(bigp + 4096, "points inside a large allocation");
	expect_refused(&on_stack, "outside the direct map");
	expect_refused(phys_to_virt(page), "allocated by alloc_pages, not kmalloc");
	expect_refused(phys_to_virt(8 * MiB + 40), "not allocated");
	expect_refused((char *)phys_to_virt(virt_to_phys(keep) & ~0xfffull) + 8,
		       "not the start of an object"); /* the slab header */
	kfree(small);
	expect_refused(small, "double free (64-byte object)");
	kfree(bigp);
	expect_refused(bigp, "not allocated");
	kfree(keep);
	free_pages(page, 0);
	kmalloc_trim();
	struct kmalloc_stats st;
	kmalloc_get_stats(&st);
	CHECK_EQ(st.pages, 0);
	CHECK(pmm_check());
}

TEST(slab_capacity_and_release)
{
	boot();
	static void *objs[4096];
	uint64_t free_before = pmm_free_bytes();
	for (int i = 0; i < 4096; i++)
		objs[i] = kmalloc(16);
	struct kmalloc_stats st;
	kmalloc_get_stats(&st);
	CHECK_EQ(st.cls[0].inuse, 4096);
	/* 16-byte objects: (4096 - 64) / 16 = 252 per one-page slab */
	CHECK_EQ(st.cls[0].slabs, (4096 + 251) / 252);
	CHECK_EQ(st.pages, st.cls[0].slabs);
	for (int i = 0; i < 4096; i += 2)
		kfree(objs[i]);
	for (int i = 1; i < 4096; i += 2)
		kfree(objs[i]);
	kmalloc_get_stats(&st);
	CHECK_EQ(st.cls[0].slabs, 1); /* one empty slab stays cached */
	CHECK_EQ(st.cls[0].inuse, 0);
	kmalloc_trim();
	kmalloc_get_stats(&st);
	CHECK_EQ(st.pages, 0);
	CHECK_EQ(pmm_free_bytes(), free_before);
}
