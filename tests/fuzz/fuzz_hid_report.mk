FUZZERS += fuzz_hid_report
fuzz_hid_report_SRCS := tests/fuzz/fuzz_hid_report.c usb/class/hid_report.c \
	tests/unit/seams/fake_usb.c tests/unit/seams/fake_kmalloc.c kernel/lib/format.c tests/unit/seams/kernel_seams.c
fuzz_hid_report_CFLAGS := -Itests/unit/seams
