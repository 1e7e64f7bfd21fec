/*
 * Host fakes of the console devices and machine-control primitives that
 * kernel/arch provides in the kernel; see fake_console.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "arch.h"
#include "console.h"
#include "fake_console.h"

static char out_buf[1 << 17];
static size_t out_len;
enum fake_stop fake_stop_reason;
int fake_exit_code = -1;
jmp_buf *fake_stop_jmp;
void (*fake_idle_hook)(void);
unsigned fake_idle_calls;

const char *fake_console_output(void) { return out_buf; }
size_t fake_console_len(void) { return out_len; }

void fake_console_clear(void)
{
	out_len = 0;
	out_buf[0] = '\0';
}

bool fake_console_contains(const char *needle) { return strstr(out_buf, needle) != NULL; }

/* The real kernel/console.c fans output out to here. When full, the older
 * half is dropped: tests look at recent output, and a fuzzer may run
 * output-heavy commands (dmesg, help) any number of times. */
void arch_console_write(const char *s, size_t n)
{
	if (n > sizeof(out_buf) / 2)
		s += n - sizeof(out_buf) / 2, n = sizeof(out_buf) / 2;
	if (n > sizeof(out_buf) - 1 - out_len) {
		size_t keep = out_len / 2;
		memmove(out_buf, out_buf + out_len - keep, keep);
		out_len = keep;
	}
	memcpy(out_buf + out_len, s, n);
	out_len += n;
	out_buf[out_len] = '\0';
}

static __noreturn void stop(enum fake_stop why)
{
	fake_stop_reason = why;
	if (!fake_stop_jmp) {
		fprintf(stderr, "fake console: machine stopped (%d, code %#x) outside a test jmp\n",
			why, fake_exit_code);
		abort();
	}
	longjmp(*fake_stop_jmp, 1);
}

void qemu_exit(int code)
{
	fake_exit_code = code;
	stop(FAKE_EXITED);
}

void arch_halt(void) { stop(FAKE_HALTED); }
void arch_reboot(void) { stop(FAKE_REBOOTED); }

void arch_idle(void)
{
	fake_idle_calls++;
	if (fake_idle_hook)
		fake_idle_hook();
}
