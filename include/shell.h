/*
 * Shell command registration. Each subsystem declares its commands next to
 * its code with SHELL_COMMAND(); the linker gathers them into the
 * "shell_cmds" section, so no central table needs editing.
 * A command returns 0 on success or a non-zero status after printing a clear
 * error message.
 */
#ifndef TERN_SHELL_H
#define TERN_SHELL_H

#include "types.h"

struct shell_cmd {
	const char *name;
	const char *usage; /* e.g. "memtest [ops] [seed]" */
	const char *help;  /* one line */
	int (*fn)(int argc, char **argv);
};

#define SHELL_COMMAND(ident, name_, usage_, help_, fn_)                    \
	static const struct shell_cmd shell_cmd_##ident                   \
		__attribute__((used, section("shell_cmds"), aligned(8))) = \
		{ (name_), (usage_), (help_), (fn_) }

/* Runs one command line (as typed); returns its status. */
int shell_exec(const char *line);
/* The interactive loop on the console; never returns. */
__noreturn void shell_run(void);
/* Registers shell_input_char() as the console's input receiver; main calls
 * it before input interrupts are enabled. */
void shell_init(void);
/* Queues a typed key for the shell (the console calls it for every input
 * device; tests call it directly). Safe from IRQ context. */
void shell_input_char(char c);
/* Non-blocking: next pending input char or -1. Used by commands such as
 * `input` that stop on a key. */
int shell_poll_char(void);

/* Runs the `autorun="cmd; cmd"` commands of a kernel command line one by
 * one, each echoed after a prompt as if typed. shell_run() does this first. */
void shell_autorun(const char *cmdline);
/* True while autorun commands run: a failing `ktest` then ends QEMU with
 * a failure code so unattended test boots report it. */
bool shell_in_autorun(void);

#endif
