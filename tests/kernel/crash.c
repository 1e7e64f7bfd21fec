/*
 * `crash`: a test-only shell command that raises a CPU exception on purpose
 * so the fault reports can be seen and tested. Every variant is fatal: the
 * report is printed and the kernel panics (see docs/architecture.md).
 */
#include "arch.h"
#include "crash.h"
#include "kstring.h"
#include "layout.h"
#include "printk.h"
#include "shell.h"

#define UNMAPPED_KERNEL_ADDR 0xffffffffdead0000ull

static void crash_page_fault(void)
{
	*(volatile uint64_t *)UNMAPPED_KERNEL_ADDR = 1;
}

static void crash_general_protection(void)
{
	(void)*(volatile uint64_t *)0x8000000000000000ull; /* non-canonical */
}

/* A frame of its own, so the backtrace names crash.c: the arch function
 * is a leaf without one. */
__attribute__((noinline)) static void crash_invalid_opcode(void)
{
	arch_undefined_instruction();
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

static void crash_text_write(void)
{
	*(volatile uint8_t *)_text_start = 0xcc;
}

/* Far deeper than any stack; volatile so the compiler keeps the recursion. */
static volatile int recursion_limit = 1 << 30;

/* The array keeps each frame large and the call non-tail so the compiler
 * cannot turn the recursion into a loop. */
int crash_stack_overflow(int depth)
{
	volatile char frame[512];

	if (depth > recursion_limit)
		return 0;
	frame[0] = (char)depth;
	return crash_stack_overflow(depth + 1) + frame[0];
}

static int cmd_crash(int argc, char **argv)
{
	if (argc != 2) {
		kprintf("usage: crash pf|ud|gp|wp|df\n");
		return 1;
	}
	kprintf("crash: raising '%s' on purpose; the kernel will stop\n", argv[1]);
	if (strcmp(argv[1], "pf") == 0)
		crash_page_fault();
	else if (strcmp(argv[1], "ud") == 0)
		crash_invalid_opcode();
	else if (strcmp(argv[1], "gp") == 0)
		crash_general_protection();
	else if (strcmp(argv[1], "wp") == 0)
		crash_text_write();
	else if (strcmp(argv[1], "df") == 0)
		crash_stack_overflow(0);
	else {
		kprintf("crash: unknown kind '%s' (pf, ud, gp, wp or df)\n", argv[1]);
		return 1;
	}
	kprintf("crash: '%s' did not fault\n", argv[1]);
	return 1;
}

SHELL_COMMAND(crash, "crash", "crash pf|ud|gp|wp|df",
	      "test only: raise a CPU exception (page fault, invalid opcode, "
	      "#GP, text write, stack overflow)", cmd_crash);
