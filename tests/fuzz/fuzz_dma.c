/*
 * libFuzzer harness for the DMA pool: each input is a sequence of
 * operations (allocate, free, double/interior/foreign free, translate an
 * arbitrary physical address, device write into free memory, exhaustion)
 * on two pools over a small fake arena. A tiny model of the live chunks
 * checks every answer; any disagreement traps.
 */
#include <stdlib.h>
#include <string.h>

#include "dma_pool.h"
#include "seams/fake_dma_source.h"

#define ARENA_BASE (4 * GiB - 1 * MiB)
#define ARENA_BYTES (2 * MiB)
#define MAX_LIVE 512

struct chunk {
	uint8_t *virt;
	dma_addr_t phys;
	size_t size;
};

struct fuzz_pool {
	struct dma_pool *pool;
	struct dma_pool_config cfg;
	struct chunk live[MAX_LIVE];
	unsigned nlive;
	uint64_t misuse;
};

#define REQUIRE(cond)                 \
	do {                          \
		if (!(cond))          \
			__builtin_trap(); \
	} while (0)

static const struct chunk *containing(const struct fuzz_pool *fp, dma_addr_t phys)
{
	for (unsigned i = 0; i < fp->nlive; i++)
		if (phys >= fp->live[i].phys && phys - fp->live[i].phys < fp->live[i].size)
			return &fp->live[i];
	return NULL;
}

static void check_misuse(struct fuzz_pool *fp, void *ptr)
{
	struct dma_pool_stats st;
	dma_pool_free(fp->pool, ptr);
	dma_pool_stats(fp->pool, &st);
	REQUIRE(st.misuse == ++fp->misuse);
}

static void op_alloc(struct fuzz_pool *fp, size_t want, struct fake_dma_arena *a)
{
	uint64_t refusals = fake_dma_arena_refusals(a);
	if (fp->nlive == MAX_LIVE)
		return;
	dma_addr_t phys;
	uint8_t *v = dma_pool_alloc(fp->pool, want, &phys);
	if (want > fp->cfg.max_chunk) {
		REQUIRE(!v);
		fp->misuse++;
		return;
	}
	if (!v) {
		REQUIRE(fake_dma_arena_refusals(a) > refusals);
		return;
	}
	size_t size = fp->cfg.min_chunk;
	while (size < want)
		size *= 2;
	REQUIRE(IS_ALIGNED(phys, size) && IS_ALIGNED((uintptr_t)v, size));
	REQUIRE(phys + size - 1 <= fp->cfg.max_phys);
	REQUIRE(!containing(fp, phys) && !containing(fp, phys + size - 1));
	for (size_t i = 0; i < size; i++)
		REQUIRE(v[i] == 0);
	memset(v, 0xc3, size);
	fp->live[fp->nlive++] = (struct chunk){ v, phys, size };
}

static void op_free(struct fuzz_pool *fp, unsigned pick, unsigned how, struct fuzz_pool *other)
{
	if (!fp->nlive)
		return;
	unsigned i = pick % fp->nlive;
	struct chunk c = fp->live[i];
	switch (how % 4) {
	case 0:
		dma_pool_free(fp->pool, c.virt);
		fp->live[i] = fp->live[--fp->nlive];
		REQUIRE(!dma_pool_phys_to_virt(fp->pool, c.phys));
		break;
	case 1:
		dma_pool_free(fp->pool, c.virt);
		fp->live[i] = fp->live[--fp->nlive];
		check_misuse(fp, c.virt); /* double free */
		break;
	case 2:
		check_misuse(fp, c.virt + 1 + pick % (c.size - 1)); /* interior */
		break;
	default:
		check_misuse(other, c.virt); /* foreign */
	}
}

static void op_translate(struct fuzz_pool *fp, dma_addr_t phys)
{
	const struct chunk *c = containing(fp, phys);
	uint8_t *v = dma_pool_phys_to_virt(fp->pool, phys);
	REQUIRE(c ? v == c->virt + (phys - c->phys) : v == NULL);
	if (c)
		REQUIRE(dma_pool_virt_to_phys(fp->pool, v) == phys);
}

static void op_device_write(struct fake_dma_arena *a, struct fuzz_pool *fps, dma_addr_t phys)
{
	phys &= ~15ull;
	if (containing(&fps[0], phys) || containing(&fps[1], phys))
		return;
	uint8_t *dev = fake_dma_arena_device_ptr(a, phys);
	if (dev)
		memset(dev, 0x5a, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fake_dma_arena *arena = fake_dma_arena_create(ARENA_BASE, ARENA_BYTES, 7);
	struct dma_page_source src = fake_dma_source(arena);
	static struct fuzz_pool fps[2];
	memset(fps, 0, sizeof(fps));
	fps[0].cfg = (struct dma_pool_config){ 16, 4096, 16 * KiB, 4 * GiB - 1, 0, &src };
	fps[1].cfg = (struct dma_pool_config){ 32, 64 * KiB, 64 * KiB, 4 * GiB - 1,
					       DMA_POOL_POISON, &src };
	fps[0].pool = dma_pool_create("fuzz16", &fps[0].cfg);
	fps[1].pool = dma_pool_create("fuzz32", &fps[1].cfg);
	bool failing = false;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		struct fuzz_pool *fp = &fps[data[i] & 1];
		unsigned arg = data[i + 1] | data[i + 2] << 8 | (unsigned)data[i + 3] << 16;
		switch ((data[i] >> 1) % 6) {
		case 0:
			op_alloc(fp, (arg & 0x1ffff) % (fp->cfg.max_chunk + 2), arena);
			break;
		case 1: /* a run of one size, as drivers allocate */
			for (unsigned n = 0; n <= (arg >> 20) % 16; n++)
				op_alloc(fp, (arg & 0x1ffff) % (fp->cfg.max_chunk + 2), arena);
			break;
		case 2:
			op_free(fp, arg, arg >> 12, &fps[!(data[i] & 1)]);
			break;
		case 3:
			op_translate(fp, ARENA_BASE - 4096 + ((uint64_t)arg << 3) % (ARENA_BYTES + 8192));
			break;
		case 4:
			op_device_write(arena, fps, ARENA_BASE + ((uint64_t)arg << 4) % ARENA_BYTES);
			break;
		default:
			failing = !failing;
			fake_dma_arena_fail_after(arena, failing ? (long)(arg % 3) : -1);
		}
	}
	fake_dma_arena_fail_after(arena, -1);
	for (int p = 0; p < 2; p++) {
		while (fps[p].nlive)
			op_free(&fps[p], 0, 0, NULL);
		struct dma_pool_stats st;
		dma_pool_stats(fps[p].pool, &st);
		REQUIRE(st.misuse == fps[p].misuse);
		dma_pool_destroy(fps[p].pool);
	}
	REQUIRE(fake_dma_arena_bytes_live(arena) == 0 && fake_dma_arena_bad_frees(arena) == 0);
	fake_dma_arena_destroy(arena);
	return 0;
}
