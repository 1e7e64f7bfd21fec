/*
 * In-kernel tests of the DMA pool on the real page source (PMM + direct
 * map): regions below the ceiling and naturally aligned, translation both
 * ways, misuse refused, oversized regions refused, and every page given
 * back when the pool is destroyed.
 */
#include "dma_pool.h"
#include "ktest.h"
#include "mm.h"

static struct dma_pool *usb_shaped_pool(const char *name, size_t min)
{
	struct dma_pool_config cfg = { min, 4096, 64 * KiB, 4 * GiB - 1, 0, &dma_kernel_source };
	return dma_pool_create(name, &cfg);
}

KTEST(dma_pool_chunks_are_aligned_below_4g_and_translate)
{
	kmalloc_trim();
	uint64_t free_before = pmm_free_bytes();
	struct dma_pool *p = usb_shaped_pool("ktest_dma", 16);
	KT_ASSERT(p);
	static void *v[256];
	static dma_addr_t pa[256];
	for (int i = 0; i < 256; i++) {
		size_t size = 16u << (i % 9);
		v[i] = dma_pool_alloc(p, size, &pa[i]);
		KT_ASSERT(v[i]);
		KT_ASSERT(IS_ALIGNED(pa[i], size) && IS_ALIGNED((uintptr_t)v[i], size));
		KT_ASSERT(pa[i] + size - 1 <= 4 * GiB - 1);
		KT_ASSERT(pa[i] / 4096 == (pa[i] + size - 1) / 4096);
		KT_ASSERT(dma_pool_phys_to_virt(p, pa[i] + size - 1) == (char *)v[i] + size - 1);
		KT_ASSERT(dma_pool_virt_to_phys(p, v[i]) == pa[i]);
	}
	for (int i = 0; i < 256; i++)
		dma_pool_free(p, v[i]);
	for (int i = 0; i < 256; i++)
		KT_ASSERT(dma_pool_phys_to_virt(p, pa[i]) == NULL);
	dma_pool_destroy(p);
	kmalloc_trim();
	KT_ASSERT(pmm_free_bytes() == free_before);
	return NULL;
}

KTEST(dma_pool_refuses_misuse_and_stays_usable)
{
	struct dma_pool *p = usb_shaped_pool("ktest_dma_misuse", 32);
	KT_ASSERT(p);
	dma_addr_t pa;
	char *a = dma_pool_alloc(p, 32, &pa);
	KT_ASSERT(a);
	dma_pool_free(p, a + 8);
	dma_pool_free(p, a);
	dma_pool_free(p, a);
	struct dma_pool_stats st;
	dma_pool_stats(p, &st);
	KT_ASSERT(st.misuse == 2);
	a = dma_pool_alloc(p, 32, &pa);
	KT_ASSERT(a && dma_pool_phys_to_virt(p, pa) == a);
	dma_pool_free(p, a);
	dma_pool_destroy(p);
	return NULL;
}

KTEST(dma_kernel_source_refuses_regions_above_4m)
{
	dma_addr_t phys = 0;
	const struct dma_page_source *src = &dma_kernel_source;
	KT_ASSERT(src->alloc_region(src->ctx, 8 * MiB, 4 * GiB - 1, &phys) == NULL);
	KT_ASSERT(src->alloc_region(src->ctx, 4096 + 512, 4 * GiB - 1, &phys) == NULL);
	struct dma_pool_config cfg = { 16, 4096, 8 * MiB, 4 * GiB - 1, 0, src };
	KT_ASSERT(dma_pool_create("ktest_dma_big", &cfg) == NULL);
	void *v = src->alloc_region(src->ctx, 4 * MiB, 4 * GiB - 1, &phys);
	KT_ASSERT(v && IS_ALIGNED(phys, 4 * MiB) && phys + 4 * MiB - 1 <= 4 * GiB - 1);
	src->free_region(src->ctx, v, phys, 4 * MiB);
	return NULL;
}
