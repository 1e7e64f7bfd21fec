/*
 * In-kernel self-tests. KTEST(name) defines a test function that returns
 * NULL on success or a static reason string on failure; tests live next to
 * the code they test and are gathered by the linker in the "ktests" section.
 * `ktest all` in the shell runs them all and prints `N passed, N failed`.
 */
#ifndef TERN_KTEST_H
#define TERN_KTEST_H

#include "types.h"

struct ktest {
	const char *name;
	const char *(*fn)(void);
};

#define KTEST(name_)                                                       \
	static const char *ktest_fn_##name_(void);                          \
	static const struct ktest ktest_##name_                             \
		__attribute__((used, section("ktests"), aligned(8))) =       \
		{ #name_, ktest_fn_##name_ };                                \
	static const char *ktest_fn_##name_(void)

/* Fails the current test with a reason naming the expression and line. */
#define KT_ASSERT(cond)                                                    \
	do {                                                                \
		if (!(cond))                                                \
			return __FILE__ ":" KT_STR(__LINE__) ": " #cond;   \
	} while (0)
#define KT_STR(x) KT_STR2(x)
#define KT_STR2(x) #x

#endif
