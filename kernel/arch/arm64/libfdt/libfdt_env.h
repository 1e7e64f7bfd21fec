/*
 * The environment libfdt.h expects, for a freestanding kernel. Debian's
 * libfdt_env.h includes <stdlib.h> and <string.h>, which a -nostdinc build
 * does not have, so the arm64 kernel puts this directory ahead of the
 * unpacked package's headers on its include path (libfdt.h includes
 * <libfdt_env.h> with angle brackets, so the first one found wins). The
 * string functions come from kernel/lib. <limits.h> is left out (GCC's
 * does #include_next under -nostdinc) and the byte swaps are written out
 * byte by byte, since __builtin_bswap* may become a libgcc call.
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include "kstring.h"
#include "types.h"

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

/* The device tree is big-endian; these read its bytes in that order. */
static inline uint16_t fdt16_to_cpu(fdt16_t x)
{
	const uint8_t *b = (const uint8_t *)&x;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t fdt32_to_cpu(fdt32_t x)
{
	const uint8_t *b = (const uint8_t *)&x;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t fdt64_to_cpu(fdt64_t x)
{
	const uint8_t *b = (const uint8_t *)&x;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Byte reversal is its own inverse. */
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return fdt16_to_cpu(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return fdt32_to_cpu(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return fdt64_to_cpu(x); }

#endif
