UNIT_TESTS += test_string_scan
test_string_scan_SRCS := tests/unit/test_string_scan.c tests/unit/harness.c \
	kernel/lib/string_scan.c
# The kernel's copies get kern_ names so libc's stay the reference.
test_string_scan_CFLAGS := -fno-builtin -Dmemchr=kern_memchr -Dstrnlen=kern_strnlen \
	-Dstrrchr=kern_strrchr -Dstrtoul=kern_strtoul
