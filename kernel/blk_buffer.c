/*
 * I/O buffers for block requests: physically contiguous pages below 4 GiB
 * from the page allocator, so a disk driver can hand the whole buffer to
 * its controller by DMA address without copying (include/blk.h).
 */
#include "blk.h"
#include "mm.h"

static unsigned order_for(size_t size)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *blk_buffer_alloc(size_t size, dma_addr_t *dma)
{
	unsigned order = order_for(size);
	phys_addr_t p;

	if (size == 0 || order > PMM_MAX_ORDER)
		return NULL;
	p = alloc_pages(order, PHYS_LIMIT_DMA32, 0);
	if (!p)
		return NULL;
	*dma = p;
	return phys_to_virt(p);
}

void blk_buffer_free(void *buf, size_t size)
{
	if (buf)
		free_pages(virt_to_phys(buf), order_for(size));
}
