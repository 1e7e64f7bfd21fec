/*
 * kernel/lib/sha256.c against the FIPS 180-4 example vectors (NIST's
 * SHA256.pdf and SHAVS short/long messages: "abc", the empty message, the
 * 448-bit two-block message, one million 'a') and against itself: any
 * split of the input into update calls gives the same digest.
 */
#include <string.h>

#include "harness.h"
#include "sha256.h"

static void digest_hex(const void *data, size_t len, char hex[65])
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_LEN];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, d);
	sha256_hex(d, hex);
}

static void check_vector(const char *msg, const char *want)
{
	char hex[65];

	digest_hex(msg, strlen(msg), hex);
	CHECK(strcmp(hex, want) == 0);
}

TEST(fips_180_4_examples)
{
	check_vector("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_vector("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(one_million_a)
{
	static char buf[1000000];
	char hex[65];

	memset(buf, 'a', sizeof(buf));
	digest_hex(buf, sizeof(buf), hex);
	CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

/* Lengths around the padding edges (55, 56, 63, 64 bytes in the last
 * block) split at every offset must match the one-call digest. */
TEST(any_split_gives_the_same_digest)
{
	uint8_t data[200];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 50; len <= 130; len++)
		for (size_t cut = 0; cut <= len; cut += 7) {
			struct sha256 s;
			uint8_t d[SHA256_DIGEST_LEN];
			char whole[65], split[65];
			digest_hex(data, len, whole);
			sha256_init(&s);
			sha256_update(&s, data, cut);
			sha256_update(&s, data + cut, 0);
			sha256_update(&s, data + cut, len - cut);
			sha256_final(&s, d);
			sha256_hex(d, split);
			CHECK(strcmp(whole, split) == 0);
		}
}
