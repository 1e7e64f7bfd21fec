# The same string tests over arm64's memcpy/memset (plain C word loops).
UNIT_TESTS += test_string_arm64
test_string_arm64_SRCS := tests/unit/test_string.c tests/unit/harness.c kernel/lib/string.c \
	kernel/arch/arm64/memcpy.c
test_string_arm64_CFLAGS := $(test_string_CFLAGS)
