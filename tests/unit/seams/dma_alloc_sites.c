/*
 * The call sites declared in dma_alloc_sites.h: each a function of its own
 * that is not inlined and does not tail-call, so each is a different
 * return address for dma_pool_alloc.
 */
#include "dma_alloc_sites.h"

#define ALLOC_SITE(n)                                                              \
	static __attribute__((noinline)) void *alloc_site_##n(struct dma_pool *pool,  \
							      size_t size,             \
							      dma_addr_t *phys)        \
	{                                                                          \
		void *v = dma_pool_alloc(pool, size, phys);                        \
		__asm__ volatile("" : : "r"(v) : "memory"); /* no tail call */     \
		return v;                                                          \
	}

ALLOC_SITE(0)
ALLOC_SITE(1)
ALLOC_SITE(2)
ALLOC_SITE(3)
ALLOC_SITE(4)
ALLOC_SITE(5)
ALLOC_SITE(6)
ALLOC_SITE(7)
ALLOC_SITE(8)
ALLOC_SITE(9)

const dma_alloc_site_fn dma_alloc_sites[DMA_TEST_SITES] = {
	alloc_site_0, alloc_site_1, alloc_site_2, alloc_site_3, alloc_site_4,
	alloc_site_5, alloc_site_6, alloc_site_7, alloc_site_8, alloc_site_9,
};
