/*
 * `dmastat`: every DMA pool's statistics, then one total line over all of
 * them (regions, managed, live and metadata bytes): the DMA memory the
 * drivers hold.
 */
#include "dma_pool.h"
#include "printk.h"
#include "shell.h"

#define DMASTAT_MAX 32

struct dmastat_snapshots {
	struct dma_pool_stats st[DMASTAT_MAX + 1]; /* the last one: scratch for the rest */
	unsigned n, skipped;
	uint64_t regions, managed, live, metadata;
};

/* Runs with interrupts off, so it only copies and adds; printing comes after. */
static void snapshot_pool(struct dma_pool *pool, void *ctx)
{
	struct dmastat_snapshots *s = ctx;
	struct dma_pool_stats *st = &s->st[MIN(s->n, DMASTAT_MAX)];
	dma_pool_stats(pool, st);
	s->regions += st->regions;
	s->managed += st->managed_bytes;
	s->live += st->live_bytes;
	s->metadata += st->metadata_bytes;
	if (s->n < DMASTAT_MAX)
		s->n++;
	else
		s->skipped++;
}

static int cmd_dmastat(int argc, char **argv)
{
	static struct dmastat_snapshots s;
	s = (struct dmastat_snapshots){ .n = 0 };
	dma_pool_for_each(snapshot_pool, &s);
	for (unsigned i = 0; i < s.n; i++)
		dma_pool_stats_print(&s.st[i]);
	if (s.skipped)
		kprintf("... and %u more pools (counted in the total)\n", s.skipped);
	kprintf("total: %u pools, %llu regions, managed %llu bytes (%llu KiB), live %llu bytes, metadata %llu bytes\n",
		s.n + s.skipped, (unsigned long long)s.regions, (unsigned long long)s.managed,
		(unsigned long long)(s.managed / 1024), (unsigned long long)s.live,
		(unsigned long long)s.metadata);
	return 0;
}
SHELL_COMMAND(dmastat, "dmastat", "dmastat",
	      "every DMA pool's statistics, then the total over all of them", cmd_dmastat);
