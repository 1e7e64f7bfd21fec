FUZZERS += fuzz_kmalloc
fuzz_kmalloc_SRCS := tests/fuzz/fuzz_kmalloc.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_mm.c kernel/lib/spinlock.c mm/pmm.c mm/kmalloc.c
