UNIT_TESTS += test_ehci_driver
test_ehci_driver_SRCS := tests/unit/test_ehci_driver.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_hcd.c tests/unit/seams/fake_ehci.c \
	tests/unit/seams/fake_kmalloc.c tests/unit/seams/fake_dma_source.c kernel/lib/spinlock.c \
	$(DMA_POOL_SRCS) kernel/lib/format.c usb/hcd.c usb/hcd_mmio.c usb/descriptors.c \
	$(wildcard usb/ehci/*.c)
# fake_hcd.c's fault plan reaches the allocators through --wrap.
test_ehci_driver_CFLAGS := -Itests/unit/seams \
	-Wl,--wrap=kmalloc,--wrap=kzalloc,--wrap=dma_pool_create,--wrap=dma_pool_alloc
