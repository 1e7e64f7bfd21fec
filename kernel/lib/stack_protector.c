/*
 * What code built with -fstack-protector expects from its environment: a
 * guard word it copies into each protected frame and a function to call
 * when the copy was overwritten. Tern itself is built without the
 * protector; Debian's libfdt.a, linked into the arm64 kernel, is built with
 * it. The guard is a fixed value: it catches a frame overrun by a bug (the
 * bytes written rarely equal it), which is all a kernel without a source of
 * boot-time entropy can promise.
 */
#include "printk.h"

uintptr_t __stack_chk_guard = (uintptr_t)0x5afe7e57c0ffee00ull;

__noreturn void __stack_chk_fail(void);

__noreturn void __stack_chk_fail(void)
{
	panic("stack protector: a stack frame's guard word was overwritten");
}
