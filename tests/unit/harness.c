/*
 * Runner for tests/unit/harness.h: runs the registered tests in order of
 * registration, or only those named on the command line.
 */
#include <string.h>

#include "harness.h"

static struct unit_test *head, **tail = &head;
static int current_failed;

void harness_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

void harness_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, expr);
	current_failed = 1;
}

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	for (struct unit_test *t = head; t; t = t->next) {
		if (!selected(t->name, argc, argv))
			continue;
		current_failed = 0;
		t->fn();
		printf("%s %s.%s\n", current_failed ? "FAIL" : "ok  ", prog, t->name);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed ? 1 : 0;
}
