/*
 * A small stand-in for the DMA pool (include/dma_pool.h) for host tests of
 * the UHCI schedule code: naturally aligned chunks from an arena whose
 * "physical" addresses differ from its virtual ones, checked translation,
 * live-chunk counting and allocation-failure injection.
 */
#ifndef TERN_FAKE_UHCI_DMA_H
#define TERN_FAKE_UHCI_DMA_H

#include "dma_pool.h"

struct dma_pool *fake_dma_pool(void);   /* a fresh, empty pool */
unsigned fake_dma_live(void);           /* chunks allocated and not freed */
void fake_dma_fail_after(int allocs);   /* -1: never fail */
/* "Device" writes go through the CPU view: */
void *fake_dma_virt(dma_addr_t phys);

#endif
