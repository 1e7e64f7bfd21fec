FUZZERS += fuzz_usb_desc
fuzz_usb_desc_SRCS := tests/fuzz/fuzz_usb_desc.c usb/descriptors.c \
	tests/unit/seams/fake_usb.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c tests/unit/seams/kernel_seams.c
fuzz_usb_desc_CFLAGS := -Itests/unit/seams
