UNIT_TESTS += test_bootinfo
test_bootinfo_SRCS := tests/unit/test_bootinfo.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c kernel/bootinfo.c kernel/arch/x86_64/multiboot.c kernel/lib/format.c
