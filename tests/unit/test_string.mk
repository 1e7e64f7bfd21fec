UNIT_TESTS += test_string
test_string_SRCS := tests/unit/test_string.c tests/unit/harness.c kernel/lib/string.c \
	kernel/arch/x86_64/memcpy.c
# The kernel's mem*/str* get kern_ names so they do not replace libc's,
# which the test uses as the reference.
test_string_CFLAGS := -fno-builtin -Dmemcpy=kern_memcpy -Dmemmove=kern_memmove \
	-Dmemset=kern_memset -Dmemcmp=kern_memcmp -Dstrlen=kern_strlen \
	-Dstrcmp=kern_strcmp -Dstrncmp=kern_strncmp -Dstrchr=kern_strchr
