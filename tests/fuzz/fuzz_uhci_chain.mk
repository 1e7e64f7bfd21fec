FUZZERS += fuzz_uhci_chain
fuzz_uhci_chain_SRCS := tests/fuzz/fuzz_uhci_chain.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_uhci_dma.c tests/unit/seams/fake_uhci_io.c tests/unit/seams/fake_kmalloc.c \
	usb/uhci/uhci_sched.c
fuzz_uhci_chain_CFLAGS := -Itests/unit/seams -Iusb/uhci
