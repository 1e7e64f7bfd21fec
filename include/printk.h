/*
 * Kernel logging. printk() prefixes each message with a timestamp and is
 * filtered by the loglevel= command-line option; kprintf() writes raw text to
 * the console (shell output). panic() prints and stops the machine.
 */
#ifndef TERN_PRINTK_H
#define TERN_PRINTK_H

#include <stdarg.h>
#include "types.h"

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

void printk(int level, const char *fmt, ...) __printf(2, 3);
void kprintf(const char *fmt, ...) __printf(1, 2);
void kvprintf(const char *fmt, va_list ap);
/* Applies loglevel=N and quiet from the kernel command line. */
void printk_configure(const char *cmdline);
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Applies `loglevel=N` (console shows levels <= N; default LOG_INFO),
 * `quiet` (= loglevel=4, unless loglevel= is given too) and `panic=exit`
 * (panic() ends QEMU with a failure code instead of halting) from the
 * kernel command line. */
void printk_configure(const char *cmdline);
/* Console level: messages with level <= this reach the console; all of
 * them are kept in the log ring that `dmesg` prints. */
int printk_get_loglevel(void);
void printk_set_loglevel(int level);

/* Registers a function printk() calls (IRQs off, log lock held) right
 * before it writes to the console; the shell uses it to take its prompt
 * line off the screen, so a message never lands inside a half-typed line.
 * It must only write to the console and set flags. NULL unregisters. */
void printk_set_console_hook(void (*before_output)(void));

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif
