/*
 * The kernel's mem* and str* functions (include/kstring.h). The compiler
 * emits calls to memcpy/memset/memmove/memcmp for struct copies and
 * initialisers, so these must exist and must never call themselves: GCC can
 * recognise a byte loop as "a memcpy" and replace it with a call to memcpy,
 * which here would recurse forever. The attribute below switches that
 * transformation off for each function. memcpy and memset, the two that
 * bulk copies and clears spend their time in, are the architecture's
 * (kernel/arch/<arch>/memcpy.c).
 */
#include "kstring.h"

#define NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL_LOOPS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	/* Copy backwards when dst starts inside src so no byte is
	 * overwritten before it has been read. */
	if ((uintptr_t)d - (uintptr_t)s < n) {
		while (n--)
			d[n] = s[n];
	} else {
		while (n--)
			*d++ = *s++;
	}
	return dst;
}

NO_LIBCALL_LOOPS int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

NO_LIBCALL_LOOPS size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++)
		if (*x != *y || !*x)
			return *x - *y;
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
