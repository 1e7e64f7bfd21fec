/*
 * kernel/printk.c: timestamps, console level and its command-line
 * options, multi-line and over-long messages, the dmesg ring across
 * wrap-around, raw kprintf, and panic (halt, or QEMU exit with panic=exit,
 * and the lock-misuse panics it must survive).
 */
#include <string.h>

#include "harness.h"
#include "ktime.h"
#include "printk.h"
#include "seams/fake_console.h"
#include "seams/seams.h"
#include "shell.h"
#include "spinlock.h"

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

static bool irqs_disabled(void)
{
	unsigned long was = arch_irq_save();
	arch_irq_restore(was);
	return was;
}

static int run_cmd(const char *name, int argc, char **argv)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c->fn(argc, argv);
	CHECK(!"command not registered");
	return -1;
}

static void reset(void)
{
	printk_configure("");
	printk_set_loglevel(LOG_INFO);
	fake_console_clear();
	seam_now_ns = 0;
}

TEST(prefixes_lines_with_timestamp)
{
	reset();
	seam_now_ns = 1234567891;
	pr_info("hello %d\n", 42);
	CHECK(strcmp(fake_console_output(), "[    1.234567] hello 42\n") == 0);
	fake_console_clear();
	seam_now_ns = 100000ull * NSEC_PER_SEC + 5000;
	pr_err("late");
	CHECK(strcmp(fake_console_output(), "[100000.000005] late\n") == 0);
	CHECK(!irqs_disabled());
}

TEST(multi_line_messages_get_a_stamp_per_line)
{
	reset();
	pr_info("one\ntwo\n\nfour\n");
	CHECK(strcmp(fake_console_output(), "[    0.000000] one\n[    0.000000] two\n"
					    "[    0.000000] \n[    0.000000] four\n") == 0);
}

TEST(over_long_message_is_cut_visibly)
{
	char big[1000];
	reset();
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	pr_info("%s tail\n", big);
	CHECK(fake_console_contains("aaa...\n"));
	CHECK(!fake_console_contains("tail"));
	CHECK(fake_console_len() < 600);
}

TEST(console_level_filters_but_dmesg_keeps_everything)
{
	reset();
	pr_debug("debug-msg\n");
	pr_info("info-msg\n");
	CHECK(!fake_console_contains("debug-msg"));
	CHECK(fake_console_contains("info-msg"));
	fake_console_clear();
	char *argv[] = { "dmesg" };
	CHECK_EQ(run_cmd("dmesg", 1, argv), 0);
	CHECK(fake_console_contains("] debug-msg\n"));
}

TEST(configure_quiet_loglevel_and_bad_values)
{
	reset();
	printk_configure("root=x quiet");
	CHECK_EQ(printk_get_loglevel(), LOG_WARN);
	pr_info("hidden\n");
	pr_warn("shown\n");
	CHECK(!fake_console_contains("hidden") && fake_console_contains("shown"));

	printk_configure("quiet loglevel=7");
	CHECK_EQ(printk_get_loglevel(), LOG_DEBUG);

	printk_set_loglevel(LOG_INFO);
	fake_console_clear();
	printk_configure("loglevel=9");
	CHECK_EQ(printk_get_loglevel(), LOG_INFO);
	CHECK(fake_console_contains("ignoring loglevel=9"));
	printk_configure("loglevel=x1");
	CHECK_EQ(printk_get_loglevel(), LOG_INFO);
	printk_configure("loglevel=\"3\"");
	CHECK_EQ(printk_get_loglevel(), LOG_ERR);
}

TEST(dmesg_after_wrap_starts_at_a_line_and_ends_with_newest)
{
	reset();
	for (int i = 0; i < 1000; i++)
		printk(LOG_DEBUG, "line %04d padding padding padding\n", i);
	fake_console_clear();
	char *argv[] = { "dmesg" };
	CHECK_EQ(run_cmd("dmesg", 1, argv), 0);
	const char *out = fake_console_output();
	size_t len = fake_console_len();
	CHECK(len <= 16 * 1024 && len > 15 * 1024);
	CHECK(strncmp(out, "[    0.000000] line ", 20) == 0);
	CHECK(strstr(out, "line 0999 padding padding padding\n") == out + len - 34);
	CHECK(!strstr(out, "line 0000"));
}

TEST(dmesg_and_loglevel_commands_check_arguments)
{
	reset();
	char *bad[] = { "dmesg", "-c" };
	CHECK_EQ(run_cmd("dmesg", 2, bad), 2);
	CHECK(fake_console_contains("usage: dmesg"));
	char *set[] = { "loglevel", "3" };
	CHECK_EQ(run_cmd("loglevel", 2, set), 0);
	CHECK_EQ(printk_get_loglevel(), 3);
	char *wrong[] = { "loglevel", "8" };
	CHECK_EQ(run_cmd("loglevel", 2, wrong), 2);
	CHECK_EQ(printk_get_loglevel(), 3);
	char *show[] = { "loglevel" };
	fake_console_clear();
	CHECK_EQ(run_cmd("loglevel", 1, show), 0);
	CHECK(fake_console_contains("console loglevel 3"));
}

TEST(kprintf_is_raw_and_not_truncated)
{
	char big[700];
	reset();
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	kprintf("%s|%d\n", big, -7);
	CHECK_EQ(fake_console_len(), 699 + 4);
	CHECK(strcmp(fake_console_output() + 699, "|-7\n") == 0);
}

static void expect_panic(enum fake_stop want, int want_code, const char *needle,
			 void (*trigger)(void))
{
	jmp_buf jb;
	fake_console_clear();
	fake_stop_reason = FAKE_RUNNING;
	fake_stop_jmp = &jb;
	if (setjmp(jb) == 0)
		trigger();
	fake_stop_jmp = NULL;
	CHECK_EQ(fake_stop_reason, want);
	if (want == FAKE_EXITED)
		CHECK_EQ(fake_exit_code, want_code);
	if (!fake_console_contains(needle))
		fprintf(stderr, "  console: %s\n", fake_console_output());
	CHECK(fake_console_contains(needle));
	arch_irq_restore(0); /* panic left interrupts off */
}

static void panic_boom(void) { panic("boom %d", 42); }

static spinlock_t test_lock = SPINLOCK_INIT("test-lock");
static void lock_twice(void)
{
	spin_lock_irqsave(&test_lock);
	spin_lock_irqsave(&test_lock);
}

TEST(panic_halts_by_default_and_exits_with_panic_exit)
{
	reset();
	expect_panic(FAKE_HALTED, 0, "\nKERNEL PANIC: boom 42\n  (panic called from 0x",
		     panic_boom);
	printk_configure("panic=exit");
	expect_panic(FAKE_EXITED, 0x11, "KERNEL PANIC: boom 42", panic_boom);
	printk_configure("panic=halt");
	expect_panic(FAKE_HALTED, 0, "KERNEL PANIC: boom 42", panic_boom);
}

TEST(recursive_lock_panic_names_the_lock)
{
	reset();
	expect_panic(FAKE_HALTED, 0,
		     "KERNEL PANIC: spinlock 'test-lock' locked again while held", lock_twice);
	test_lock.held = 0;
}

TEST(panic_message_is_kept_in_the_log_ring)
{
	reset();
	expect_panic(FAKE_HALTED, 0, "KERNEL PANIC: boom 42", panic_boom);
	char *argv[] = { "dmesg" };
	fake_console_clear();
	run_cmd("dmesg", 1, argv);
	CHECK(fake_console_contains("KERNEL PANIC: boom 42"));
}

static unsigned hook_calls;
static void count_hook(void) { hook_calls++; }

TEST(console_hook_runs_before_console_output_only)
{
	reset();
	printk_set_console_hook(count_hook);
	pr_info("shown\n");
	CHECK_EQ(hook_calls, 1);
	pr_debug("not on the console\n");
	CHECK_EQ(hook_calls, 1);
	kprintf("raw output does not call it\n");
	CHECK_EQ(hook_calls, 1);
	printk_set_console_hook(NULL);
	pr_info("shown\n");
	CHECK_EQ(hook_calls, 1);
}
