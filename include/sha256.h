/*
 * SHA-256 (FIPS 180-4): incremental hashing for `blkhash`, so a disk can
 * be hashed as it streams in and compared with the host's sha256sum.
 */
#ifndef TERN_SHA256_H
#define TERN_SHA256_H

#include "types.h"

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;       /* hashed so far */
	uint8_t block[64];    /* a partial block waiting for more */
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[65]);

#endif
