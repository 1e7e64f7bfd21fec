/*
 * Kernel logging (include/printk.h). printk() stamps each line with the
 * time since boot, keeps it in a 16 KiB ring (shown by `dmesg`) and writes
 * it to the console if its level passes the console level. kprintf() is raw
 * console output for the shell. panic() stops the machine after saying why;
 * it takes no locks, since it may be called because a lock was misused.
 */
#include "arch.h"
#include "bootinfo.h"
#include "console.h"
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"
#include "spinlock.h"
#include "symbols.h"

#define LOG_RING_SIZE (16 * 1024)
#define PRINTK_MSG_MAX 512
#define QEMU_EXIT_FAILURE 0x11

static spinlock_t log_lock = SPINLOCK_INIT("printk");
static char log_ring[LOG_RING_SIZE];
static uint64_t log_head; /* bytes ever logged; the ring holds the last LOG_RING_SIZE */
static int console_level = LOG_INFO;
static bool panic_exits_qemu;
static void (*console_hook)(void);

static void ring_append(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_ring[(log_head + i) % LOG_RING_SIZE] = s[i];
	log_head += n;
}

/* Emits one line: prefix, text, newline, to the ring and maybe the console. */
static void emit_line(bool to_console, const char *prefix, size_t prefix_len, const char *text,
		      size_t len)
{
	ring_append(prefix, prefix_len);
	ring_append(text, len);
	ring_append("\n", 1);
	if (to_console) {
		console_write(prefix, prefix_len);
		console_write(text, len);
		console_write("\n", 1);
	}
}

static size_t line_length(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != '\n')
		i++;
	return i;
}

static size_t format_timestamp(char *buf, size_t size)
{
	uint64_t ns = ktime_ns();

	return (size_t)ksnprintf(buf, size, "[%5llu.%06llu] ",
				 (unsigned long long)(ns / NSEC_PER_SEC),
				 (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_USEC));
}

void printk(int level, const char *fmt, ...)
{
	char msg[PRINTK_MSG_MAX], stamp[32];
	va_list ap;

	va_start(ap, fmt);
	size_t len = (size_t)kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len >= sizeof(msg)) {
		len = sizeof(msg) - 1;
		memcpy(msg + len - 4, "...\n", 4); /* say it was cut */
	}
	size_t stamp_len = format_timestamp(stamp, sizeof(stamp));

	unsigned long flags = spin_lock_irqsave(&log_lock);
	bool to_console = level <= console_level;
	if (to_console && console_hook)
		console_hook();
	/* Every line of a multi-line message gets the stamp; a missing final
	 * newline is added so messages never run into each other. */
	for (size_t start = 0; start < len;) {
		size_t line_len = line_length(msg + start, len - start);
		emit_line(to_console, stamp, stamp_len, msg + start, line_len);
		start += line_len + 1;
	}
	spin_unlock_irqrestore(&log_lock, flags);
}

/* --- raw console output ------------------------------------------------- */

struct console_chunk {
	char buf[128];
	size_t len;
};

static void chunk_flush(struct console_chunk *c)
{
	console_write(c->buf, c->len);
	c->len = 0;
}

static void chunk_emit(void *ctx, const char *s, size_t n)
{
	struct console_chunk *c = ctx;

	while (n) {
		size_t k = MIN(n, sizeof(c->buf) - c->len);
		memcpy(c->buf + c->len, s, k);
		c->len += k;
		s += k;
		n -= k;
		if (c->len == sizeof(c->buf))
			chunk_flush(c);
	}
}

/* No lock: shell output may be long, and holding interrupts off while it
 * drains through the UART would stall timers. At worst a printk from an
 * IRQ lands between two chunks of a shell line. */
void kvprintf(const char *fmt, va_list ap)
{
	struct console_chunk c = { .len = 0 };

	kvformat(chunk_emit, &c, fmt, ap);
	chunk_flush(&c);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* --- panic -------------------------------------------------------------- */

__noreturn void panic(const char *fmt, ...)
{
	static bool in_panic;
	char msg[PRINTK_MSG_MAX], where[96];
	va_list ap;

	arch_irq_save();
	if (in_panic) {
		static const char nested[] = "\nKERNEL PANIC while panicking; halting\n";
		console_write(nested, sizeof(nested) - 1);
		arch_halt();
	}
	in_panic = true;
	va_start(ap, fmt);
	int n = kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksym_format((uintptr_t)__builtin_return_address(0), where, sizeof(where));

	char line[PRINTK_MSG_MAX + 128];
	int len = ksnprintf(line, sizeof(line), "\nKERNEL PANIC: %s%s\n  (panic called from %s)\n",
			    msg, n >= (int)sizeof(msg) ? "..." : "", where);
	len = MIN(len, (int)sizeof(line) - 1);
	ring_append(line, (size_t)len); /* for a debugger looking at log_ring */
	console_write(line, (size_t)len);
	in_panic = false; /* only the steps above can recurse */
	if (panic_exits_qemu)
		qemu_exit(QEMU_EXIT_FAILURE);
	arch_halt();
}

/* --- configuration ------------------------------------------------------ */

int printk_get_loglevel(void)
{
	return console_level;
}

void printk_set_loglevel(int level)
{
	console_level = level < 0 ? 0 : level > LOG_DEBUG ? LOG_DEBUG : level;
}

void printk_set_console_hook(void (*before_output)(void))
{
	unsigned long flags = spin_lock_irqsave(&log_lock);
	console_hook = before_output;
	spin_unlock_irqrestore(&log_lock, flags);
}

void printk_configure(const char *cmdline)
{
	char value[16];
	uint64_t level;

	if (cmdline_has(cmdline, "quiet"))
		printk_set_loglevel(LOG_WARN);
	if (cmdline_get(cmdline, "loglevel", value, sizeof(value))) {
		if (kstrtou64(value, &level) && level <= LOG_DEBUG)
			printk_set_loglevel((int)level);
		else
			pr_warn("printk: ignoring loglevel=%s (want 0..%d)\n", value, LOG_DEBUG);
	}
	panic_exits_qemu = cmdline_has(cmdline, "panic=exit");
}

/* --- shell commands ----------------------------------------------------- */

/* Copies ring bytes [pos, pos + len) out under the lock; returns how many
 * were still there (older bytes may have been overwritten meanwhile), and
 * moves *pos past any lost bytes. */
static size_t ring_read(uint64_t *pos, char *buf, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&log_lock);

	if (log_head - *pos > LOG_RING_SIZE)
		*pos = log_head - LOG_RING_SIZE;
	len = MIN(len, log_head - *pos);
	for (size_t i = 0; i < len; i++)
		buf[i] = log_ring[(*pos + i) % LOG_RING_SIZE];
	spin_unlock_irqrestore(&log_lock, flags);
	return len;
}

static int cmd_dmesg(int argc, char **argv)
{
	if (argc != 1) {
		kprintf("usage: dmesg\n");
		return 2;
	}
	unsigned long flags = spin_lock_irqsave(&log_lock);
	uint64_t end = log_head;
	uint64_t pos = end > LOG_RING_SIZE ? end - LOG_RING_SIZE : 0;
	spin_unlock_irqrestore(&log_lock, flags);

	bool skip_partial_line = pos > 0; /* the oldest line was cut by the wrap */
	char chunk[128];
	while (pos < end) {
		size_t n = ring_read(&pos, chunk, MIN(sizeof(chunk), end - pos));
		size_t skip = 0;
		if (skip_partial_line) {
			skip = line_length(chunk, n);
			skip_partial_line = skip == n;
			skip += skip < n; /* and the newline itself */
		}
		console_write(chunk + skip, n - skip);
		pos += n;
	}
	return 0;
}

static int cmd_loglevel(int argc, char **argv)
{
	uint64_t level;

	if (argc == 1) {
		kprintf("console loglevel %d (3 err, 4 warn, 6 info, 7 debug)\n", console_level);
		return 0;
	}
	if (argc != 2 || !kstrtou64(argv[1], &level) || level > LOG_DEBUG) {
		kprintf("usage: loglevel [0-7]\n");
		return 2;
	}
	printk_set_loglevel((int)level);
	return 0;
}

SHELL_COMMAND(dmesg, "dmesg", "dmesg", "print the kernel log (last 16 KiB)", cmd_dmesg);
SHELL_COMMAND(loglevel, "loglevel", "loglevel [0-7]",
	      "show or set which printk levels reach the console", cmd_loglevel);
