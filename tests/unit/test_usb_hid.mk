UNIT_TESTS += test_usb_hid
test_usb_hid_SRCS := tests/unit/test_usb_hid.c usb/class/hid_report.c tests/unit/harness.c \
	tests/unit/seams/fake_usb.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c tests/unit/seams/kernel_seams.c
test_usb_hid_CFLAGS := -Itests/unit/seams
