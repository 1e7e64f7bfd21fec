BENCHES += bench_dma
bench_dma_SRCS := tests/bench/bench_dma.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_dma_source.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c \
	kernel/lib/spinlock.c $(DMA_POOL_SRCS) tests/kernel/dma_bench.c
bench_dma_CFLAGS := -Itests/kernel
