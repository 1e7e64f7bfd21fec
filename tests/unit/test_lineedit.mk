UNIT_TESTS += test_lineedit
test_lineedit_SRCS := tests/unit/test_lineedit.c tests/unit/harness.c \
	kernel/lineedit.c kernel/lib/format.c
