/*
 * Host fakes for the kernel's non-memory seams: console output (printk,
 * kprintf, panic), time (ktime_ns, delays), interrupt flags, symbol
 * lookup and the architecture's part of `bootinfo` (nothing). Linked into
 * every unit test, fuzzer and host benchmark that builds kernel C files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "ktime.h"
#include "printk.h"
#include "seams.h"
#include "spinlock.h"
#include "symbols.h"

static char log_buf[1 << 16];
static size_t log_len;
bool seam_log_echo;
uint64_t seam_now_ns;
jmp_buf *seam_panic_jmp;

const char *seam_log(void) { return log_buf; }

void seam_log_clear(void)
{
	log_len = 0;
	log_buf[0] = 0;
}

bool seam_log_contains(const char *needle) { return strstr(log_buf, needle) != NULL; }

void kvprintf(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	if (seam_log_echo)
		vfprintf(stderr, fmt, copy);
	va_end(copy);
	if (log_len >= sizeof(log_buf) - 1)
		log_len = 0; /* keep the newest output, tests look at recent lines */
	int n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_buf) - log_len ? (size_t)n
								  : sizeof(log_buf) - log_len - 1;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (seam_panic_jmp)
		longjmp(*seam_panic_jmp, 1);
	abort();
}

uint64_t ktime_ns(void) { return seam_now_ns; }
uint64_t rdtsc_now(void) { return seam_now_ns; }
uint64_t tsc_khz(void) { return 1000000; }
void udelay(uint64_t us) { seam_now_ns += us * NSEC_PER_USEC; }
void mdelay(uint64_t ms) { seam_now_ns += ms * NSEC_PER_MSEC; }
void cpu_relax(void) { seam_now_ns += 100; }

static int irq_disabled;
unsigned long arch_irq_save(void)
{
	unsigned long was = (unsigned long)irq_disabled;
	irq_disabled = 1;
	return was;
}
void arch_irq_restore(unsigned long flags) { irq_disabled = (int)flags; }

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	*offset = 0;
	return NULL;
}

void ksym_format(uintptr_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "0x%lx", (unsigned long)addr);
}

void arch_boot_info_print(void) {}
