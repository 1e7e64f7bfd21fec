UNIT_TESTS += test_uhci_driver
test_uhci_driver_SRCS := tests/unit/test_uhci_driver.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_hcd.c tests/unit/seams/fake_uhci_io.c \
	tests/unit/seams/fake_kmalloc.c tests/unit/seams/fake_dma_source.c kernel/lib/spinlock.c \
	$(DMA_POOL_SRCS) kernel/lib/format.c kernel/pci.c kernel/pci_assign.c kernel/arch/x86_64/pci_cfg.c usb/hcd.c \
	usb/uhci/uhci.c usb/uhci/uhci_xfer.c usb/uhci/uhci_sched.c usb/uhci/uhci_debug.c
# fake_hcd.c's fault plan reaches the allocators through --wrap.
test_uhci_driver_CFLAGS := -Itests/unit/seams -Iusb/uhci \
	-Wl,--wrap=kmalloc,--wrap=kzalloc,--wrap=dma_pool_create,--wrap=dma_pool_alloc
