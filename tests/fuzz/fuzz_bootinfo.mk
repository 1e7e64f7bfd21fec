FUZZERS += fuzz_bootinfo
fuzz_bootinfo_SRCS := tests/fuzz/fuzz_bootinfo.c kernel/arch/x86_64/multiboot.c kernel/bootinfo.c kernel/lib/format.c \
	tests/unit/seams/kernel_seams.c
