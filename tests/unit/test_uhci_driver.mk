UNIT_TESTS += test_uhci_driver
test_uhci_driver_SRCS := tests/unit/test_uhci_driver.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_uhci_dma.c \
	tests/unit/seams/fake_uhci_io.c tests/unit/seams/fake_uhci_env.c tests/unit/seams/fake_kmalloc.c \
	kernel/lib/format.c kernel/pci.c \
	usb/uhci/uhci.c usb/uhci/uhci_xfer.c usb/uhci/uhci_sched.c usb/uhci/uhci_debug.c
test_uhci_driver_CFLAGS := -Itests/unit/seams -Iusb/uhci
