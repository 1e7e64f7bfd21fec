/*
 * Host tests of the buddy allocator (mm/pmm.c) on a fake physical memory
 * whose addresses straddle the 16 MiB and 4 GiB zone limits: randomized
 * operation sequences with a full invariant check after every step, zone
 * ceilings, misuse reports, and coalescing back to the boot state.
 * TEST_SEED=<n> replays a randomized run.
 */
#include <string.h>

#include "harness.h"
#include "mm.h"
#include "seams/fake_mm.h"
#include "seams/mm_test_seed.h"
#include "seams/seams.h"

static struct boot_info bi;

struct snapshot {
	struct pmm_zone_stats z[PMM_ZONE_COUNT];
};

static void take_snapshot(struct snapshot *s)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++)
		pmm_get_zone_stats(z, &s->z[z]);
}

static bool same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		if (a->z[z].free_pages != b->z[z].free_pages)
			return false;
		for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
			if (a->z[z].free_blocks[k] != b->z[z].free_blocks[k])
				return false;
	}
	return true;
}

static void boot_default(void)
{
	fake_mm_boot_default(&bi);
	seam_log_clear();
	pmm_init(&bi);
}

static uint64_t rng_state;
static uint64_t rng(void) { return rand_next(&rng_state); }

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

TEST(init_accounts_for_every_usable_page)
{
	boot_default();
	struct pmm_info info;
	pmm_get_info(&info);
	/* usable 55 MiB minus the kernel image (3 pages rounded up past 2 MiB),
	 * the boot info (3 pages), the frame table and frame-0 (not in RAM here). */
	uint64_t usable = (39 + 16) * MiB / PAGE_SIZE;
	uint64_t excluded = 513 + 3 + info.meta_bytes / PAGE_SIZE;
	CHECK_EQ(info.managed_pages, usable - excluded);
	CHECK_EQ(info.free_pages, info.managed_pages);
	CHECK(pmm_check());
	struct snapshot s;
	take_snapshot(&s);
	CHECK_EQ(s.z[PMM_ZONE_HIGH].managed_pages, 8 * MiB / PAGE_SIZE);
	CHECK_EQ(s.z[PMM_ZONE_HIGH].free_blocks[PMM_MAX_ORDER], 2);
	CHECK_EQ(s.z[PMM_ZONE_ISA].managed_pages + s.z[PMM_ZONE_DMA32].managed_pages +
			 s.z[PMM_ZONE_HIGH].managed_pages,
		 info.managed_pages);
	/* The frame table sits in usable memory, away from reserved ranges. */
	CHECK(fake_mm_backed(info.meta_phys, info.meta_bytes));
	for (unsigned i = 0; i < bi.reserved_count; i++)
		CHECK(!overlaps(info.meta_phys, info.meta_bytes, bi.reserved[i].base,
				bi.reserved[i].len));
	CHECK(info.meta_bytes <= (info.end_pfn - info.first_pfn) * 16 + PAGE_SIZE);
}

struct live_block {
	phys_addr_t phys;
	unsigned order;
	uint64_t stamp;
};

static bool block_is_legal(const struct live_block *b, phys_addr_t ceiling,
			   const struct pmm_info *info)
{
	uint64_t len = PAGE_SIZE << b->order;
	if (b->phys == 0 || !IS_ALIGNED(b->phys, len) || b->phys + len - 1 > ceiling)
		return false;
	if (!fake_mm_backed(b->phys, len) || overlaps(b->phys, len, info->meta_phys, info->meta_bytes))
		return false;
	for (unsigned i = 0; i < bi.reserved_count; i++)
		if (overlaps(b->phys, len, ALIGN_DOWN(bi.reserved[i].base, PAGE_SIZE),
			     ALIGN_UP(bi.reserved[i].len + (bi.reserved[i].base & 0xfff), PAGE_SIZE)))
			return false;
	return true;
}

static void stamp(const struct live_block *b)
{
	uint64_t len = PAGE_SIZE << b->order;
	char *v = phys_to_virt(b->phys);
	memcpy(v, &b->stamp, 8);
	memcpy(v + len - 8, &b->stamp, 8);
}

static bool stamp_intact(const struct live_block *b)
{
	uint64_t len = PAGE_SIZE << b->order, a, z;
	char *v = phys_to_virt(b->phys);
	memcpy(&a, v, 8);
	memcpy(&z, v + len - 8, 8);
	return a == b->stamp && z == b->stamp;
}

static const phys_addr_t ceilings[] = { PHYS_LIMIT_ISA, PHYS_LIMIT_DMA32, PHYS_LIMIT_ANY,
					 20 * MiB - 1, 4 * GiB + 2 * MiB - 1 };

#define MAX_LIVE 512

/* One random step: allocate (checking legality, overlap) or free. */
static bool random_step(struct live_block *live, unsigned *n, const struct pmm_info *info)
{
	if (*n > 0 && (rng() % 100 < 45 || *n == MAX_LIVE)) {
		unsigned i = (unsigned)(rng() % *n);
		if (!stamp_intact(&live[i]))
			return false;
		free_pages(live[i].phys, live[i].order);
		live[i] = live[--*n];
		return true;
	}
	unsigned order = (unsigned)(rng() % 4 == 0 ? rng() % (PMM_MAX_ORDER + 1) : rng() % 3);
	phys_addr_t ceiling = ceilings[rng() % ARRAY_SIZE(ceilings)];
	phys_addr_t phys = alloc_pages(order, ceiling, 0);
	if (phys == 0)
		return true; /* exhaustion under that ceiling is legal */
	struct live_block b = { phys, order, rng() };
	if (!block_is_legal(&b, ceiling, info))
		return false;
	for (unsigned i = 0; i < *n; i++)
		if (overlaps(phys, PAGE_SIZE << order, live[i].phys, PAGE_SIZE << live[i].order))
			return false;
	stamp(&b);
	live[(*n)++] = b;
	return true;
}

TEST(random_ops_keep_invariants_and_coalesce_back)
{
	static struct live_block live[MAX_LIVE];
	unsigned n = 0;
	rng_state = mm_test_seed();
	uint64_t seed = rng_state;
	boot_default();
	struct pmm_info info;
	pmm_get_info(&info);
	struct snapshot before, after;
	take_snapshot(&before);
	for (int step = 0; step < 6000; step++) {
		bool ok = random_step(live, &n, &info) && pmm_check();
		uint64_t held = 0;
		for (unsigned i = 0; i < n; i++)
			held += 1ull << live[i].order;
		ok = ok && held + pmm_free_bytes() / PAGE_SIZE == info.managed_pages;
		MM_TEST_STEP(ok, step, seed);
	}
	while (n > 0) {
		n--;
		CHECK(stamp_intact(&live[n]));
		free_pages(live[n].phys, live[n].order);
	}
	CHECK(pmm_check());
	take_snapshot(&after);
	CHECK(same_snapshot(&before, &after));
	CHECK(!seam_log_contains("refused"));
}

/* Allocates order-0 frames under ceiling until none is left; all must obey it. */
static unsigned drain(phys_addr_t ceiling, phys_addr_t *out, unsigned max)
{
	unsigned n = 0;
	phys_addr_t p;
	while (n < max && (p = alloc_pages(0, ceiling, 0)) != 0)
		out[n++] = p;
	return n;
}

TEST(dma32_ceiling_never_returns_high_memory)
{
	static phys_addr_t got[16384];
	boot_default();
	struct pmm_zone_stats high;
	unsigned n = drain(PHYS_LIMIT_DMA32, got, ARRAY_SIZE(got));
	CHECK(n > 0 && n < ARRAY_SIZE(got));
	for (unsigned i = 0; i < n; i++)
		CHECK(got[i] + PAGE_SIZE - 1 <= PHYS_LIMIT_DMA32);
	pmm_get_zone_stats(PMM_ZONE_HIGH, &high);
	CHECK_EQ(high.free_pages, 8 * MiB / PAGE_SIZE); /* still all free */
	CHECK_EQ(alloc_pages(0, PHYS_LIMIT_DMA32, 0), 0);
	phys_addr_t any = alloc_pages(0, PHYS_LIMIT_ANY, 0);
	CHECK(any >= 4 * GiB);
	free_pages(any, 0);
	for (unsigned i = 0; i < n; i++)
		free_pages(got[i], 0);
	CHECK(pmm_check());
}

TEST(isa_and_partial_ceilings_are_respected)
{
	static phys_addr_t got[16384];
	boot_default();
	unsigned n = drain(PHYS_LIMIT_ISA, got, ARRAY_SIZE(got));
	CHECK(n > 0);
	for (unsigned i = 0; i < n; i++)
		CHECK(got[i] + PAGE_SIZE - 1 <= PHYS_LIMIT_ISA);
	for (unsigned i = 0; i < n; i++)
		free_pages(got[i], 0);
	/* A ceiling that cuts a zone (20 MiB) takes the slow path. */
	phys_addr_t big = alloc_pages(PMM_MAX_ORDER, 20 * MiB - 1, 0);
	CHECK(big != 0 && big + (PAGE_SIZE << PMM_MAX_ORDER) <= 20 * MiB);
	/* Below 2 MiB there is only the kernel image. */
	CHECK_EQ(alloc_pages(0, 2 * MiB - 1, 0), 0);
	free_pages(big, PMM_MAX_ORDER);
	CHECK(pmm_check());
}

TEST(zero_flag_clears_the_block)
{
	boot_default();
	phys_addr_t p = alloc_pages(3, PHYS_LIMIT_ANY, 0);
	memset(phys_to_virt(p), 0x77, 8 * PAGE_SIZE);
	free_pages(p, 3);
	phys_addr_t q = alloc_pages(3, PHYS_LIMIT_ANY, PMM_ZERO);
	const unsigned char *v = phys_to_virt(q);
	bool zero = true;
	for (size_t i = 0; i < 8 * PAGE_SIZE; i++)
		zero = zero && v[i] == 0;
	CHECK(zero);
	free_pages(q, 3);
}

/* Frees (phys, order) expecting a refusal whose message contains `what`,
 * with the allocator state unchanged. */
static void expect_refused(phys_addr_t phys, unsigned order, const char *what)
{
	struct snapshot before, after;
	take_snapshot(&before);
	seam_log_clear();
	free_pages(phys, order);
	take_snapshot(&after);
	if (!seam_log_contains(what) || !seam_log_contains("refused"))
		fprintf(stderr, "  expected \"%s\", log: %s\n", what, seam_log());
	CHECK(seam_log_contains(what) && seam_log_contains("refused"));
	CHECK(same_snapshot(&before, &after));
	CHECK(pmm_check());
}

TEST(misuse_is_reported_and_refused)
{
	boot_default();
	phys_addr_t a = alloc_pages(2, PHYS_LIMIT_ANY, 0);
	phys_addr_t b = alloc_pages(0, PHYS_LIMIT_ANY, 0);
	expect_refused(a, 1, "wrong order");
	expect_refused(a + PAGE_SIZE, 0, "not the start of an allocated block");
	expect_refused(a + 1, 2, "not page aligned");
	expect_refused(1 * MiB, 0, "not managed");  /* kernel image */
	expect_refused(64 * GiB, 0, "not managed"); /* beyond RAM */
	free_pages(b, 0);
	expect_refused(b, 0, "double free");
	free_pages(a, 2);
	expect_refused(a, 2, "double free");
	/* A frame in the middle of a never-split free block. */
	expect_refused(4 * GiB + 4 * MiB + 5 * PAGE_SIZE, 0, "double free: the frame is inside a free block");
	expect_refused(a, PMM_MAX_ORDER + 1, "order out of range");
	CHECK_EQ(alloc_pages(PMM_MAX_ORDER + 1, PHYS_LIMIT_ANY, 0), 0);
	CHECK(seam_log_contains("above the maximum"));
}

TEST(lookup_and_owner_tags)
{
	boot_default();
	phys_addr_t a = alloc_pages(3, PHYS_LIMIT_ANY, 0);
	struct pmm_block blk;
	CHECK(pmm_set_owner(a, PMM_OWNER_KMALLOC_LARGE, 12345));
	CHECK(pmm_lookup(a + 5 * PAGE_SIZE + 17, &blk));
	CHECK_EQ(blk.head, a);
	CHECK_EQ(blk.order, 3);
	CHECK_EQ(blk.owner, PMM_OWNER_KMALLOC_LARGE);
	CHECK_EQ(blk.aux, 12345);
	CHECK(!pmm_set_owner(a + PAGE_SIZE, 1, 0));
	free_pages(a, 3);
	CHECK(!pmm_lookup(a, &blk));
	CHECK(!pmm_lookup(1 * MiB, &blk));
	/* A re-allocated block does not inherit the old tag. */
	phys_addr_t b = alloc_pages(3, PHYS_LIMIT_ANY, 0);
	CHECK(pmm_lookup(b, &blk) && blk.owner == PMM_OWNER_NONE);
	free_pages(b, 3);
}

TEST(exhaustion_and_full_coalescing)
{
	static phys_addr_t got[16384];
	boot_default();
	struct snapshot before, after;
	take_snapshot(&before);
	unsigned n = drain(PHYS_LIMIT_ANY, got, ARRAY_SIZE(got));
	struct pmm_info info;
	pmm_get_info(&info);
	CHECK_EQ(n, info.managed_pages);
	CHECK_EQ(pmm_free_bytes(), 0);
	CHECK(pmm_check());
	/* Free in a scrambled order so merges happen out of sequence. */
	rng_state = 12345;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)(rng() % (i + 1));
		phys_addr_t t = got[i];
		got[i] = got[j];
		got[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		free_pages(got[i], 0);
	CHECK(pmm_check());
	take_snapshot(&after);
	CHECK(same_snapshot(&before, &after));
}

TEST(odd_memory_maps)
{
	/* Unaligned and overlapping usable ranges, a reserved range spanning
	 * two segments, and RAM starting above 4 GiB only for one segment. */
	static const struct fake_segment segs[] = {
		{ 0, 48 * MiB },
		{ 6 * GiB, 2 * MiB },
	};
	static const struct mem_range reserved[] = {
		{ 15 * MiB + 123, 2 * MiB, MEM_USABLE },
	};
	fake_mm_boot(&bi, segs, 2, reserved, 1);
	bi.mmap[bi.mmap_count++] = (struct mem_range){ 0x1800, 0x4000, MEM_USABLE };
	bi.mmap[bi.mmap_count++] = (struct mem_range){ 6 * GiB + 100, 4096, MEM_USABLE };
	seam_log_clear();
	pmm_init(&bi);
	CHECK(pmm_check());
	struct pmm_info info;
	pmm_get_info(&info);
	/* Out: frame 0, the reserved range widened to whole pages, the table. */
	uint64_t expect = (48 * MiB + 2 * MiB) / PAGE_SIZE - 1 - (2 * MiB / PAGE_SIZE + 1) -
			  info.meta_bytes / PAGE_SIZE;
	CHECK_EQ(info.managed_pages, expect);
	struct pmm_block blk;
	CHECK(!pmm_lookup(0, &blk));
	static phys_addr_t got[8192];
	unsigned n = drain(PHYS_LIMIT_ANY, got, ARRAY_SIZE(got));
	CHECK_EQ(n, info.managed_pages);
	for (unsigned i = 0; i < n; i++) {
		CHECK(got[i] != 0);
		CHECK(!overlaps(got[i], PAGE_SIZE, 15 * MiB, 2 * MiB + 124));
	}
	for (unsigned i = 0; i < n; i++)
		free_pages(got[i], 0);
	CHECK(pmm_check());
	CHECK(!seam_log_contains("refused"));
}
