UNIT_TESTS += test_work
test_work_SRCS := tests/unit/test_work.c tests/unit/harness.c tests/unit/ktest_host.c \
	tests/unit/seams/kernel_seams.c kernel/work.c tests/kernel/work_ktests.c kernel/lib/spinlock.c
