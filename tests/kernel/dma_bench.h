/*
 * DMA pool benchmark pieces shared by the kernel's `dmabench` command (TSC)
 * and tests/bench/bench_dma.c (host clock): the classic pool Linux uses
 * (mm/dmapool.c: one size per pool, in-band LIFO free list holding the next
 * pointer and DMA address, pages carved in order, blocks never crossing the
 * boundary) and workloads 1 and 5 of issue 4. Code in tests/kernel/dma_bench.c.
 */
#ifndef TERN_DMA_BENCH_H
#define TERN_DMA_BENCH_H

#include "dma_pool.h"

struct dma_bench_clock {
	uint64_t (*now)(void); /* monotonic ticks */
	uint64_t ticks_per_us;
};

/* --- the classic baseline ------------------------------------------- */
struct classic_pool;
struct classic_pool *classic_create(const struct dma_page_source *src, size_t size,
				    size_t align, size_t boundary, bool zero);
void *classic_alloc(struct classic_pool *p, dma_addr_t *dma);
void classic_free(struct classic_pool *p, void *vaddr, dma_addr_t dma);
size_t classic_pages(const struct classic_pool *p);
void classic_destroy(struct classic_pool *p);

/* --- workloads ------------------------------------------------------- */
/* Workload 1: Linux's dmapool_test shapes, 100 rounds of allocate-all /
 * free-all, Tern (all checks on) against the classic pool, with and
 * without zeroing. Prints a table; non-zero if memory ran out. */
int dma_bench_linux_replica(const struct dma_page_source *src,
			    const struct dma_bench_clock *clock, unsigned repeats);
/* Workload 5: phys->virt and virt->phys of random addresses inside live
 * chunks of pools holding 1, 64 and 4096 regions. Prints a table. */
int dma_bench_translation(const struct dma_page_source *src,
			  const struct dma_bench_clock *clock, unsigned repeats);

/* "12.34" from hundredths, integer maths only; buf holds DMA_FIXED_LEN. */
#define DMA_FIXED_LEN 24
const char *dma_bench_fixed2(uint64_t hundredths, char *buf);

#endif
