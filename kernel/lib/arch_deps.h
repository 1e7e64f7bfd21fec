/*
 * Stand-in declarations of the console and machine-control primitives the
 * lead's kernel/arch provides (to be declared in include/console.h and
 * include/arch.h). Identical redeclarations, so this file can be dropped as
 * soon as those headers land; host tests link tests/unit/seams/fake_console.c.
 */
#ifndef TERN_LIB_ARCH_DEPS_H
#define TERN_LIB_ARCH_DEPS_H

#include "types.h"

void console_write(const char *s, size_t n);
__noreturn void qemu_exit(int code);
__noreturn void arch_reboot(void);
__noreturn void arch_halt(void);
void arch_idle(void);

#endif
