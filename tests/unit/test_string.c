/*
 * kernel/lib/string.c against libc: every function on random buffers,
 * lengths, alignments and overlaps. The .mk renames the kernel's copies to
 * kern_*; the macros are undone here so the plain names mean libc.
 */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp
#undef strchr
#include <string.h>

#include "harness.h"
#include "rand.h"

void *kern_memcpy(void *dst, const void *src, size_t n);
void *kern_memmove(void *dst, const void *src, size_t n);
void *kern_memset(void *dst, int c, size_t n);
int kern_memcmp(const void *a, const void *b, size_t n);
size_t kern_strlen(const char *s);
int kern_strcmp(const char *a, const char *b);
int kern_strncmp(const char *a, const char *b, size_t n);
char *kern_strchr(const char *s, int c);

#define BUF 256
#define ROUNDS 20000

static uint64_t rng_state = 12345;
static unsigned rnd(unsigned n)
{
	return (unsigned)(rand_next(&rng_state) % n);
}

static void fill_random(unsigned char *b, size_t n, unsigned alphabet)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(1 + rnd(alphabet));
}

static int sign(int v) { return (v > 0) - (v < 0); }

TEST(memcpy_memset_match_libc)
{
	unsigned char src[BUF], a[BUF], b[BUF];
	for (int r = 0; r < ROUNDS; r++) {
		size_t off = rnd(16), n = rnd(BUF - 16);
		fill_random(src, BUF, 255);
		memset(a, 0xaa, BUF);
		memset(b, 0xaa, BUF);
		CHECK(kern_memcpy(a + off, src, n) == a + off);
		memcpy(b + off, src, n);
		CHECK(memcmp(a, b, BUF) == 0);
		int c = (int)rnd(1000) - 500; /* only the low byte counts */
		CHECK(kern_memset(a + off, c, n) == a + off);
		memset(b + off, c, n);
		CHECK(memcmp(a, b, BUF) == 0);
	}
}

TEST(memmove_handles_both_overlap_directions)
{
	unsigned char a[BUF], b[BUF];
	for (int r = 0; r < ROUNDS; r++) {
		fill_random(a, BUF, 255);
		memcpy(b, a, BUF);
		size_t src = rnd(BUF), dst = rnd(BUF);
		size_t n = rnd(BUF - (src > dst ? src : dst) + 1);
		CHECK(kern_memmove(a + dst, a + src, n) == a + dst);
		memmove(b + dst, b + src, n);
		CHECK(memcmp(a, b, BUF) == 0);
	}
}

TEST(memcmp_sign_matches_libc)
{
	unsigned char a[64], b[64];
	for (int r = 0; r < ROUNDS; r++) {
		size_t n = rnd(64);
		fill_random(a, 64, 3); /* small alphabet: many equal prefixes */
		fill_random(b, 64, 3);
		if (rnd(4) == 0)
			b[rnd(64)] = 0xff; /* bytes above 0x7f compare unsigned */
		CHECK_EQ(sign(kern_memcmp(a, b, n)), sign(memcmp(a, b, n)));
	}
	CHECK_EQ(kern_memcmp("abc", "abd", 0), 0);
}

TEST(str_functions_match_libc)
{
	char a[40], b[40];
	for (int r = 0; r < ROUNDS; r++) {
		fill_random((unsigned char *)a, sizeof(a), 3);
		fill_random((unsigned char *)b, sizeof(b), 3);
		a[rnd(sizeof(a))] = 0;
		b[rnd(sizeof(b))] = 0;
		a[sizeof(a) - 1] = b[sizeof(b) - 1] = 0;
		if (rnd(3) == 0)
			a[0] = (char)0xe9; /* signedness of char must not matter */
		size_t n = rnd(45);
		int c = (int)rnd(5);
		CHECK_EQ(kern_strlen(a), strlen(a));
		CHECK_EQ(sign(kern_strcmp(a, b)), sign(strcmp(a, b)));
		CHECK_EQ(sign(kern_strcmp(a, a)), 0);
		CHECK_EQ(sign(kern_strncmp(a, b, n)), sign(strncmp(a, b, n)));
		CHECK(kern_strchr(a, c) == strchr(a, c));
	}
}

TEST(strchr_finds_terminator_and_high_bytes)
{
	const char *s = "ab\xe9z";
	CHECK(kern_strchr(s, 0) == s + 4);
	CHECK(kern_strchr(s, 0xe9) == s + 2);
	CHECK(kern_strchr(s, 'q') == NULL);
}
