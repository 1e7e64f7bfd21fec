/*
 * The DMA pool under the USB core in host tests: the real pool
 * (dma/pool.c) with dma_kernel_source drawing from a simulated physical
 * range; the "usb-buffers" pool's live chunks and misuse are read from its
 * statistics, and it can be exhausted on purpose.
 */
#include <string.h>

#include "dma_pool.h"
#include "fake_dma_source.h"
#include "fake_usb.h"
#include "usb.h"

/* --- DMA: the real pool (dma/pool.c) over a simulated physical range ---- */
/* 512 MiB of "physical" addresses straddling 4 GiB, so the pool must keep
 * USB buffers below its max_phys. */
#define ARENA_BASE 0xf0000000ull
#define ARENA_BYTES (512ull << 20)
#define HOARD_MAX 8192

static struct fake_dma_arena *arena;
static struct dma_page_source arena_source;
static void *hoard[HOARD_MAX];
static unsigned hoarded;

static struct fake_dma_arena *the_arena(void)
{
	if (!arena) {
		arena = fake_dma_arena_create(ARENA_BASE, ARENA_BYTES, 1);
		arena_source = fake_dma_source(arena);
	}
	return arena;
}

static void *arena_alloc(void *ctx, size_t size, dma_addr_t max_phys, dma_addr_t *phys)
{
	the_arena();
	return arena_source.alloc_region(arena_source.ctx, size, max_phys, phys);
}

static void arena_free(void *ctx, void *virt, dma_addr_t phys, size_t size)
{
	arena_source.free_region(arena_source.ctx, virt, phys, size);
}

const struct dma_page_source dma_kernel_source = { arena_alloc, arena_free, NULL };

static void add_usb_pool_stats(struct dma_pool *pool, void *ctx)
{
	struct dma_pool_stats st;
	long *sums = ctx;

	dma_pool_stats(pool, &st);
	if (strcmp(st.name, "usb-buffers") != 0)
		return;
	for (unsigned i = 0; i < st.nclasses; i++)
		sums[0] += (long)st.cls[i].live;
	sums[1] += (long)st.misuse;
}

long fake_dma_live(void)
{
	long sums[2] = { 0, 0 };
	dma_pool_for_each(add_usb_pool_stats, sums);
	return sums[0];
}

long fake_dma_misuse(void)
{
	long sums[2] = { 0, 0 };
	dma_pool_for_each(add_usb_pool_stats, sums);
	return sums[1];
}

void fake_dma_exhaust(void)
{
	dma_addr_t dma;
	void *p;

	fake_dma_arena_fail_after(the_arena(), 0);
	while (hoarded < HOARD_MAX && (p = usb_buffer_alloc(32, &dma)))
		hoard[hoarded++] = p;
}

void fake_dma_restore(void)
{
	while (hoarded)
		usb_buffer_free(hoard[--hoarded]);
	fake_dma_arena_fail_after(the_arena(), -1);
}

