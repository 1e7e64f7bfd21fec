UNIT_TESTS += test_usb_desc
test_usb_desc_SRCS := tests/unit/test_usb_desc.c usb/descriptors.c tests/unit/harness.c \
	tests/unit/seams/fake_usb.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c tests/unit/seams/kernel_seams.c
test_usb_desc_CFLAGS := -Itests/unit/seams
