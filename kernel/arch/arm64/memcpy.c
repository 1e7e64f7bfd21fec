/*
 * memcpy and memset for arm64 (include/kstring.h): eight bytes at a time
 * when both ends are 8-byte aligned (Normal memory takes any alignment,
 * but aligned words are fewer guest instructions under TCG), the rest
 * byte by byte. The attribute keeps GCC from turning the loops back into
 * calls to memcpy/memset, which would recurse.
 */
#include "kstring.h"

#define NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL_LOOPS void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (!(((uintptr_t)d | (uintptr_t)s) & 7))
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL_LOOPS void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;

	if (!((uintptr_t)d & 7))
		for (; n >= 8; n -= 8, d += 8)
			*(uint64_t *)d = pattern;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}
