FUZZERS += fuzz_vrange
fuzz_vrange_CFLAGS := -Imm
fuzz_vrange_SRCS := tests/fuzz/fuzz_vrange.c tests/unit/test_vrange_ref.c \
	tests/unit/seams/kernel_seams.c kernel/lib/format.c mm/vrange.c
