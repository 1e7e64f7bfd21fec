UNIT_TESTS += test_usb_enum
USB_CORE_HOST_SRCS := usb/core.c usb/request.c usb/enum.c usb/roothub.c usb/hub.c usb/descriptors.c \
	tests/unit/usb_fake_hcd.c tests/unit/seams/fake_usb.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c tests/unit/seams/fake_usb_idle.c \
	tests/unit/seams/fake_usb_dma.c tests/unit/seams/fake_dma_source.c $(DMA_POOL_SRCS) \
	kernel/work.c kernel/lib/spinlock.c tests/unit/ktest_host.c \
	tests/unit/harness.c tests/unit/seams/kernel_seams.c
test_usb_enum_SRCS := tests/unit/test_usb_enum.c $(USB_CORE_HOST_SRCS)
test_usb_enum_CFLAGS := -Itests/unit/seams
