/*
 * kernel/lib/string_scan.c (memchr, strnlen, strrchr, strtoul: what
 * libfdt needs from a C library) against libc on random inputs, plus the
 * strtoul corner cases libc's answer fixes: prefixes, signs, overflow and
 * where *end points. The .mk renames the kernel's copies to kern_*.
 */
#undef memchr
#undef strnlen
#undef strrchr
#undef strtoul
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rand.h"

void *kern_memchr(const void *s, int c, size_t n);
size_t kern_strnlen(const char *s, size_t max);
char *kern_strrchr(const char *s, int c);
unsigned long kern_strtoul(const char *s, char **end, int base);

#define ROUNDS 20000

static uint64_t rng_state = 4242;
static unsigned rnd(unsigned n)
{
	return (unsigned)(rand_next(&rng_state) % n);
}

TEST(memchr_strnlen_strrchr_match_libc)
{
	char a[48];
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < sizeof(a); i++)
			a[i] = (char)(rnd(4) == 0 ? 0xe9 : 'a' + rnd(4));
		a[rnd(sizeof(a))] = 0;
		a[sizeof(a) - 1] = 0;
		size_t n = rnd(sizeof(a) + 1);
		int c = rnd(5) == 0 ? 0xe9 : (int)('a' + rnd(5));
		CHECK(kern_memchr(a, c, n) == memchr(a, c, n));
		CHECK(kern_memchr(a, 0, n) == memchr(a, 0, n));
		CHECK_EQ(kern_strnlen(a, n), strnlen(a, n));
		CHECK(kern_strrchr(a, c) == strrchr(a, c));
		CHECK(kern_strrchr(a, 0) == strrchr(a, 0));
	}
}

static void check_strtoul(const char *s, int base)
{
	char *kend = NULL, *lend = NULL;
	unsigned long k = kern_strtoul(s, &kend, base), l = strtoul(s, &lend, base);
	if (k != l || kend != lend)
		fprintf(stderr, "  strtoul(\"%s\", %d): %lu end +%td, libc %lu end +%td\n", s,
			base, k, kend - s, l, lend - s);
	CHECK(k == l);
	CHECK(kend == lend);
}

TEST(strtoul_corner_cases_match_libc)
{
	static const char *const inputs[] = {
		"0", "42", "  \t+17x", "-1", "0x1f", "0X1F", "0x", "0xg", "017", "08", "",
		"   ", "-", "+", "z", "18446744073709551615", "18446744073709551616",
		"99999999999999999999999", "-18446744073709551615", "0xffffffffffffffff",
		"0x10000000000000000", "1e3", " -0x10",
	};
	static const int bases[] = { 0, 8, 10, 16, 2, 36 };
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			check_strtoul(inputs[i], bases[b]);
	char *end = NULL;
	CHECK_EQ(kern_strtoul("12", &end, 1), 0); /* invalid base */
	CHECK(end != NULL && *end == '1');
	CHECK_EQ(kern_strtoul("12", NULL, 10), 12);
}

TEST(strtoul_random_strings_match_libc)
{
	static const char alphabet[] = " +-0123456789abcdefxXzZ";
	char s[24];
	for (int r = 0; r < ROUNDS; r++) {
		size_t len = rnd(sizeof(s));
		for (size_t i = 0; i < len; i++)
			s[i] = alphabet[rnd(sizeof(alphabet) - 1)];
		s[len] = 0;
		static const int bases[] = { 0, 10, 16, 8, 36 };
		check_strtoul(s, bases[rnd(5)]);
	}
}
