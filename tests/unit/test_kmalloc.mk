UNIT_TESTS += test_kmalloc
test_kmalloc_SRCS := tests/unit/test_kmalloc.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_mm.c kernel/lib/spinlock.c mm/pmm.c mm/kmalloc.c
