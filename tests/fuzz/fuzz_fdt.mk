FUZZERS += fuzz_fdt
# The arm64 device-tree module with the host's libfdt (a static archive,
# found through clang as the unit test finds it through gcc).
fuzz_fdt_SRCS := tests/fuzz/fuzz_fdt.c kernel/bootinfo.c $(wildcard kernel/arch/arm64/fdt_*.c) \
	tests/unit/seams/kernel_seams.c $(shell $(FUZZCC) -print-file-name=libfdt.a)
fuzz_fdt_CFLAGS := -Ikernel/arch/arm64
