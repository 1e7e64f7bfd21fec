/*
 * dma_kernel_source: where kernel DMA pools get their regions. A region is
 * one PMM block (physically contiguous and naturally aligned, since the PMM
 * is a buddy allocator) taken under the pool's physical ceiling, and is
 * reached through the direct map. The pool keeps its own translation
 * tables, so nothing here is on a hot path.
 */
#include "dma_pool.h"
#include "mm.h"
#include "printk.h"

static bool region_order(size_t size, unsigned *order)
{
	if (size < PAGE_SIZE || (size & (size - 1)) ||
	    size > (PAGE_SIZE << PMM_MAX_ORDER)) {
		pr_err("dma_kernel_source: region size %zu unsupported: a power of two from 4 KiB to %llu KiB\n",
		       size, (unsigned long long)((PAGE_SIZE << PMM_MAX_ORDER) / KiB));
		return false;
	}
	*order = (unsigned)__builtin_ctzll(size) - PAGE_SHIFT;
	return true;
}

static void *kernel_alloc_region(void *ctx, size_t size, dma_addr_t max_phys, dma_addr_t *phys)
{
	unsigned order;
	if (!region_order(size, &order))
		return NULL;
	phys_addr_t p = alloc_pages(order, max_phys, 0);
	if (!p)
		return NULL;
	*phys = p;
	return phys_to_virt(p);
}

static void kernel_free_region(void *ctx, void *virt, dma_addr_t phys, size_t size)
{
	unsigned order;
	if (region_order(size, &order))
		free_pages(phys, order);
}

const struct dma_page_source dma_kernel_source = {
	.alloc_region = kernel_alloc_region,
	.free_region = kernel_free_region,
	.ctx = NULL,
};
