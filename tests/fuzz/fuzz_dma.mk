FUZZERS += fuzz_dma
fuzz_dma_SRCS := tests/fuzz/fuzz_dma.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_dma_source.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c \
	kernel/lib/spinlock.c $(DMA_POOL_SRCS)
