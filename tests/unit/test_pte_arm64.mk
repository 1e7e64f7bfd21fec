UNIT_TESTS += test_pte_arm64
test_pte_arm64_SRCS := tests/unit/test_pte_arm64.c tests/unit/pte_laws.c tests/unit/harness.c \
	kernel/arch/arm64/pte.c
