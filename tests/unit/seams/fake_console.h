/*
 * Host fakes of serial_write, vga_write (include/console.h; tests link the
 * real kernel/console.c) and qemu_exit, arch_halt, arch_reboot, arch_idle
 * (include/arch.h) for the lib/shell tests: serial output is captured,
 * unchanged ("\n" stays "\n"), for inspection, and the
 * machine-stopping calls record what happened and longjmp back to the test.
 */
#ifndef TERN_FAKE_CONSOLE_H
#define TERN_FAKE_CONSOLE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

enum fake_stop { FAKE_RUNNING, FAKE_EXITED, FAKE_HALTED, FAKE_REBOOTED };

const char *fake_console_output(void);
size_t fake_console_len(void);
void fake_console_clear(void);
bool fake_console_contains(const char *needle);

/* Set by qemu_exit/arch_halt/arch_reboot; they longjmp to fake_stop_jmp
 * (and abort the test binary if it is NULL). */
extern enum fake_stop fake_stop_reason;
extern int fake_exit_code;
extern jmp_buf *fake_stop_jmp;

/* Called by arch_idle(); NULL means arch_idle() returns at once. */
extern void (*fake_idle_hook)(void);
extern unsigned fake_idle_calls;

#endif
