UNIT_TESTS += test_xhci_driver
test_xhci_driver_SRCS := tests/unit/test_xhci_driver.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_hcd.c tests/unit/seams/fake_xhci.c \
	tests/unit/seams/fake_kmalloc.c tests/unit/seams/fake_dma_source.c kernel/lib/spinlock.c \
	$(DMA_POOL_SRCS) kernel/lib/format.c usb/hcd.c usb/hcd_mmio.c \
	$(wildcard usb/xhci/*.c)
# fake_hcd.c's fault plan reaches the allocators through --wrap.
test_xhci_driver_CFLAGS := -Itests/unit/seams \
	-Wl,--wrap=kmalloc,--wrap=kzalloc,--wrap=dma_pool_create,--wrap=dma_pool_alloc
