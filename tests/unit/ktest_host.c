/*
 * Host runner for linked KTEST()s; see ktest_host.h.
 */
#include <stdio.h>

#include "ktest.h"
#include "ktest_host.h"

/* Weak: a binary that links no KTEST has no section, and runs none. */
extern const struct ktest __start_ktests[] __attribute__((weak));
extern const struct ktest __stop_ktests[] __attribute__((weak));

int run_linked_ktests(int *failed)
{
	int ran = 0;

	*failed = 0;
	for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++, ran++) {
		const char *why = t->fn();
		if (why) {
			fprintf(stderr, "  ktest %s: %s\n", t->name, why);
			++*failed;
		}
	}
	return ran;
}
