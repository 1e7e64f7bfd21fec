FUZZERS += fuzz_storage_reply
fuzz_storage_reply_SRCS := tests/fuzz/fuzz_storage_reply.c usb/class/storage_proto.c \
	kernel/blk_sense.c kernel/lib/format.c tests/unit/seams/kernel_seams.c
fuzz_storage_reply_CFLAGS := -Iusb/class -Itests/unit/seams
