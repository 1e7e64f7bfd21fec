FUZZERS += fuzz_pmm
fuzz_pmm_SRCS := tests/fuzz/fuzz_pmm.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_mm.c kernel/lib/spinlock.c mm/pmm.c
