UNIT_TESTS += test_fdt_env
test_fdt_env_SRCS := tests/unit/test_fdt_env.c tests/unit/harness.c
# Only the kernel's libfdt_env.h, not Debian's: no libfdt.h here.
test_fdt_env_CFLAGS := -Ikernel/arch/arm64/libfdt
