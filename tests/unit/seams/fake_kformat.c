/*
 * ksnprintf/kvsnprintf for host tests that format text, backed by libc:
 * the subset the kernel supports is a subset of C's printf.
 */
#include <stdio.h>

#include "kstring.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
