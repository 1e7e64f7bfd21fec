/*
 * libFuzzer harness for the buddy allocator: each input is a sequence of
 * 3-byte operations (allocate under a ceiling, free a live block, free a
 * bogus address/order, full check) run on the fake physical memory of the
 * unit tests. Every returned block must respect its ceiling and alignment
 * and overlap no live block; bogus frees must be refused without changing
 * anything; after freeing everything the free lists must be exactly the
 * boot-time ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "seams/fake_mm.h"
#include "seams/seams.h"

#define MAX_LIVE 256

struct block {
	phys_addr_t phys;
	unsigned order;
};

static struct block live[MAX_LIVE];
static unsigned live_n;
static struct pmm_zone_stats boot_stats[PMM_ZONE_COUNT];

static const phys_addr_t ceilings[] = { PHYS_LIMIT_ISA, PHYS_LIMIT_DMA32, PHYS_LIMIT_ANY,
					 20 * MiB - 1, 4 * GiB + 2 * MiB - 1, 2 * MiB };

static void require(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_pmm: %s\n%s", what, seam_log());
		abort();
	}
}

static bool stats_equal(const struct pmm_zone_stats *a)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats now;
		pmm_get_zone_stats(z, &now);
		if (memcmp(now.free_blocks, a[z].free_blocks, sizeof(now.free_blocks)) ||
		    now.free_pages != a[z].free_pages)
			return false;
	}
	return true;
}

static void snapshot(struct pmm_zone_stats *out)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++)
		pmm_get_zone_stats(z, &out[z]);
}

static bool overlaps_live(phys_addr_t p, uint64_t len)
{
	for (unsigned i = 0; i < live_n; i++)
		if (p < live[i].phys + (PAGE_SIZE << live[i].order) && live[i].phys < p + len)
			return true;
	return false;
}

static void op_alloc(uint8_t a, uint8_t b)
{
	unsigned order = a % (PMM_MAX_ORDER + 1);
	phys_addr_t ceiling = ceilings[b % ARRAY_SIZE(ceilings)];
	if (live_n == MAX_LIVE)
		return;
	phys_addr_t p = alloc_pages(order, ceiling, (b & 0x80) ? PMM_ZERO : 0);
	if (!p)
		return;
	uint64_t len = PAGE_SIZE << order;
	require(IS_ALIGNED(p, len) && p + len - 1 <= ceiling, "block misaligned or above ceiling");
	require(fake_mm_backed(p, len), "block outside RAM");
	require(!overlaps_live(p, len), "block overlaps a live block");
	if (b & 0x80)
		require(((unsigned char *)phys_to_virt(p))[len - 1] == 0, "PMM_ZERO not zeroed");
	live[live_n++] = (struct block){ p, order };
}

static void op_free(uint8_t a)
{
	if (live_n == 0)
		return;
	unsigned i = a % live_n;
	free_pages(live[i].phys, live[i].order);
	live[i] = live[--live_n];
}

/* Frees an address derived from the input that is not a live block head. */
static void op_bogus_free(uint8_t a, uint8_t b)
{
	phys_addr_t p = live_n ? live[a % live_n].phys : 16 * MiB;
	p += (phys_addr_t)(int8_t)b * (PAGE_SIZE / 2);
	unsigned order = a % (PMM_MAX_ORDER + 2);
	for (unsigned i = 0; i < live_n; i++)
		if (live[i].phys == p && live[i].order == order)
			return;
	struct pmm_zone_stats before[PMM_ZONE_COUNT];
	snapshot(before);
	seam_log_clear();
	free_pages(p, order);
	require(seam_log_contains("refused"), "bogus free not refused");
	require(stats_equal(before), "bogus free changed the free lists");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	static bool booted;
	if (!booted) {
		fake_mm_boot_default(&bi);
		pmm_init(&bi);
		snapshot(boot_stats);
		booted = true;
	}
	for (size_t i = 0; i + 3 <= size; i += 3) {
		switch (data[i] % 4) {
		case 0: op_alloc(data[i + 1], data[i + 2]); break;
		case 1: op_free(data[i + 1]); break;
		case 2: op_bogus_free(data[i + 1], data[i + 2]); break;
		default: require(pmm_check(), "invariant check failed"); break;
		}
	}
	while (live_n)
		op_free(0);
	require(pmm_check(), "invariant check failed after freeing everything");
	require(stats_equal(boot_stats), "free lists differ from boot after freeing everything");
	seam_log_clear();
	return 0;
}
