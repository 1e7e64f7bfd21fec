/*
 * The kernel's freestanding libfdt_env.h (kernel/arch/arm64/libfdt/): its
 * byte-wise conversions must read device-tree (big-endian) bytes as libfdt
 * expects and round-trip, whatever the host's byte order.
 */
#include <string.h>

#include <libfdt_env.h>

#include "harness.h"

static const uint8_t be[8] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };

TEST(reads_big_endian_bytes)
{
	fdt16_t a;
	fdt32_t b;
	fdt64_t c;
	memcpy(&a, be, sizeof(a));
	memcpy(&b, be, sizeof(b));
	memcpy(&c, be, sizeof(c));
	CHECK_EQ(fdt16_to_cpu(a), 0x1234);
	CHECK_EQ(fdt32_to_cpu(b), 0x12345678);
	CHECK(fdt64_to_cpu(c) == 0x123456789abcdef0ull);
}

TEST(writes_big_endian_bytes_and_round_trips)
{
	fdt16_t a = cpu_to_fdt16(0x1234);
	fdt32_t b = cpu_to_fdt32(0x12345678);
	fdt64_t c = cpu_to_fdt64(0x123456789abcdef0ull);
	CHECK(memcmp(&a, be, sizeof(a)) == 0);
	CHECK(memcmp(&b, be, sizeof(b)) == 0);
	CHECK(memcmp(&c, be, sizeof(c)) == 0);
	for (uint64_t v = 1; v; v <<= 7)
		CHECK(fdt64_to_cpu(cpu_to_fdt64(v * 0x0101)) == v * 0x0101);
}
