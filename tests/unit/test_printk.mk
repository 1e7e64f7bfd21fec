UNIT_TESTS += test_printk
# Links the real printk.c, so not kernel_seams.c (which fakes printk); the
# few remaining seams (clock, IRQ flag, symbols) are faked in the test.
test_printk_SRCS := tests/unit/test_printk.c tests/unit/harness.c \
	tests/unit/seams/fake_console.c kernel/printk.c kernel/lib/format.c \
	kernel/lib/spinlock.c kernel/bootinfo.c
