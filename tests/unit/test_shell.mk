UNIT_TESTS += test_shell
test_shell_SRCS := tests/unit/test_shell.c tests/unit/harness.c \
	tests/unit/seams/fake_lib_seams.c tests/unit/seams/fake_console.c kernel/console.c \
	kernel/shell.c kernel/printk.c kernel/ktest.c kernel/lineedit.c kernel/work.c \
	kernel/bootinfo.c kernel/lib/format.c kernel/lib/spinlock.c \
	tests/kernel/work_ktests.c tests/kernel/bootinfo_ktests.c
