/*
 * Fake DMA pool for UHCI host tests (see fake_uhci_dma.h). Chunks are never
 * reused, so a use-after-free through a stale DMA address shows up as a
 * failed translation instead of silently hitting a new owner.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_uhci_dma.h"

#define ARENA_BYTES (1u << 20)
#define MAX_CHUNKS 16384 /* fits the uint16_t owner map */
#define FAKE_PHYS_BASE 0x10000000ull

struct dma_pool {
	int unused;
};

static struct dma_pool the_pool;
static _Alignas(4096) unsigned char arena[ARENA_BYTES];
static size_t arena_used;
static struct { size_t off, size; bool live; } chunks[MAX_CHUNKS];
static unsigned nchunks, live;
/* Chunk index + 1 for every 16-byte unit of the arena (0: none), so that
 * translation is O(1) like the real pool's. */
static uint16_t owner[ARENA_BYTES / 16];
static int fail_after = -1;

struct dma_pool *fake_dma_pool(void)
{
	memset(owner, 0, (arena_used + 15) / 16 * sizeof(owner[0]));
	arena_used = 0;
	nchunks = 0;
	live = 0;
	fail_after = -1;
	return &the_pool;
}

unsigned fake_dma_live(void) { return live; }
void fake_dma_fail_after(int allocs) { fail_after = allocs; }

void *dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys)
{
	size_t chunk = 16;
	while (chunk < size)
		chunk <<= 1;
	size_t off = (arena_used + chunk - 1) & ~(chunk - 1);
	if (fail_after == 0 || off + chunk > ARENA_BYTES || nchunks == MAX_CHUNKS)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	arena_used = off + chunk;
	chunks[nchunks].off = off;
	chunks[nchunks].size = chunk;
	chunks[nchunks].live = true;
	for (size_t u = off / 16; u < (off + chunk) / 16; u++)
		owner[u] = (uint16_t)(nchunks + 1);
	nchunks++;
	live++;
	memset(arena + off, 0, chunk);
	*phys = FAKE_PHYS_BASE + off;
	return arena + off;
}

static int chunk_of(size_t off)
{
	if (off >= ARENA_BYTES || owner[off / 16] == 0)
		return -1;
	int i = owner[off / 16] - 1;
	return chunks[i].live ? i : -1;
}

void dma_pool_free(struct dma_pool *pool, void *vaddr)
{
	int i = chunk_of((size_t)((unsigned char *)vaddr - arena));
	if (i < 0 || arena + chunks[i].off != vaddr)
		abort(); /* double or bogus free: a test failure */
	chunks[i].live = false;
	live--;
}

void *dma_pool_phys_to_virt(struct dma_pool *pool, dma_addr_t phys)
{
	if (phys < FAKE_PHYS_BASE || phys >= FAKE_PHYS_BASE + ARENA_BYTES)
		return NULL;
	size_t off = (size_t)(phys - FAKE_PHYS_BASE);
	return chunk_of(off) >= 0 ? arena + off : NULL;
}

dma_addr_t dma_pool_virt_to_phys(struct dma_pool *pool, const void *vaddr)
{
	return FAKE_PHYS_BASE + (size_t)((const unsigned char *)vaddr - arena);
}

void *fake_dma_virt(dma_addr_t phys) { return dma_pool_phys_to_virt(&the_pool, phys); }
