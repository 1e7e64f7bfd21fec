UNIT_TESTS += test_pmm
test_pmm_SRCS := tests/unit/test_pmm.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_mm.c kernel/lib/spinlock.c mm/pmm.c
