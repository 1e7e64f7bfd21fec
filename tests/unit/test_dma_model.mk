# Randomized model checker; its own main takes [ops] [seed]:
#   build/unit/test_dma_model 100000000 1
UNIT_TESTS += test_dma_model
test_dma_model_SRCS := tests/unit/test_dma_model.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_dma_source.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c \
	kernel/lib/spinlock.c $(DMA_POOL_SRCS)
