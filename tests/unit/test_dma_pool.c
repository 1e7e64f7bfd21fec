/*
 * Unit tests for the DMA pool (dma/): every property the issue asks
 * for and each misuse case, on a fake page source whose physical addresses
 * have nothing to do with the virtual ones and which straddles 4 GiB.
 */
#include <string.h>

#include "dma_pool.h"
#include "seams/fake_dma_source.h"
#include "harness.h"
#include "seams/seams.h"

#define ARENA_BASE (4 * GiB - 16 * MiB) /* half below the 4 GiB ceiling */
#define ARENA_BYTES (32 * MiB)

struct fixture {
	struct fake_dma_arena *arena;
	struct dma_page_source src;
	struct dma_pool_config cfg;
	struct dma_pool *pool;
};

static void setup_flags(struct fixture *f, size_t min, size_t max, size_t region,
			unsigned flags)
{
	f->arena = fake_dma_arena_create(ARENA_BASE, ARENA_BYTES, 1);
	f->src = fake_dma_source(f->arena);
	f->cfg = (struct dma_pool_config){ .min_chunk = min, .max_chunk = max,
					   .region_size = region,
					   .max_phys = 4 * GiB - 1, .flags = flags,
					   .source = &f->src };
	f->pool = dma_pool_create("test", &f->cfg);
	seam_log_clear();
}

static void setup(struct fixture *f) { setup_flags(f, 16, 4096, 64 * KiB, 0); }

static void teardown(struct fixture *f)
{
	dma_pool_destroy(f->pool);
	CHECK_EQ(fake_dma_arena_bytes_live(f->arena), 0);
	CHECK_EQ(fake_dma_arena_bad_frees(f->arena), 0);
	fake_dma_arena_destroy(f->arena);
}

static struct dma_pool_stats stats(struct fixture *f)
{
	struct dma_pool_stats st;
	dma_pool_stats(f->pool, &st);
	return st;
}

static bool all_bytes(const void *p, int value, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != value)
			return false;
	return true;
}

TEST(create_refuses_bad_configs)
{
	struct fixture f;
	setup(&f);
	struct dma_pool_config bad[] = {
		{ 8, 4096, 64 * KiB, 4 * GiB - 1, 0, &f.src },        /* min < 16 */
		{ 24, 4096, 64 * KiB, 4 * GiB - 1, 0, &f.src },       /* not pow2 */
		{ 16, 128 * KiB, 64 * KiB, 4 * GiB - 1, 0, &f.src },  /* max > region */
		{ 16, 4096, 8 * MiB, 4 * GiB - 1, 0, &f.src },        /* region > 4M */
		{ 16, 4096, 64 * KiB, 4 * GiB - 1, 0x80, &f.src },    /* flags */
		{ 16, 4096, 64 * KiB, 4 * GiB - 1, 0, NULL },         /* no source */
		{ 64, 32, 64 * KiB, 4 * GiB - 1, 0, &f.src },         /* max < min */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		seam_log_clear();
		CHECK(dma_pool_create("bad", &bad[i]) == NULL);
		CHECK(seam_log_contains("dma_pool_create(bad)"));
	}
	teardown(&f);
}

TEST(chunks_are_zeroed_aligned_and_never_cross_4k)
{
	struct fixture f;
	setup(&f);
	static const size_t sizes[] = { 1, 16, 17, 32, 48, 64, 100, 128, 256, 512, 1000,
					2048, 4000, 4096 };
	void *p[ARRAY_SIZE(sizes) * 8];
	size_t n = 0;
	for (int rep = 0; rep < 8; rep++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++, n++) {
			dma_addr_t phys = 0;
			size_t want = sizes[i] < 16 ? 16 : sizes[i];
			size_t pow = 16;
			while (pow < want)
				pow *= 2;
			p[n] = dma_pool_alloc(f.pool, sizes[i], &phys);
			CHECK(p[n] != NULL);
			if (!p[n])
				continue;
			CHECK(all_bytes(p[n], 0, pow));
			CHECK(IS_ALIGNED((uintptr_t)p[n], pow));
			CHECK(IS_ALIGNED(phys, pow));
			CHECK(phys / 4096 == (phys + pow - 1) / 4096);
			CHECK(phys + pow - 1 <= 4 * GiB - 1);
			CHECK((uintptr_t)p[n] != phys);
			memset(p[n], 0xee, pow); /* next allocation must not see this */
		}
	for (size_t i = 0; i < n; i++)
		dma_pool_free(f.pool, p[i]);
	CHECK_EQ(stats(&f).misuse, 0);
	teardown(&f);
}

TEST(translation_both_ways_is_checked)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa, pb;
	uint8_t *a = dma_pool_alloc(f.pool, 32, &pa);
	uint8_t *b = dma_pool_alloc(f.pool, 1024, &pb);
	CHECK(dma_pool_phys_to_virt(f.pool, pa) == a);
	CHECK(dma_pool_phys_to_virt(f.pool, pa + 31) == a + 31);
	CHECK(dma_pool_phys_to_virt(f.pool, pb + 1000) == b + 1000);
	CHECK_EQ(dma_pool_virt_to_phys(f.pool, a + 5), pa + 5);
	CHECK_EQ(dma_pool_virt_to_phys(f.pool, b), pb);
	/* the neighbour of a live chunk, memory outside the pool, address 0 */
	CHECK(dma_pool_phys_to_virt(f.pool, pa + 32) == NULL || pa + 32 == pb);
	CHECK(dma_pool_phys_to_virt(f.pool, pb + 1024) == NULL);
	CHECK(dma_pool_phys_to_virt(f.pool, 0) == NULL);
	CHECK(dma_pool_phys_to_virt(f.pool, ~0ull) == NULL);
	CHECK(dma_pool_phys_to_virt(f.pool, ARENA_BASE + ARENA_BYTES + 64) == NULL);
	dma_pool_free(f.pool, a);
	CHECK(dma_pool_phys_to_virt(f.pool, pa) == NULL);
	CHECK(dma_pool_phys_to_virt(f.pool, pa + 8) == NULL);
	CHECK(dma_pool_phys_to_virt_irqoff(f.pool, pb + 4) == b + 4);
	CHECK_EQ(dma_pool_virt_to_phys(f.pool, b + 4), pb + 4);
	seam_log_clear();
	CHECK_EQ(dma_pool_virt_to_phys(f.pool, a), 0); /* freed: a driver bug */
	CHECK(seam_log_contains("dma pool test: dma_pool_virt_to_phys"));
	dma_pool_free(f.pool, b);
	teardown(&f);
}

TEST(device_writes_into_free_memory_cannot_steer_the_pool)
{
	struct fixture f;
	setup(&f);
	dma_addr_t phys[64];
	void *p[64];
	for (int i = 0; i < 64; i++)
		p[i] = dma_pool_alloc(f.pool, 16u << (i % 5), &phys[i]);
	for (int i = 0; i < 64; i += 2)
		dma_pool_free(f.pool, p[i]);
	/* the "device" overwrites every free byte of the pool's memory */
	struct dma_pool_stats st = stats(&f);
	CHECK(st.regions >= 1);
	for (int i = 0; i < 64; i += 2) {
		uint8_t *dev = fake_dma_arena_device_ptr(f.arena, phys[i]);
		CHECK(dev != NULL);
		if (dev)
			memset(dev, 0x41, 16u << (i % 5));
	}
	for (int i = 0; i < 64; i += 2) {
		p[i] = dma_pool_alloc(f.pool, 16u << (i % 5), &phys[i]);
		CHECK(p[i] != NULL);
		CHECK(all_bytes(p[i], 0, 16u << (i % 5)));
		CHECK(dma_pool_phys_to_virt(f.pool, phys[i]) == p[i]);
	}
	/* all 64 live chunks are disjoint */
	for (int i = 0; i < 64; i++)
		for (int j = i + 1; j < 64; j++) {
			uintptr_t a = (uintptr_t)p[i], b = (uintptr_t)p[j];
			CHECK(a + (16u << (i % 5)) <= b || b + (16u << (j % 5)) <= a);
		}
	for (int i = 0; i < 64; i++)
		dma_pool_free(f.pool, p[i]);
	CHECK_EQ(stats(&f).misuse, 0);
	teardown(&f);
}

/* Every misuse is refused with a message naming the pool and the caller,
 * counted, and leaves the pool working. */
static void expect_refusal(struct fixture *f, void *ptr, const char *reason)
{
	uint64_t before = stats(f).misuse;
	seam_log_clear();
	dma_pool_free(f->pool, ptr);
	CHECK_EQ(stats(f).misuse, before + 1);
	CHECK(seam_log_contains("dma pool test: dma_pool_free("));
	CHECK(seam_log_contains("caller 0x"));
	if (!seam_log_contains(reason)) {
		fprintf(stderr, "  expected \"%s\" in: %s", reason, seam_log());
		CHECK(seam_log_contains(reason));
	}
}

static void pool_still_works(struct fixture *f)
{
	dma_addr_t phys;
	void *p = dma_pool_alloc(f->pool, 64, &phys);
	CHECK(p != NULL);
	CHECK(dma_pool_phys_to_virt(f->pool, phys) == p);
	dma_pool_free(f->pool, p);
	CHECK(dma_pool_phys_to_virt(f->pool, phys) == NULL);
}

TEST(misuse_double_free_small_and_large)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa, pb;
	void *keep = dma_pool_alloc(f.pool, 16, &pa); /* keeps the slab alive */
	void *a = dma_pool_alloc(f.pool, 16, &pa);
	void *b = dma_pool_alloc(f.pool, 4096, &pb);
	dma_pool_free(f.pool, a);
	expect_refusal(&f, a, "double free");
	dma_pool_free(f.pool, b);
	expect_refusal(&f, b, "double free");
	CHECK_EQ(stats(&f).cls[0].live, 1);
	pool_still_works(&f);
	dma_pool_free(f.pool, keep);
	teardown(&f);
}

TEST(misuse_interior_and_misaligned_pointers)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa, pb;
	uint8_t *a = dma_pool_alloc(f.pool, 64, &pa);
	uint8_t *b = dma_pool_alloc(f.pool, 2048, &pb);
	expect_refusal(&f, a + 16, "interior or misaligned");
	expect_refusal(&f, a + 1, "interior or misaligned");
	expect_refusal(&f, b + 1024, "interior or misaligned");
	expect_refusal(&f, b + 3, "interior or misaligned");
	CHECK(dma_pool_phys_to_virt(f.pool, pa) == a); /* still live */
	CHECK(dma_pool_phys_to_virt(f.pool, pb) == b);
	dma_pool_free(f.pool, a);
	dma_pool_free(f.pool, b);
	pool_still_works(&f);
	teardown(&f);
}

TEST(misuse_pointer_from_another_pool_or_nowhere)
{
	struct fixture f;
	setup(&f);
	struct dma_pool *other = dma_pool_create("other", &f.cfg);
	dma_addr_t po;
	void *foreign = dma_pool_alloc(other, 32, &po);
	int on_stack;
	expect_refusal(&f, foreign, "belongs to pool other");
	expect_refusal(&f, &on_stack, "not from this pool");
	expect_refusal(&f, NULL, "not from this pool");
	CHECK(dma_pool_phys_to_virt(f.pool, po) == NULL);
	CHECK(dma_pool_phys_to_virt(other, po) == foreign);
	dma_pool_free(other, foreign);
	dma_pool_destroy(other);
	pool_still_works(&f);
	teardown(&f);
}

TEST(misuse_free_of_never_allocated_memory)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa;
	uint8_t *a = dma_pool_alloc(f.pool, 4096, &pa);
	/* the region's next 4 KiB block has never been handed out */
	expect_refusal(&f, a + 4096, "not allocated");
	expect_refusal(&f, a + 4096 + 8, "pointer into free memory");
	dma_pool_free(f.pool, a);
	pool_still_works(&f);
	teardown(&f);
}

TEST(oversized_request_is_refused)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa;
	seam_log_clear();
	CHECK(dma_pool_alloc(f.pool, 4097, &pa) == NULL);
	CHECK(seam_log_contains("above max_chunk"));
	pool_still_works(&f);
	teardown(&f);
}

static void *alloc_32(struct fixture *f, dma_addr_t *phys)
{
	return dma_pool_alloc(f->pool, 32, phys);
}

TEST(poison_reports_write_after_free_on_next_handout)
{
	struct fixture f;
	setup_flags(&f, 32, 4096, 64 * KiB, DMA_POOL_POISON);
	dma_addr_t pa, pb;
	void *keep = alloc_32(&f, &pb);
	uint8_t *a = alloc_32(&f, &pa);
	dma_pool_free(f.pool, a);
	CHECK(all_bytes(a, 0x6b, 32));
	uint8_t *dev = fake_dma_arena_device_ptr(f.arena, pa);
	dev[7] = 0x99; /* a device writes into the freed descriptor */
	seam_log_clear();
	uint8_t *again = alloc_32(&f, &pb);
	CHECK(again == a); /* LIFO slot reuse hands the same chunk back */
	CHECK(seam_log_contains("was written after free"));
	CHECK(seam_log_contains("offset 7"));
	CHECK_EQ(stats(&f).poison_hits, 1);
	CHECK(all_bytes(again, 0, 32));
	dma_pool_free(f.pool, again);
	dma_pool_free(f.pool, keep);
	/* a clean cycle reports nothing */
	seam_log_clear();
	void *c = dma_pool_alloc(f.pool, 512, &pa);
	dma_pool_free(f.pool, c);
	CHECK(!seam_log_contains("written after free"));
	teardown(&f);
}

/* A hot alloc/free pair: the chunk the current slab handed out last is
 * freed, refused when freed again, and handed out again. */
TEST(hot_pair_free_is_checked_like_any_other)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pk, pa;
	void *keep = alloc_32(&f, &pk);
	void *a = alloc_32(&f, &pa); /* the current slab's newest chunk */
	dma_pool_free(f.pool, a);
	CHECK(dma_pool_phys_to_virt(f.pool, pa) == NULL);
	CHECK_EQ(stats(&f).cls[1].live, 1);
	expect_refusal(&f, a, "double free");
	uint8_t *b = alloc_32(&f, &pa);
	CHECK(b == a);
	expect_refusal(&f, b + 16, "interior or misaligned");
	expect_refusal(&f, NULL, "not from this pool");
	dma_pool_free(f.pool, b);
	dma_pool_free(f.pool, keep);
	CHECK_EQ(stats(&f).cls[1].live, 0);
	pool_still_works(&f);
	teardown(&f);
}

/* A full slab leaves its class's list; freeing one of its chunks puts it
 * back, so the next allocation reuses the hole instead of opening a new
 * slab. */
TEST(full_slab_serves_again_after_a_free)
{
	struct fixture f;
	setup(&f);
	enum { CHUNKS = 128 }; /* one slab of 32-byte chunks */
	void *chunk[CHUNKS];
	dma_addr_t pa;
	for (int i = 0; i < CHUNKS; i++)
		chunk[i] = alloc_32(&f, &pa);
	uint64_t splits = stats(&f).cls[1].splits;
	dma_pool_free(f.pool, chunk[70]); /* the second slot-map word */
	dma_pool_free(f.pool, chunk[5]);  /* the first */
	void *again[2] = { alloc_32(&f, &pa), alloc_32(&f, &pa) };
	CHECK(again[0] == chunk[5]);
	CHECK(again[1] == chunk[70]);
	CHECK_EQ(stats(&f).cls[1].splits, splits);
	for (int i = 0; i < CHUNKS; i++)
		dma_pool_free(f.pool, chunk[i]);
	CHECK_EQ(stats(&f).misuse, 0);
	teardown(&f);
}

TEST(no_zero_flag_leaves_memory_alone)
{
	struct fixture f;
	setup_flags(&f, 16, 4096, 64 * KiB, DMA_POOL_NO_ZERO);
	dma_addr_t pa;
	uint8_t *a = dma_pool_alloc(f.pool, 16, &pa);
	CHECK(all_bytes(a, 0xa5, 16)); /* the fake source's stale pattern */
	dma_pool_free(f.pool, a);
	teardown(&f);
}

TEST(stats_count_live_peak_splits_merges_failed)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa;
	void *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = dma_pool_alloc(f.pool, 16, &pa);
	void *big = dma_pool_alloc(f.pool, 4096, &pa);
	struct dma_pool_stats st = stats(&f);
	CHECK_EQ(st.nclasses, 9);
	CHECK_EQ(st.cls[0].size, 16);
	CHECK_EQ(st.cls[0].live, 3);
	CHECK_EQ(st.cls[0].peak, 3);
	CHECK_EQ(st.cls[0].splits, 1); /* one 4 KiB unit cut into 16-byte chunks */
	CHECK_EQ(st.cls[8].splits, 0); /* 4 KiB is the largest block: none split */
	CHECK_EQ(st.cls[8].live, 1);
	CHECK_EQ(st.regions, 1);
	CHECK_EQ(st.live_bytes, 3 * 16 + 4096);
	dma_pool_free(f.pool, p[0]);
	dma_pool_free(f.pool, p[1]);
	st = stats(&f);
	CHECK_EQ(st.cls[0].live, 1);
	CHECK_EQ(st.cls[0].peak, 3);
	/* exhaustion: the fake source refuses the next region */
	fake_dma_arena_fail_after(f.arena, 0);
	void *fill[16];
	int got = 0;
	for (int i = 0; i < 16; i++)
		if ((fill[got] = dma_pool_alloc(f.pool, 4096, &pa)) != NULL)
			got++;
	CHECK_EQ(got, 14); /* 64 KiB region: 16 blocks - big - the slab's */
	st = stats(&f);
	CHECK_EQ(st.cls[8].failed, 2);
	for (int i = 0; i < got; i++)
		dma_pool_free(f.pool, fill[i]);
	dma_pool_free(f.pool, p[2]);
	dma_pool_free(f.pool, big);
	st = stats(&f);
	CHECK_EQ(st.cls[0].merges, 0); /* the empty slab is kept for the next 16 */
	CHECK_EQ(st.cls[7].merges, 0);
	/* still no new region: the kept slab is merged back to make room */
	for (int i = 0; i < 16; i++) {
		fill[i] = dma_pool_alloc(f.pool, 4096, &pa);
		CHECK(fill[i] != NULL);
	}
	st = stats(&f);
	CHECK_EQ(st.cls[0].merges, 1);
	CHECK_EQ(st.cls[8].merges, 0);
	for (int i = 0; i < 16; i++)
		dma_pool_free(f.pool, fill[i]);
	CHECK_EQ(st.misuse, 0);
	teardown(&f);
}

TEST(exhaustion_is_reported_and_recovers)
{
	struct fixture f;
	setup(&f);
	fake_dma_arena_fail_after(f.arena, 2);
	dma_addr_t pa;
	void *p[40];
	int got = 0;
	for (int i = 0; i < 40; i++)
		if ((p[got] = dma_pool_alloc(f.pool, 4096, &pa)) != NULL)
			got++;
	CHECK_EQ(got, 32);
	CHECK_EQ(stats(&f).cls[8].failed, 8);
	for (int i = 0; i < got; i++)
		dma_pool_free(f.pool, p[i]);
	fake_dma_arena_fail_after(f.arena, -1);
	pool_still_works(&f);
	teardown(&f);
}

TEST(buddies_coalesce_into_the_largest_chunk)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa;
	void *small[256];
	for (int i = 0; i < 256; i++)
		small[i] = dma_pool_alloc(f.pool, 16u << (i % 8), &pa);
	uint64_t regions = stats(&f).regions;
	for (int i = 0; i < 256; i++)
		dma_pool_free(f.pool, small[i]);
	/* every 4 KiB block of the kept region is whole again */
	void *big[16];
	for (int i = 0; i < 16; i++) {
		big[i] = dma_pool_alloc(f.pool, 4096, &pa);
		CHECK(big[i] != NULL);
	}
	CHECK_EQ(stats(&f).regions_taken, regions > 1 ? regions : 1);
	for (int i = 0; i < 16; i++)
		dma_pool_free(f.pool, big[i]);
	teardown(&f);
}

/* Up to half the regions (at least one) stay when they empty, for the next
 * burst; the others go back, and a pool that stays small returns the kept
 * ones as they empty again. */
TEST(grows_on_demand_and_keeps_half_its_regions_when_empty)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa;
	void *p[64];
	for (int i = 0; i < 64; i++)
		p[i] = dma_pool_alloc(f.pool, 4096, &pa);
	struct dma_pool_stats st = stats(&f);
	CHECK_EQ(st.regions, 4);
	CHECK_EQ(fake_dma_arena_regions_live(f.arena), 4);
	for (int i = 0; i < 64; i++)
		dma_pool_free(f.pool, p[i]);
	st = stats(&f);
	CHECK_EQ(st.regions, 2);
	CHECK_EQ(st.regions_returned, 2);
	CHECK_EQ(fake_dma_arena_regions_live(f.arena), 2);
	for (int i = 0; i < 16; i++)
		p[i] = dma_pool_alloc(f.pool, 4096, &pa);
	CHECK_EQ(stats(&f).regions_taken, 4); /* a kept region serves them */
	for (int i = 0; i < 16; i++)
		dma_pool_free(f.pool, p[i]);
	st = stats(&f);
	CHECK_EQ(st.regions, 1); /* two of two empty: one goes back */
	CHECK_EQ(st.regions_returned, 3);
	for (int i = 0; i < 16; i++)
		p[i] = dma_pool_alloc(f.pool, 4096, &pa);
	for (int i = 0; i < 16; i++)
		dma_pool_free(f.pool, p[i]);
	CHECK_EQ(stats(&f).regions, 1); /* the last one is kept */
	CHECK_EQ(stats(&f).regions_taken, 4);
	teardown(&f);
}

TEST(destroy_with_live_chunks_reports_leaks_and_keeps_their_regions)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa, pb;
	void *a = dma_pool_alloc(f.pool, 32, &pa);
	void *b = dma_pool_alloc(f.pool, 4096, &pb);
	(void)a;
	(void)b;
	void *fill[32];
	for (int i = 0; i < 32; i++)
		fill[i] = dma_pool_alloc(f.pool, 4096, &pb); /* a second region */
	for (int i = 0; i < 32; i++)
		dma_pool_free(f.pool, fill[i]);
	seam_log_clear();
	dma_pool_destroy(f.pool);
	f.pool = NULL;
	char line[128];
	snprintf(line, sizeof(line), "dma pool test: leak: 32 bytes at phys 0x%llx\n",
		 (unsigned long long)pa);
	CHECK(seam_log_contains("dma pool test destroyed with live chunks"));
	CHECK(seam_log_contains(line));
	CHECK(seam_log_contains("4096 bytes at phys"));
	CHECK(seam_log_contains("2 live chunks leaked; 1 regions (64 KiB) kept"));
	/* the region holding them still belongs to the "device" */
	CHECK_EQ(fake_dma_arena_bytes_live(f.arena), 64 * KiB);
	CHECK_EQ(fake_dma_arena_bad_frees(f.arena), 0);
	fake_dma_arena_destroy(f.arena);
}

TEST(ceiling_keeps_every_chunk_below_4g)
{
	struct fixture f;
	setup(&f);
	dma_addr_t pa;
	/* 16 MiB lies below the ceiling: fill all of it, then one more fails */
	int got = 0;
	static void *p[4096 + 1];
	for (int i = 0; i < 4097; i++) {
		p[got] = dma_pool_alloc(f.pool, 4096, &pa);
		if (p[got]) {
			CHECK(pa + 4095 <= 4 * GiB - 1);
			got++;
		}
	}
	CHECK_EQ(got, 4096);
	for (int i = 0; i < got; i++)
		dma_pool_free(f.pool, p[i]);
	teardown(&f);
}

TEST(source_returning_bad_regions_is_refused)
{
	struct fixture f;
	setup(&f);
	/* a ceiling the arena cannot satisfy: nothing below 16 MiB */
	struct dma_pool_config low = f.cfg;
	low.max_phys = 16 * MiB - 1;
	struct dma_pool *p = dma_pool_create("low", &low);
	dma_addr_t pa;
	CHECK(dma_pool_alloc(p, 64, &pa) == NULL);
	dma_pool_destroy(p);
	teardown(&f);
}

TEST(many_regions_translate_correctly)
{
	struct fixture f;
	setup_flags(&f, 16, 4096, 4096, 0);
	static void *p[3000];
	static dma_addr_t pa[3000];
	for (int i = 0; i < 3000; i++)
		p[i] = dma_pool_alloc(f.pool, 4096, &pa[i]);
	CHECK_EQ(stats(&f).regions, 3000);
	for (int i = 0; i < 3000; i++) {
		CHECK(dma_pool_phys_to_virt(f.pool, pa[i] + (i % 4096)) == (char *)p[i] + i % 4096);
		CHECK_EQ(dma_pool_virt_to_phys(f.pool, p[i]), pa[i]);
	}
	for (int i = 0; i < 3000; i += 2)
		dma_pool_free(f.pool, p[i]);
	for (int i = 0; i < 3000; i++)
		CHECK(dma_pool_phys_to_virt(f.pool, pa[i]) == (i % 2 ? p[i] : NULL));
	CHECK_EQ(stats(&f).regions, 3000); /* half of them empty: all kept */
	for (int i = 1; i < 3000; i += 2)
		dma_pool_free(f.pool, p[i]);
	CHECK_EQ(stats(&f).regions, 1500); /* the others went back */
	teardown(&f);
}

/* Issue 11: metadata is judged on a filled pool of 64 KiB regions, here
 * four regions full of minimum chunks, for each shape the drivers use
 * (UHCI, EHCI, USB buffers). */
TEST(metadata_is_within_two_percent)
{
	static const size_t shapes[][2] = { { 16, 4096 }, { 128, 4096 }, { 32, 64 * KiB } };
	static void *p[16384];
	for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
		struct fixture f;
		setup_flags(&f, shapes[s][0], shapes[s][1], 64 * KiB, 0);
		size_t n = 4 * 64 * KiB / shapes[s][0];
		dma_addr_t pa;
		for (size_t i = 0; i < n; i++)
			p[i] = dma_pool_alloc(f.pool, shapes[s][0], &pa);
		struct dma_pool_stats st = stats(&f);
		CHECK_EQ(st.regions, 4);
		CHECK(dma_pool_metadata_bp(&st) <= 200);
		fprintf(stderr, "  %zu..%zu: metadata %llu bytes for %llu managed (%u bp)\n",
			shapes[s][0], shapes[s][1], (unsigned long long)st.metadata_bytes,
			(unsigned long long)st.managed_bytes, dma_pool_metadata_bp(&st));
		for (size_t i = 0; i < n; i++)
			dma_pool_free(f.pool, p[i]);
		teardown(&f);
	}
}

static void count_pool(struct dma_pool *pool, void *ctx) { (*(int *)ctx)++; }

TEST(pools_are_listed_and_printed)
{
	struct fixture f;
	setup(&f);
	int before = 0, after = 0;
	dma_pool_for_each(count_pool, &before);
	struct dma_pool *second = dma_pool_create("second", &f.cfg);
	dma_pool_for_each(count_pool, &after);
	CHECK_EQ(after, before + 1);
	dma_addr_t pa;
	void *p = dma_pool_alloc(second, 100, &pa);
	seam_log_clear();
	struct dma_pool_stats snap;
	dma_pool_stats(second, &snap);
	dma_pool_stats_print(&snap);
	CHECK(seam_log_contains("pool second: 1 regions of 64 KiB"));
	CHECK(seam_log_contains("% of managed"));
	CHECK(seam_log_contains("     128          1          1"));
	dma_pool_free(second, p);
	dma_pool_destroy(second);
	teardown(&f);
}

/* A page source that breaks its contract in one of three ways. */
struct bad_source {
	int mode; /* 0: misaligned virt, 1: above the ceiling, 2: same region twice */
	char *block;
	int handed_back;
};

static void *bad_alloc(void *ctx, size_t size, dma_addr_t max_phys, dma_addr_t *phys)
{
	struct bad_source *b = ctx;
	if (!b->block)
		b->block = aligned_alloc(2 * size, 2 * size);
	*phys = b->mode == 1 ? max_phys + 1 : 0x100000;
	return b->mode == 0 ? b->block + 4096 : b->block;
}

static void bad_free(void *ctx, void *virt, dma_addr_t phys, size_t size)
{
	((struct bad_source *)ctx)->handed_back++;
}

TEST(regions_breaking_the_source_contract_are_refused)
{
	static const char *const expect[] = { "misaligned region", "above the ceiling",
					      "region the pool already holds" };
	for (int mode = 0; mode < 3; mode++) {
		struct bad_source b = { mode, NULL, 0 };
		struct dma_page_source src = { bad_alloc, bad_free, &b };
		struct dma_pool_config cfg = { 16, 4096, 64 * KiB, 4 * GiB - 1, 0, &src };
		struct dma_pool *p = dma_pool_create("bad", &cfg);
		dma_addr_t pa;
		void *fill[17];
		int got = 0;
		seam_log_clear();
		/* mode 2: the first region is fine, the second is the same one */
		for (int i = 0; i < (mode == 2 ? 17 : 1); i++)
			if ((fill[got] = dma_pool_alloc(p, 4096, &pa)) != NULL)
				got++;
		CHECK_EQ(got, mode == 2 ? 16 : 0);
		CHECK(seam_log_contains(expect[mode]));
		CHECK_EQ(b.handed_back, 1);
		for (int i = 0; i < got; i++)
			dma_pool_free(p, fill[i]);
		dma_pool_destroy(p);
		free(b.block);
	}
}
