UNIT_TESTS += test_dma_pool
test_dma_pool_SRCS := tests/unit/test_dma_pool.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_dma_source.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c \
	kernel/lib/spinlock.c $(DMA_POOL_SRCS)
