/*
 * kvsnprintf/ksnprintf against glibc's snprintf on random conversions
 * from the supported subset (flags, widths, precisions, lengths, buffer
 * sizes down to 0), plus the cases where Tern defines its own output
 * (%p of NULL, unsupported conversions) and kstrtou64.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kstring.h"
#include "ktest_host.h"
#include "rand.h"

static uint64_t rng_state = 777;
static unsigned rnd(unsigned n)
{
	return (unsigned)(rand_next(&rng_state) % n);
}

static uint64_t rnd64(void)
{
	uint64_t v = ((uint64_t)rnd(1u << 16) << 48) ^ ((uint64_t)rnd(1u << 24) << 24) ^ rnd(1u << 24);
	switch (rnd(4)) { /* bias towards small numbers and edges */
	case 0: return v % 100;
	case 1: return (uint64_t)0 - (v % 3);
	default: return v >> rnd(64);
	}
}

/* Builds "%<flags><width><.prec><len><conv>" into fmt; returns the conv. */
static char random_spec(char *fmt, size_t size, int *len_out)
{
	static const char convs[] = "diuxXsc";
	static const char *const lens[] = { "", "l", "ll", "z" };
	char conv = convs[rnd(sizeof(convs) - 1)];
	int len = (conv == 's' || conv == 'c') ? 0 : (int)rnd(4);
	const char *flags[] = { "", "-", "0", "-0" };
	const char *flag = (conv == 's' || conv == 'c') ? flags[rnd(2)] : flags[rnd(4)];
	char width[8] = "", prec[8] = "";

	if (rnd(2))
		snprintf(width, sizeof(width), "%u", rnd(25));
	if (conv != 'c' && rnd(3) == 0)
		snprintf(prec, sizeof(prec), ".%u", rnd(12));
	snprintf(fmt, size, "<%%%s%s%s%s%c>", flag, width, prec, lens[len], conv);
	*len_out = len;
	return conv;
}

/* Formats with both implementations into a random-size buffer and
 * checks output, return value and that nothing was written past size. */
static void compare(const char *fmt, ...)
{
	char kbuf[128], lbuf[128];
	size_t size = rnd(4) == 0 ? rnd(12) : sizeof(kbuf);
	va_list ap, ap2;

	memset(kbuf, 'Z', sizeof(kbuf));
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int kn = kvsnprintf(kbuf, size, fmt, ap);
	int ln = vsnprintf(lbuf, size, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	CHECK_EQ(kn, ln);
	if (size && strcmp(kbuf, lbuf) != 0) {
		fprintf(stderr, "  fmt '%s' size %zu: got '%s' want '%s'\n", fmt, size, kbuf, lbuf);
		CHECK(!"output differs from libc");
	}
	if (size < sizeof(kbuf))
		CHECK(kbuf[size] == 'Z');
}


TEST(random_conversions_match_libc)
{
	static const char *const strings[] = { "", "a", "hello", "with space", "0123456789abcdef" };
	char fmt[32];

	for (int r = 0; r < 50000; r++) {
		int len;
		char conv = random_spec(fmt, sizeof(fmt), &len);
		uint64_t v = rnd64();
		if (conv == 's') {
			compare(fmt, strings[rnd(5)]);
		} else if (conv == 'c') {
			compare(fmt, 'A' + (int)rnd(26));
		} else if (len == 0) {
			compare(fmt, (unsigned)v);
		} else {
			compare(fmt, v); /* l, ll and z are all 64-bit here */
		}
	}
}

TEST(star_width_and_precision)
{
	const char *fmt = "[%*d|%-*s|%.*s|%*.*s]";
	for (int r = 0; r < 2000; r++) {
		int w = (int)rnd(30) - 15, p = (int)rnd(12) - 3;
		int v = (int)rnd64();
		compare(fmt, w, v, w, "ab", p, "precision", w, p, "xyz");
	}
}

TEST(pointer_and_literals)
{
	char buf[64];
	CHECK_EQ(ksnprintf(buf, sizeof(buf), "%p", (void *)0xffff800000001000ull), 18);
	CHECK(strcmp(buf, "0xffff800000001000") == 0);
	ksnprintf(buf, sizeof(buf), "%p|%s|%%|%5p", NULL, (char *)NULL, (void *)0x1f);
	CHECK(strcmp(buf, "0x0|(null)|%| 0x1f") == 0);
}

TEST(precision_reads_no_further_than_told)
{
	char *unterminated = malloc(3); /* ASan flags a read of byte 3 */
	char buf[16];
	memcpy(unterminated, "abc", 3);
	CHECK_EQ(ksnprintf(buf, sizeof(buf), "<%.*s>", 3, unterminated), 5);
	CHECK(strcmp(buf, "<abc>") == 0);
	CHECK_EQ(ksnprintf(buf, sizeof(buf), "<%.2s>", unterminated), 4);
	CHECK(strcmp(buf, "<ab>") == 0);
	free(unterminated);
}

TEST(unsupported_conversion_is_copied_verbatim)
{
	char buf[64];
	const char *fmt = "a%qb%5.2fc%"; /* not printf-checkable on purpose */
	CHECK_EQ(ksnprintf(buf, sizeof(buf), fmt, 1), 11);
	CHECK(strcmp(buf, "a%qb%5.2fc%") == 0);
}

TEST(zero_size_buffer_is_untouched)
{
	char c = 'Z';
	CHECK_EQ(ksnprintf(&c, 0, "%s", "abc"), 3);
	CHECK(c == 'Z');
	CHECK_EQ(ksnprintf(&c, 1, "%s", "abc"), 3);
	CHECK(c == 0);
}

static char streamed[256];
static size_t streamed_len, pieces;
static void collect(void *ctx, const char *s, size_t n)
{
	memcpy(streamed + streamed_len, s, n);
	streamed_len += n;
	pieces++;
}

static int format_stream(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvformat(collect, NULL, fmt, ap);
	va_end(ap);
	return n;
}

TEST(kvformat_streams_long_padding_in_pieces)
{
	CHECK_EQ(format_stream("%100s|%-50d|", "x", 5), 152);
	CHECK_EQ(streamed_len, 152);
	CHECK(pieces > 3);
	CHECK(streamed[99] == 'x' && streamed[100] == '|' && streamed[101] == '5');
}

TEST(kstrtou64_accepts_numbers_and_suffixes)
{
	uint64_t v = 0;
	CHECK(kstrtou64("0", &v) && v == 0);
	CHECK(kstrtou64("12345", &v) && v == 12345);
	CHECK(kstrtou64("0x1fF", &v) && v == 0x1ff);
	CHECK(kstrtou64("0XABC", &v) && v == 0xabc);
	CHECK(kstrtou64("4K", &v) && v == 4096);
	CHECK(kstrtou64("3m", &v) && v == 3 * 1024 * 1024);
	CHECK(kstrtou64("2G", &v) && v == 2ull << 30);
	CHECK(kstrtou64("0x10k", &v) && v == 16 * 1024);
	CHECK(kstrtou64("010", &v) && v == 10); /* no octal surprises */
	CHECK(kstrtou64("18446744073709551615", &v) && v == UINT64_MAX);
	CHECK(kstrtou64("0xffffffffffffffff", &v) && v == UINT64_MAX);
	CHECK(kstrtou64("17179869183G", &v) && v == 17179869183ull << 30);
}

TEST(kstrtou64_rejects_garbage_and_overflow)
{
	static const char *const bad[] = {
		"", "0x", "x1", "-1", "+1", " 1", "1 ", "12a", "1KK", "K", "0x1z", "0x1gK",
		"1.5", "18446744073709551616", "0x10000000000000000",
		"17179869184G", "99999999999999999999999", "4T",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 42;
		if (kstrtou64(bad[i], &v))
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
		CHECK(!kstrtou64(bad[i], &v));
		CHECK(v == 42); /* untouched on failure */
	}
}

TEST(format_ktest_passes)
{
	int failed;
	CHECK_EQ(run_linked_ktests(&failed), 1);
	CHECK_EQ(failed, 0);
}
