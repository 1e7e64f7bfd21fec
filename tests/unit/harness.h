/*
 * A tiny host unit-test harness. TEST(name) registers a test through a
 * constructor; CHECK() records a failure and keeps going; main() runs every
 * test and ends with "<binary>: N passed, N failed", which
 * scripts/run-tests.sh adds up. A test counts as failed if any CHECK in it
 * failed.
 */
#ifndef TERN_TEST_HARNESS_H
#define TERN_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void harness_register(struct unit_test *t);
void harness_fail(const char *file, int line, const char *expr);

#define TEST(name_)                                                      \
	static void test_##name_(void);                                   \
	static struct unit_test unit_##name_ = { #name_, test_##name_, 0 }; \
	__attribute__((constructor)) static void reg_##name_(void)        \
	{                                                                 \
		harness_register(&unit_##name_);                          \
	}                                                                 \
	static void test_##name_(void)

#define CHECK(cond)                                              \
	do {                                                     \
		if (!(cond))                                     \
			harness_fail(__FILE__, __LINE__, #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long ca_ = (long long)(a), cb_ = (long long)(b);        \
		if (ca_ != cb_) {                                            \
			fprintf(stderr, "  %s = %lld, %s = %lld\n", #a, ca_, \
				#b, cb_);                                    \
			harness_fail(__FILE__, __LINE__, #a " == " #b);      \
		}                                                            \
	} while (0)

#endif
