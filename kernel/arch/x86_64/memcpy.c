/*
 * memcpy and memset for x86-64 (include/kstring.h): the string
 * instructions, eight bytes at a time, are the fastest way on CPUs with
 * fast string operations, and under QEMU's TCG a fraction of the guest
 * instructions of a byte loop (a 4 KiB memset took 3 µs as one). The
 * System V ABI keeps the direction flag clear, so they move upwards.
 */
#include "kstring.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	const void *s = src;
	size_t words = n / 8, bytes = n % 8;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
	size_t words = n / 8, bytes = n % 8;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
	return dst;
}
