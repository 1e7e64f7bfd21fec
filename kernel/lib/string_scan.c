/*
 * The C library calls libfdt makes beyond kernel/lib/string.c: memchr,
 * strnlen, strrchr and strtoul (include/kstring.h). Plain byte loops in
 * portable C: libfdt runs them over a few kilobytes of device tree at boot,
 * so speed does not matter here; strtoul follows ISO C (leading blanks, a
 * sign, base 0 or 2..36, a 0x prefix, ULONG_MAX on overflow) because
 * libfdt's callers rely on *end to see where the number stopped.
 */
#include "kstring.h"

#define NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL_LOOPS void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

NO_LIBCALL_LOOPS size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99; /* above every base */
}

static bool is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Skips a 0x/0X prefix for base 16 or 0 (which it turns into 16), or
 * picks base 8 for a leading 0 when base is 0; only when a hex digit
 * follows the x, as in "0x" alone the 0 is the number. */
static const char *parse_prefix(const char *p, int *base)
{
	bool hex_prefix = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16;

	if ((*base == 0 || *base == 16) && hex_prefix) {
		*base = 16;
		return p + 2;
	}
	if (*base == 0)
		*base = p[0] == '0' ? 8 : 10;
	return p;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	bool negative = false, overflow = false, any = false;
	unsigned long value = 0;

	if (base < 0 || base == 1 || base > 36) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (is_blank(*p))
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	p = parse_prefix(p, &base);
	for (int d; (d = digit_value(*p)) < base; p++, any = true) {
		if (value > (~0ul - (unsigned long)d) / (unsigned long)base)
			overflow = true;
		value = value * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	if (overflow)
		return ~0ul;
	return negative ? -value : value;
}
