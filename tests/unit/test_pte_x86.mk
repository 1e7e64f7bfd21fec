UNIT_TESTS += test_pte_x86
test_pte_x86_SRCS := tests/unit/test_pte_x86.c tests/unit/pte_laws.c tests/unit/harness.c \
	kernel/arch/x86_64/pte.c
