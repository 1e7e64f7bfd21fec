UNIT_TESTS += test_storage_proto
test_storage_proto_SRCS := tests/unit/test_storage_proto.c usb/class/storage_proto.c \
	kernel/blk_sense.c kernel/lib/format.c tests/unit/harness.c tests/unit/seams/kernel_seams.c
test_storage_proto_CFLAGS := -Iusb/class -Itests/unit/seams
