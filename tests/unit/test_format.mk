UNIT_TESTS += test_format
test_format_SRCS := tests/unit/test_format.c tests/unit/harness.c tests/unit/ktest_host.c kernel/lib/format.c \
	tests/kernel/format_ktests.c
