/*
 * The kernel shell (include/shell.h): an input ring filled from interrupt
 * handlers, the line editor, a tokenizer and dispatch through the
 * "shell_cmds" linker section, the kernel command line's autorun list, and
 * the built-in commands. While it waits for a key the shell is the idle
 * loop: it runs due work items and sleeps until the next interrupt. Kernel
 * messages that arrive meanwhile (USB hot-plug...) start a line of their
 * own, and a half-typed line is repeated below them.
 */
#include "arch.h"
#include "bootinfo.h"
#include "console.h"
#include "kstring.h"
#include "ktime.h"
#include "lineedit.h"
#include "printk.h"
#include "shell.h"
#include "spinlock.h"
#include "work.h"

#define PROMPT "tern> "
#define SHELL_LINE_MAX 512
#define SHELL_ARGS_MAX 16
#define INPUT_RING_SIZE 1024 /* typed ahead while a command runs; more is dropped */
#define QEMU_EXIT_SUCCESS 0x10

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

static spinlock_t input_lock = SPINLOCK_INIT("shell-input");
static char input_ring[INPUT_RING_SIZE];
static unsigned input_head, input_tail; /* free-running write/read counts */
static unsigned input_dropped;           /* not yet reported */
static bool in_autorun;

void shell_input_char(char c)
{
	unsigned long flags = spin_lock_irqsave(&input_lock);

	if (input_head - input_tail < INPUT_RING_SIZE)
		input_ring[input_head++ % INPUT_RING_SIZE] = c;
	else
		input_dropped++;
	spin_unlock_irqrestore(&input_lock, flags);
}

int shell_poll_char(void)
{
	unsigned long flags = spin_lock_irqsave(&input_lock);
	int c = -1;

	if (input_tail != input_head)
		c = (unsigned char)input_ring[input_tail++ % INPUT_RING_SIZE];
	spin_unlock_irqrestore(&input_lock, flags);
	return c;
}

void shell_init(void)
{
	console_set_input(shell_input_char);
}

bool shell_in_autorun(void)
{
	return in_autorun;
}

/* --- parsing and dispatch ------------------------------------------------ */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits buf in place into words: blanks separate them; double or single
 * quotes group blanks into a word and are removed (`a"b c"` is one word,
 * `ab c`; inside "...", a ' is an ordinary character and vice versa).
 * Single quotes let autorun="echo 'a b'" quote inside a quoted value.
 * Returns the word count, or -1 after printing why. */
static int tokenize(char *buf, char **argv, int max_args)
{
	char *r = buf, *w = buf;
	int argc = 0;

	for (;;) {
		while (is_blank(*r))
			r++;
		if (!*r)
			return argc;
		if (argc == max_args) {
			kprintf("shell: too many words (at most %d)\n", max_args);
			return -1;
		}
		argv[argc++] = w;
		char quote = 0;
		for (; *r && (quote || !is_blank(*r)); r++) {
			if (!quote && (*r == '"' || *r == '\''))
				quote = *r;
			else if (*r == quote)
				quote = 0;
			else
				*w++ = *r;
		}
		if (quote) {
			kprintf("shell: unterminated %c in argument %d\n", quote, argc - 1);
			return -1;
		}
		bool at_end = !*r;
		*w++ = '\0'; /* w <= r, so this never overwrites unread input */
		if (at_end)
			return argc;
		r++;
	}
}

static const struct shell_cmd *find_command(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static bool name_before(const struct shell_cmd *a, const struct shell_cmd *b)
{
	int d = strcmp(a->name, b->name);
	return d < 0 || (d == 0 && a < b);
}

/* The command that sorts right after prev (NULL: the first one). */
static const struct shell_cmd *next_in_order(const struct shell_cmd *prev)
{
	const struct shell_cmd *best = NULL;

	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if ((!prev || name_before(prev, c)) && (!best || name_before(c, best)))
			best = c;
	return best;
}

/* Tab completion's view of the commands, in name order. */
static const char *command_name(void *ctx, unsigned index)
{
	const struct shell_cmd *c = next_in_order(NULL);

	while (c && index--)
		c = next_in_order(c);
	return c ? c->name : NULL;
}

int shell_exec(const char *line)
{
	char buf[SHELL_LINE_MAX];
	char *argv[SHELL_ARGS_MAX + 1];
	size_t len = strlen(line);

	if (len >= sizeof(buf)) {
		kprintf("shell: line too long (%zu characters, at most %zu)\n", len, sizeof(buf) - 1);
		return 2;
	}
	memcpy(buf, line, len + 1);
	int argc = tokenize(buf, argv, SHELL_ARGS_MAX);
	if (argc <= 0)
		return argc < 0 ? 2 : 0;
	argv[argc] = NULL;

	const struct shell_cmd *cmd = find_command(argv[0]);
	if (!cmd) {
		kprintf("unknown command: %s (type 'help')\n", argv[0]);
		return 127;
	}
	return cmd->fn(argc, argv);
}

/* --- autorun and the interactive loop ----------------------------------- */

static char *trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

void shell_autorun(const char *cmdline)
{
	char list[BOOT_CMDLINE_MAX];

	if (!cmdline_get(cmdline, "autorun", list, sizeof(list)))
		return;
	in_autorun = true;
	for (char *next = list; next;) {
		char *cmd = next, *semi = strchr(next, ';');
		if (semi)
			*semi = '\0';
		next = semi ? semi + 1 : NULL;
		cmd = trim(cmd);
		if (!*cmd)
			continue;
		kprintf(PROMPT "%s\n", cmd); /* reads as if typed */
		shell_exec(cmd);
	}
	in_autorun = false;
}

static void echo_to_console(void *ctx, const char *s, size_t n)
{
	console_write(s, n);
}

static struct lineedit editor;
static spinlock_t prompt_lock = SPINLOCK_INIT("shell-prompt");
/* The line being typed (or the bare prompt) is the console's last line. */
static volatile bool prompt_on_screen;
/* A printk moved below the half-typed line; it must be shown again. */
static volatile bool line_clobbered;

/* printk's console hook (IRQs off): a message never lands inside what the
 * user is typing, it starts a new line, and what was typed is repeated
 * below it. The prompt itself is not repeated, so scripts that expect one
 * prompt per command stay in step even when messages arrive mid-line. */
static void move_below_prompt(void)
{
	if (!prompt_on_screen)
		return;
	console_write("\n", 1);
	prompt_on_screen = false;
	line_clobbered = editor.len > 0;
}

/* Under the lock, so an interrupt's printk cannot cut into the drawing. */
static void show_prompt(void)
{
	unsigned long flags = spin_lock_irqsave(&prompt_lock);

	kprintf(PROMPT);
	lineedit_redraw(&editor); /* empty unless Tab listed choices */
	prompt_on_screen = true;
	line_clobbered = false;
	spin_unlock_irqrestore(&prompt_lock, flags);
}

static void show_typed_line(void)
{
	unsigned long flags = spin_lock_irqsave(&prompt_lock);

	lineedit_redraw(&editor);
	prompt_on_screen = true;
	line_clobbered = false;
	spin_unlock_irqrestore(&prompt_lock, flags);
}

static enum lineedit_result feed_key(char c)
{
	unsigned long flags = spin_lock_irqsave(&prompt_lock);
	enum lineedit_result r = lineedit_feed(&editor, c);

	/* While editing, the echoed line is on screen; after Enter or Ctrl-C
	 * a command's output or a new prompt follows. */
	prompt_on_screen = r == LINEEDIT_PENDING;
	spin_unlock_irqrestore(&prompt_lock, flags);
	return r;
}

/* Reported from the loop, not from the IRQ that dropped the keys. */
static void report_dropped_input(void)
{
	unsigned long flags = spin_lock_irqsave(&input_lock);
	unsigned dropped = input_dropped;

	input_dropped = 0;
	spin_unlock_irqrestore(&input_lock, flags);
	if (dropped)
		pr_warn("shell: input buffer full, %u typed characters were dropped\n", dropped);
}

__noreturn void shell_run(void)
{
	shell_autorun(boot_info.cmdline);
	lineedit_init(&editor, echo_to_console, NULL);
	lineedit_set_completion(&editor, command_name, NULL);
	printk_set_console_hook(move_below_prompt);
	show_prompt();
	for (;;) {
		int c = shell_poll_char();
		report_dropped_input();
		if (line_clobbered)
			show_typed_line();
		if (c < 0) {
			/* Interrupts (1 kHz timer, UART) end the idle, so a key
			 * or new work is seen within a millisecond. */
			work_run_pending();
			arch_idle();
			continue;
		}
		enum lineedit_result r = feed_key((char)c);
		if (r == LINEEDIT_DONE)
			shell_exec(lineedit_line(&editor));
		if (r != LINEEDIT_PENDING)
			show_prompt();
	}
}

/* --- built-in commands --------------------------------------------------- */

static int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		kprintf("usage: help [command]\n");
		return 2;
	}
	if (argc == 2) {
		const struct shell_cmd *c = find_command(argv[1]);
		if (!c) {
			kprintf("help: no command '%s'\n", argv[1]);
			return 1;
		}
		kprintf("usage: %s\n  %s\n", c->usage, c->help);
		return 0;
	}
	int width = 0;
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		width = MAX(width, (int)strlen(c->usage));
	for (const struct shell_cmd *c = next_in_order(NULL); c; c = next_in_order(c))
		kprintf("  %-*s  %s\n", width, c->usage, c->help);
	return 0;
}

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
	kprintf("\n");
	return 0;
}

static bool no_arguments(int argc, char **argv)
{
	if (argc == 1)
		return true;
	kprintf("usage: %s (takes no arguments)\n", argv[0]);
	return false;
}

static int cmd_uptime(int argc, char **argv)
{
	if (!no_arguments(argc, argv))
		return 2;
	uint64_t ns = ktime_ns();
	kprintf("up %llu.%06llu s\n", (unsigned long long)(ns / NSEC_PER_SEC),
		(unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_USEC));
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	if (!no_arguments(argc, argv))
		return 2;
	kprintf("Powering off\n");
	qemu_exit(QEMU_EXIT_SUCCESS);
}

static int cmd_reboot(int argc, char **argv)
{
	if (!no_arguments(argc, argv))
		return 2;
	kprintf("Rebooting\n");
	arch_reboot();
}

SHELL_COMMAND(help, "help", "help [command]", "list commands, or explain one", cmd_help);
SHELL_COMMAND(echo, "echo", "echo [text...]", "print the arguments", cmd_echo);
SHELL_COMMAND(uptime, "uptime", "uptime", "time since boot, in seconds", cmd_uptime);
SHELL_COMMAND(poweroff, "poweroff", "poweroff", "leave QEMU (isa-debug-exit, success)",
	      cmd_poweroff);
SHELL_COMMAND(reboot, "reboot", "reboot", "reset the machine", cmd_reboot);
