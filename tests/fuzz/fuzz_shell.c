/*
 * libFuzzer harness for the shell's command-line handling
 * (kernel/shell.c): arbitrary lines go through shell_exec() (tokenizer,
 * dispatch, the built-ins' argument checks) and arbitrary command lines
 * through shell_autorun(). A command registered here checks that every
 * argument vector it receives is well formed. Commands that stop the
 * machine (poweroff, reboot) return here through the fake's longjmp.
 */
#include <stdlib.h>
#include <string.h>

#include "seams/fake_console.h"
#include "seams/seams.h"
#include "shell.h"

static void check(bool cond)
{
	if (!cond)
		abort();
}

static int cmd_argcheck(int argc, char **argv)
{
	check(argc >= 1 && argc <= 16 && argv[argc] == NULL);
	for (int i = 0; i < argc; i++)
		check(strlen(argv[i]) < 512);
	return 0;
}
SHELL_COMMAND(fuzz_argcheck, "a", "a [args...]", "check the argument vector", cmd_argcheck);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 3);
	jmp_buf jb;

	/* Mostly aim at the checking command; sometimes at whatever is named. */
	size_t skip = size && data[0] == '!' ? 1 : 0;
	memcpy(line, skip ? "" : "a ", skip ? 0 : 2);
	memcpy(line + (skip ? 0 : 2), data + skip, size - skip);
	line[(skip ? 0 : 2) + size - skip] = '\0';

	fake_stop_jmp = &jb;
	if (setjmp(jb) == 0) {
		shell_exec(line);
		shell_autorun(line);
	}
	fake_stop_jmp = NULL;
	fake_console_clear();
	free(line);
	return 0;
}
