UNIT_TESTS += test_printk
# Links the real printk.c, so kernel_seams.c comes through fake_lib_seams.c
# with its printk fakes renamed away.
test_printk_SRCS := tests/unit/test_printk.c tests/unit/harness.c \
	tests/unit/seams/fake_console.c kernel/console.c tests/unit/seams/fake_lib_seams.c kernel/printk.c kernel/lib/format.c \
	kernel/lib/spinlock.c kernel/bootinfo.c
