/*
 * The in-kernel test runner (include/ktest.h): the `ktest` shell command
 * lists, runs all, or runs named tests from the "ktests" linker section.
 * Each test prints one line, "ktest NAME ... ok" or "... FAIL: reason",
 * after it finished (so its own log output never splits that line), and a
 * run ends with "ktest: N passed, N failed". When the run came from the
 * command line's autorun, a failure ends QEMU with a failure exit code so
 * unattended test boots cannot miss it.
 */
#include "arch.h"
#include "kstring.h"
#include "ktest.h"
#include "printk.h"
#include "shell.h"

#define QEMU_EXIT_FAILURE 0x11

extern const struct ktest __start_ktests[], __stop_ktests[];

struct tally {
	int passed, failed;
};

static void run_test(const struct ktest *t, struct tally *tally)
{
	pr_debug("ktest: running %s\n", t->name); /* in dmesg if it hangs */
	const char *why = t->fn();
	if (why) {
		kprintf("ktest %s ... FAIL: %s\n", t->name, why);
		tally->failed++;
	} else {
		kprintf("ktest %s ... ok\n", t->name);
		tally->passed++;
	}
}

static const struct ktest *find_test(const char *name)
{
	for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int list_tests(void)
{
	kprintf("%d tests (run with 'ktest all' or 'ktest NAME...'):\n",
		(int)(__stop_ktests - __start_ktests));
	for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++)
		kprintf("  %s\n", t->name);
	return 0;
}

/* Checks every name first, so a typo runs nothing instead of half a run. */
static bool names_exist(int argc, char **argv)
{
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		if (!find_test(argv[i])) {
			kprintf("ktest: no test named '%s' (type 'ktest' for the list)\n", argv[i]);
			ok = false;
		}
	}
	return ok;
}

static int run_tests(int argc, char **argv)
{
	struct tally tally = { 0, 0 };

	if (argc == 2 && strcmp(argv[1], "all") == 0) {
		for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++)
			run_test(t, &tally);
	} else {
		if (!names_exist(argc, argv))
			return 2;
		for (int i = 1; i < argc; i++)
			run_test(find_test(argv[i]), &tally);
	}
	kprintf("ktest: %d passed, %d failed\n", tally.passed, tally.failed);
	return tally.failed ? 1 : 0;
}

static int cmd_ktest(int argc, char **argv)
{
	if (argc == 1)
		return list_tests();
	int status = run_tests(argc, argv);
	if (status && shell_in_autorun()) {
		kprintf("ktest: failed during autorun; exiting QEMU with failure\n");
		qemu_exit(QEMU_EXIT_FAILURE);
	}
	return status;
}

SHELL_COMMAND(ktest, "ktest", "ktest [all | NAME...]",
	      "list the in-kernel tests, or run all or some of them", cmd_ktest);
