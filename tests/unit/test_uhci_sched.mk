UNIT_TESTS += test_uhci_sched
test_uhci_sched_SRCS := tests/unit/test_uhci_sched.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_uhci_dma.c \
	tests/unit/seams/fake_uhci_io.c tests/unit/seams/fake_kmalloc.c \
	usb/uhci/uhci_sched.c
test_uhci_sched_CFLAGS := -Itests/unit/seams -Iusb/uhci
