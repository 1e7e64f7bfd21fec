/*
 * String, memory and formatting helpers implemented in kernel/lib. The mem*
 * and str* names match libc so the compiler's implicit calls resolve in the
 * kernel; on the host the unit tests get libc's, except test_string which
 * renames the kernel's copies to test them.
 */
#ifndef TERN_KSTRING_H
#define TERN_KSTRING_H

#include <stdarg.h>
#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* kernel/lib/string_scan.c: what libfdt needs besides the above. */
void *memchr(const void *s, int c, size_t n);
size_t strnlen(const char *s, size_t max);
char *strrchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);

/* snprintf-like; returns the length the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* The formatter behind both: hands the output to emit() piece by piece
 * (kprintf streams to the console this way, so long output is never cut)
 * and returns the total length. */
typedef void (*format_emit_fn)(void *ctx, const char *s, size_t n);
int kvformat(format_emit_fn emit, void *ctx, const char *fmt, va_list ap);

/* Parses a whole string as an unsigned number (0x prefix = hex, K/M/G
 * suffixes multiply); false on anything else, including overflow. */
bool kstrtou64(const char *s, uint64_t *out);

#endif
