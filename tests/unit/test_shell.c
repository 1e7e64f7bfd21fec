/*
 * The shell (kernel/shell.c) and the ktest runner (kernel/ktest.c):
 * tokenizing and dispatch through the linker section (with commands
 * registered here), errors for bad lines, the built-ins, the IRQ input
 * ring, autorun, `ktest` listing/running/failing (and exiting QEMU when a
 * failure happens under autorun), and shell_run's loop end to end with keys
 * arriving while it idles.
 */
#include <string.h>

#include "bootinfo.h"
#include "console.h"
#include "harness.h"
#include "ktest.h"
#include "printk.h"
#include "seams/fake_console.h"
#include "seams/seams.h"
#include "shell.h"
#include "work.h"

/* --- commands and tests registered by this file ---------------------------- */

static int seen_argc;
static char seen_argv[20][64];
static bool seen_in_autorun;
static int args_calls;

static int cmd_args(int argc, char **argv)
{
	seen_argc = argc;
	for (int i = 0; i < argc && i < 20; i++)
		snprintf(seen_argv[i], sizeof(seen_argv[i]), "%s", argv[i]);
	CHECK(argv[argc] == NULL);
	seen_in_autorun = shell_in_autorun();
	args_calls++;
	return 0;
}
SHELL_COMMAND(test_args, "args", "args [words...]", "record the arguments", cmd_args);

static int cmd_status(int argc, char **argv) { return argc == 2 ? atoi(argv[1]) : 0; }
SHELL_COMMAND(test_status, "status", "status N", "return N", cmd_status);

static bool make_ktest_fail;
KTEST(shell_test_passes) { return NULL; }
KTEST(shell_test_may_fail)
{
	KT_ASSERT(!make_ktest_fail);
	return NULL;
}

/* --- helpers ----------------------------------------------------------- */

static void reset(void)
{
	seam_now_ns = 0;
	/* what the bootinfo_describes_this_machine ktest expects of a PC */
	boot_info.mmap[0] = (struct mem_range){ 0x100000, 64 << 20, MEM_USABLE };
	boot_info.mmap_count = 1;
	boot_info.reserved[0] = (struct mem_range){ 0x10000, 0x400, MEM_RESERVED };
	boot_info.reserved_count = 1;
	fake_console_clear();
	seen_argc = 0;
	args_calls = 0;
	make_ktest_fail = false;
	while (shell_poll_char() >= 0)
		;
}

static const char *out(void) { return fake_console_output(); }

/* Runs fn with machine stops (qemu_exit, reboot) caught; returns how it stopped. */
static enum fake_stop run_catching_stop(void (*fn)(void))
{
	jmp_buf jb;
	fake_stop_reason = FAKE_RUNNING;
	fake_exit_code = -1;
	fake_stop_jmp = &jb;
	if (setjmp(jb) == 0)
		fn();
	fake_stop_jmp = NULL;
	return fake_stop_reason;
}

/* --- tokenizer and dispatch --------------------------------------------- */

TEST(tokenizes_blanks_and_quotes)
{
	reset();
	CHECK_EQ(shell_exec("  args\ta  \"b  c\" d\"e f\"g \"\"  "), 0);
	CHECK_EQ(seen_argc, 5);
	CHECK(strcmp(seen_argv[0], "args") == 0);
	CHECK(strcmp(seen_argv[1], "a") == 0);
	CHECK(strcmp(seen_argv[2], "b  c") == 0);
	CHECK(strcmp(seen_argv[3], "de fg") == 0);
	CHECK(strcmp(seen_argv[4], "") == 0);
	CHECK(!seen_in_autorun);
	CHECK_EQ(shell_exec("args 'x \"y' \"it's\" ''"), 0);
	CHECK_EQ(seen_argc, 4);
	CHECK(strcmp(seen_argv[1], "x \"y") == 0);
	CHECK(strcmp(seen_argv[2], "it's") == 0);
	CHECK(strcmp(seen_argv[3], "") == 0);
}

TEST(bad_lines_get_clear_errors_and_run_nothing)
{
	reset();
	CHECK_EQ(shell_exec("args \"open"), 2);
	CHECK(strstr(out(), "unterminated \" in argument 1"));
	CHECK_EQ(shell_exec("args a 'open\""), 2);
	CHECK(strstr(out(), "unterminated ' in argument 2"));
	CHECK_EQ(args_calls, 0);

	CHECK_EQ(shell_exec("args 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"), 0);
	CHECK_EQ(seen_argc, 16);
	CHECK_EQ(shell_exec("args 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), 2);
	CHECK(strstr(out(), "too many words"));
	CHECK_EQ(args_calls, 1);

	char longline[600];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	CHECK_EQ(shell_exec(longline), 2);
	CHECK(strstr(out(), "line too long"));
}

TEST(empty_lines_do_nothing)
{
	reset();
	CHECK_EQ(shell_exec(""), 0);
	CHECK_EQ(shell_exec(" \t "), 0);
	CHECK(strcmp(out(), "") == 0);
}

TEST(unknown_command_is_127_with_hint)
{
	reset();
	CHECK_EQ(shell_exec("frobnicate now"), 127);
	CHECK(strcmp(out(), "unknown command: frobnicate (type 'help')\n") == 0);
	CHECK_EQ(shell_exec("\"\""), 127); /* an empty command name */
}

TEST(command_status_is_returned)
{
	reset();
	CHECK_EQ(shell_exec("status 5"), 5);
	CHECK_EQ(shell_exec("status"), 0);
}

/* --- built-ins ------------------------------------------------------------ */

TEST(help_lists_sorted_and_explains_one)
{
	reset();
	CHECK_EQ(shell_exec("help"), 0);
	const char *names[] = { "  args ", "  bootinfo", "  echo ", "  help ", "  ktest ",
				"  poweroff", "  reboot", "  status ", "  uptime" };
	const char *prev = out();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *at = strstr(out(), names[i]);
		if (!at || at < prev)
			fprintf(stderr, "  '%s' missing or out of order in:\n%s", names[i], out());
		CHECK(at && at >= prev);
		prev = at ? at : prev;
	}
	/* The help texts form one column. */
	const char *status_line = strstr(out(), "  status N ");
	const char *args_line = strstr(out(), "  args [words...] ");
	CHECK(status_line && args_line);
	if (status_line && args_line)
		CHECK_EQ(strstr(status_line, "return N\n") - status_line,
			 strstr(args_line, "record the arguments\n") - args_line);
	reset();
	CHECK_EQ(shell_exec("help echo"), 0);
	CHECK(strcmp(out(), "usage: echo [text...]\n  print the arguments\n") == 0);
	CHECK_EQ(shell_exec("help nope"), 1);
	CHECK(strstr(out(), "help: no command 'nope'"));
	CHECK_EQ(shell_exec("help a b"), 2);
}

TEST(echo_and_uptime)
{
	reset();
	CHECK_EQ(shell_exec("echo  hello   \"big  world\""), 0);
	CHECK(strcmp(out(), "hello big  world\n") == 0);
	reset();
	CHECK_EQ(shell_exec("echo"), 0);
	CHECK(strcmp(out(), "\n") == 0);
	reset();
	seam_now_ns = 12345678901ull;
	CHECK_EQ(shell_exec("uptime"), 0);
	CHECK(strcmp(out(), "up 12.345678 s\n") == 0);
	CHECK_EQ(shell_exec("uptime now"), 2);
	CHECK(strstr(out(), "usage: uptime"));
}

static void do_poweroff(void) { shell_exec("poweroff"); }
static void do_reboot(void) { shell_exec("reboot"); }

TEST(poweroff_and_reboot)
{
	reset();
	CHECK_EQ(run_catching_stop(do_poweroff), FAKE_EXITED);
	CHECK_EQ(fake_exit_code, 0x10);
	CHECK(strstr(out(), "Powering off\n"));
	CHECK_EQ(run_catching_stop(do_reboot), FAKE_REBOOTED);
	CHECK_EQ(shell_exec("poweroff please"), 2); /* refused, did not exit */
}

/* --- input ring ------------------------------------------------------------ */

TEST(input_ring_keeps_order_up_to_its_size)
{
	reset();
	CHECK_EQ(shell_poll_char(), -1);
	shell_input_char('a');
	shell_input_char((char)0xe9);
	CHECK_EQ(shell_poll_char(), 'a');
	CHECK_EQ(shell_poll_char(), 0xe9);
	CHECK_EQ(shell_poll_char(), -1);
	for (int i = 0; i < 1024; i++)
		shell_input_char((char)('0' + i % 10));
	int n = 0;
	for (int c; (c = shell_poll_char()) >= 0; n++)
		CHECK_EQ(c, '0' + n % 10);
	CHECK_EQ(n, 1024);
}

TEST(console_input_reaches_the_shell_after_init)
{
	reset();
	shell_init();
	console_input('q');
	CHECK_EQ(shell_poll_char(), 'q');
	CHECK_EQ(shell_poll_char(), -1);
}

/* --- autorun ----------------------------------------------------------------- */

TEST(autorun_echoes_and_runs_each_command)
{
	reset();
	shell_autorun("quiet autorun=\"echo hi  there; args x 'y z';; ;status 3\" loglevel=7");
	CHECK(strcmp(out(), "tern> echo hi  there\nhi there\ntern> args x 'y z'\n"
			    "tern> status 3\n") == 0);
	CHECK_EQ(seen_argc, 3);
	CHECK(strcmp(seen_argv[2], "y z") == 0);
	CHECK(seen_in_autorun);
	CHECK(!shell_in_autorun());
	reset();
	shell_autorun("quiet");
	CHECK(strcmp(out(), "") == 0);
}

/* --- ktest ----------------------------------------------------------------- */

TEST(ktest_lists_runs_and_reports)
{
	reset();
	CHECK_EQ(shell_exec("ktest"), 0);
	CHECK(strstr(out(), "5 tests"));
	CHECK(strstr(out(), "  shell_test_may_fail\n"));
	CHECK(strstr(out(), "  work_runs_in_due_order\n"));

	reset();
	CHECK_EQ(shell_exec("ktest all"), 0);
	CHECK(strstr(out(), "ktest shell_test_passes ... ok\n"));
	CHECK(strstr(out(), "ktest: 5 passed, 0 failed\n"));

	reset();
	make_ktest_fail = true;
	CHECK_EQ(shell_exec("ktest shell_test_may_fail shell_test_passes"), 1);
	CHECK(strstr(out(), "ktest shell_test_may_fail ... FAIL: tests/unit/test_shell.c:"));
	CHECK(strstr(out(), ": !make_ktest_fail\n"));
	CHECK(strstr(out(), "ktest: 1 passed, 1 failed\n"));
}

TEST(ktest_unknown_name_runs_nothing)
{
	reset();
	CHECK_EQ(shell_exec("ktest shell_test_passes nosuch"), 2);
	CHECK(strstr(out(), "ktest: no test named 'nosuch'"));
	CHECK(!strstr(out(), "... ok"));
}

static void autorun_failing_ktest(void) { shell_autorun("autorun=\"ktest all; echo after\""); }
static void autorun_passing_ktest(void) { shell_autorun("autorun=\"ktest all; echo after\""); }

TEST(ktest_failure_under_autorun_exits_qemu_with_failure)
{
	reset();
	make_ktest_fail = true;
	CHECK_EQ(run_catching_stop(autorun_failing_ktest), FAKE_EXITED);
	CHECK_EQ(fake_exit_code, 0x11);
	CHECK(strstr(out(), "ktest: 4 passed, 1 failed\n"));
	CHECK(!strstr(out(), "after"));

	reset();
	CHECK_EQ(run_catching_stop(autorun_passing_ktest), FAKE_RUNNING);
	CHECK(strstr(out(), "tern> echo after\nafter\n"));
}

/* --- the interactive loop ------------------------------------------------- */

static const char *typed_keys;
static struct work idle_work;
static bool idle_work_ran;
static void note_idle_work(struct work *w) { idle_work_ran = true; }

/* Each idle period, the "UART" delivers a few more keys. */
static void deliver_keys(void)
{
	for (int i = 0; i < 3 && *typed_keys; i++)
		shell_input_char(*typed_keys++);
	seam_now_ns += 1000000;
}

static void run_shell(void) { shell_run(); }

/* The console output must be exactly want; on a mismatch it is printed. */
static void check_transcript(const char *want)
{
	if (strcmp(out(), want) != 0)
		fprintf(stderr, "  transcript:\n%s\n", out());
	CHECK(strcmp(out(), want) == 0);
}

TEST(shell_run_autoruns_then_edits_and_runs_typed_lines)
{
	reset();
	snprintf(boot_info.cmdline, sizeof(boot_info.cmdline), "autorun=\"echo boot\"");
	typed_keys = "echo hi\r\nechp\x7fo  x\rnope\r\x03poweroff\r";
	work_init(&idle_work, note_idle_work);
	work_schedule(&idle_work, 5000000);
	fake_idle_hook = deliver_keys;
	fake_idle_calls = 0;

	CHECK_EQ(run_catching_stop(run_shell), FAKE_EXITED);
	fake_idle_hook = NULL;
	CHECK_EQ(fake_exit_code, 0x10);
	CHECK(idle_work_ran);
	CHECK(fake_idle_calls > 5);
	const char *want = "tern> echo boot\nboot\n"
			   "tern> echo hi\r\nhi\n"
			   "tern> echp\x1b[D\x1b[Ko  x\r\nx\n"
			   "tern> nope\r\nunknown command: nope (type 'help')\n"
			   "tern> ^C\r\n"
			   "tern> poweroff\r\nPowering off\n";
	check_transcript(want);
	boot_info.cmdline[0] = 0;
}

TEST(shell_run_reports_dropped_input)
{
	reset();
	for (int i = 0; i < 1030; i++)
		shell_input_char(i < 1024 ? '\x7f' : 'x'); /* the x's do not fit */
	typed_keys = "\x03poweroff\r";
	fake_idle_hook = deliver_keys;
	CHECK_EQ(run_catching_stop(run_shell), FAKE_EXITED);
	fake_idle_hook = NULL;
	/* At a bare prompt: the message starts a new line, no second prompt. */
	CHECK(strstr(out(), "tern> \n[    0.0") != NULL);
	CHECK(strstr(out(), "] shell: input buffer full, 6 typed characters were dropped\n^C"));
	CHECK(strstr(out(), "tern> poweroff\r\nPowering off\n"));
	CHECK(!strstr(out(), "x"));
}

/* A message at the bare prompt, typing "ech", another message (as from an
 * interrupt or a work item), then the rest of the line. */
static void type_around_messages(void)
{
	static const char *const steps[] = { NULL, "ech", NULL, "o hi\r", "poweroff\r" };
	static unsigned step;

	if (step >= sizeof(steps) / sizeof(steps[0]))
		return;
	if (!steps[step])
		pr_info("usb: device attached\n");
	else
		for (const char *k = steps[step]; *k; k++)
			shell_input_char(*k);
	step++;
}

TEST(printk_while_typing_gets_its_own_line_and_the_line_comes_back)
{
	reset();
	fake_idle_hook = type_around_messages; /* the clock stands still */
	CHECK_EQ(run_catching_stop(run_shell), FAKE_EXITED);
	fake_idle_hook = NULL;
	/* One prompt per command, whatever arrives in between. */
	const char *want = "tern> \n[    0.000000] usb: device attached\n"
			   "ech\n[    0.000000] usb: device attached\n"
			   "ech" "o hi\r\nhi\n"
			   "tern> poweroff\r\nPowering off\n";
	check_transcript(want);
}

TEST(tab_completes_command_names_in_the_shell)
{
	reset();
	typed_keys = "ec\thi\r\tpowerof\t\r";
	fake_idle_hook = deliver_keys;
	CHECK_EQ(run_catching_stop(run_shell), FAKE_EXITED);
	fake_idle_hook = NULL;
	const char *want = "tern> echo hi\r\nhi\n"
			   "tern> \r\nargs  bootinfo  dmesg  echo  help  ktest  loglevel  poweroff  "
			   "reboot  status  uptime  \r\n"
			   "tern> poweroff \r\nPowering off\n";
	check_transcript(want);
}
