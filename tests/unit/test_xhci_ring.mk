UNIT_TESTS += test_xhci_ring
test_xhci_ring_SRCS := tests/unit/test_xhci_ring.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_dma_source.c tests/unit/seams/fake_kmalloc.c \
	kernel/lib/format.c kernel/lib/spinlock.c $(DMA_POOL_SRCS) usb/xhci/xhci_ring.c
