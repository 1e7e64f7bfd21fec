/*
 * Multiboot2 parsing (kernel/arch/x86_64/multiboot.c, with kernel/bootinfo.c)
 * on hand-built information blocks: every tag Tern uses, then malformed
 * blocks that must be refused with a message (each copied into a heap
 * buffer of exactly max_len bytes so ASan catches any read past it),
 * usable-memory merging and command-line lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "bootinfo.h"
#include "harness.h"
#include "multiboot.h"
#include "seams/seams.h"

#define MBI_PHYS 0x10000ull

struct blob {
	_Alignas(8) uint8_t buf[8192];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void blob_begin(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Appends a tag whose size field says header + len; returns its offset. */
static size_t add_tag_sized(struct blob *b, uint32_t type, const void *payload, uint32_t len,
			    uint32_t size_field)
{
	size_t off = b->len;
	put32(b->buf + off, type);
	put32(b->buf + off + 4, size_field);
	if (len)
		memcpy(b->buf + off + 8, payload, len);
	b->len = (off + 8 + len + 7) & ~(size_t)7;
	return off;
}

static size_t add_tag(struct blob *b, uint32_t type, const void *payload, uint32_t len)
{
	return add_tag_sized(b, type, payload, len, 8 + len);
}

static void blob_end(struct blob *b)
{
	add_tag(b, 0, NULL, 0);
	put32(b->buf, (uint32_t)b->len);
}

struct mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
};

static void add_mmap(struct blob *b, const struct mmap_entry *e, unsigned n)
{
	uint8_t payload[8 + 200 * 24];
	put32(payload, 24);
	put32(payload + 4, 0);
	memcpy(payload + 8, e, n * sizeof(*e));
	add_tag(b, 6, payload, 8 + n * 24);
}

static size_t add_rsdp(struct blob *b, uint32_t type, const char *sig)
{
	uint8_t rsdp[36] = { 0 };
	memcpy(rsdp, sig, 8);
	return add_tag(b, type, rsdp, type == 15 ? 36 : 20);
}

/* Parses a copy of the blob in a buffer of exactly max_len bytes. */
static bool parse_exact(struct boot_info *bi, const struct blob *b, size_t max_len)
{
	uint8_t *copy = malloc(max_len ? max_len : 1);
	memcpy(copy, b->buf, max_len);
	bool ok = multiboot_parse_at(bi, copy, MBI_PHYS, max_len);
	free(copy);
	return ok;
}

static bool is_zeroed(const struct boot_info *bi)
{
	static const struct boot_info zero;
	return memcmp(bi, &zero, sizeof(zero)) == 0;
}

static struct boot_info bi;

TEST(parses_every_tag_tern_uses)
{
	struct blob b;
	struct mmap_entry map[] = {
		{ 0, 0x9fc00, 1, 0 },
		{ 0x9fc00, 0x400, 2, 0 },
		{ 0x100000, 0x7ee0000, 1, 0 },
		{ 0xfffc0000, 0x40000, 7, 0 }, /* unknown type: reserved */
		{ 0x200000000, 0, 1, 0 },      /* empty: dropped */
		{ 0x7fe0000, 0x20000, 3, 0 },
	};
	uint8_t fb[24] = { 0 }, module[12] = { 0 };
	put64(fb, 0xfd000000);
	put32(fb + 8, 4096);
	put32(fb + 12, 1024);
	put32(fb + 16, 768);
	fb[20] = 32;
	fb[21] = 1;
	put32(module, 0x200000);
	put32(module + 4, 0x280000);
	memcpy(module + 8, "mod", 4);

	blob_begin(&b);
	add_tag(&b, 1, "loglevel=7 quiet", 17);
	add_tag(&b, 2, "GRUB 2.06", 10);
	add_tag(&b, 4, "\0\0\0\0\0\0\0\0", 8); /* basic meminfo: skipped */
	add_mmap(&b, map, 6);
	add_tag(&b, 8, fb, sizeof(fb));
	add_tag(&b, 3, module, sizeof(module));
	size_t old_off = add_rsdp(&b, 14, "RSD PTR ");
	size_t new_off = add_rsdp(&b, 15, "RSD PTR ");
	add_rsdp(&b, 14, "RSD PTR "); /* a later old RSDP must not win */
	blob_end(&b);

	seam_log_clear();
	CHECK(parse_exact(&bi, &b, b.len));
	CHECK(strcmp(bi.cmdline, "loglevel=7 quiet") == 0);
	CHECK(strcmp(bi.loader_name, "GRUB 2.06") == 0);
	CHECK_EQ(bi.mmap_count, 5);
	CHECK(bi.mmap[2].base == 0x100000 && bi.mmap[2].len == 0x7ee0000 && bi.mmap[2].type == 1);
	CHECK_EQ(bi.mmap[3].type, MEM_RESERVED);
	CHECK_EQ(bi.mmap[4].type, MEM_ACPI_RECLAIMABLE);
	CHECK(bi.has_framebuffer);
	CHECK(bi.fb.phys == 0xfd000000 && bi.fb.pitch == 4096 && bi.fb.width == 1024 &&
	      bi.fb.height == 768 && bi.fb.bpp == 32 && bi.fb.type == 1);
	CHECK_EQ(bi.rsdp_phys, MBI_PHYS + new_off + 8);
	CHECK(bi.rsdp_phys != MBI_PHYS + old_off + 8);
	CHECK_EQ(bi.reserved_count, 2);
	CHECK(bi.reserved[0].base == MBI_PHYS && bi.reserved[0].len == b.len);
	CHECK(bi.reserved[1].base == 0x200000 && bi.reserved[1].len == 0x80000);
	CHECK(!seam_log_contains("bootinfo"));
}

TEST(old_rsdp_alone_is_used_and_bad_signature_ignored)
{
	struct blob b;
	blob_begin(&b);
	add_rsdp(&b, 15, "NOT RSDP");
	size_t off = add_rsdp(&b, 14, "RSD PTR ");
	blob_end(&b);
	seam_log_clear();
	CHECK(parse_exact(&bi, &b, b.len));
	CHECK_EQ(bi.rsdp_phys, MBI_PHYS + off + 8);
	CHECK(seam_log_contains("signature"));
	CHECK(seam_log_contains("no memory map"));
}

TEST(larger_mmap_entry_size_is_honoured)
{
	struct blob b;
	uint8_t payload[8 + 2 * 40] = { 0 };
	put32(payload, 40); /* a future entry version with extra fields */
	put64(payload + 8, 0x1000);
	put64(payload + 16, 0x2000);
	put32(payload + 24, 1);
	put64(payload + 48, 0x100000);
	put64(payload + 56, 0x300000);
	put32(payload + 64, 1);
	blob_begin(&b);
	add_tag(&b, 6, payload, sizeof(payload));
	blob_end(&b);
	CHECK(parse_exact(&bi, &b, b.len));
	CHECK_EQ(bi.mmap_count, 2);
	CHECK(bi.mmap[1].base == 0x100000 && bi.mmap[1].len == 0x300000);
}

TEST(strings_are_bounded_by_tag_and_buffer)
{
	struct blob b;
	char longline[1500];
	memset(longline, 'x', sizeof(longline));
	blob_begin(&b);
	add_tag(&b, 2, "unterminated-loader-name-that-is-longer-than-sixty-four-bytes-for-sure", 70);
	add_tag(&b, 1, longline, sizeof(longline)); /* no NUL inside the tag */
	blob_end(&b);
	CHECK(parse_exact(&bi, &b, b.len));
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK_EQ(strlen(bi.loader_name), sizeof(bi.loader_name) - 1);
}

TEST(too_many_mmap_entries_are_dropped_with_warning)
{
	struct blob b;
	struct mmap_entry map[150];
	for (unsigned i = 0; i < 150; i++)
		map[i] = (struct mmap_entry){ i * 0x10000ull, 0x1000, 1, 0 };
	blob_begin(&b);
	add_mmap(&b, map, 150);
	blob_end(&b);
	seam_log_clear();
	CHECK(parse_exact(&bi, &b, b.len));
	CHECK_EQ(bi.mmap_count, BOOT_MMAP_MAX);
	CHECK(seam_log_contains("ignored 22"));
}

TEST(wrapping_range_is_clamped)
{
	struct blob b;
	struct mmap_entry map[] = { { 0xfffffffffffff000ull, 0x10000, 1, 0 },
				    { UINT64_MAX, 5, 1, 0 } /* nothing left: dropped */ };
	blob_begin(&b);
	add_mmap(&b, map, 2);
	blob_end(&b);
	CHECK(parse_exact(&bi, &b, b.len));
	CHECK_EQ(bi.mmap_count, 1);
	CHECK(bi.mmap[0].base + bi.mmap[0].len == UINT64_MAX);
}

/* Expects refusal: false, *bi zeroed, and a message naming bootinfo. */
static void expect_refused(const struct blob *b, size_t max_len, const char *why)
{
	seam_log_clear();
	memset(&bi, 0x5a, sizeof(bi));
	bool ok = parse_exact(&bi, b, max_len);
	if (ok)
		fprintf(stderr, "  accepted: %s\n", why);
	CHECK(!ok);
	CHECK(is_zeroed(&bi));
	CHECK(seam_log_contains("bootinfo: "));
}

TEST(malformed_blocks_are_refused)
{
	struct blob b;
	struct mmap_entry map[] = { { 0, 0x1000, 1, 0 } };

	blob_begin(&b);
	add_mmap(&b, map, 1);
	blob_end(&b);
	expect_refused(&b, 7, "shorter than a header");
	expect_refused(&b, b.len - 8, "total_size beyond max_len");

	put32(b.buf, 8);
	expect_refused(&b, b.len, "total_size too small for an end tag");

	blob_begin(&b);
	add_tag_sized(&b, 1, "abc", 4, 0);
	blob_end(&b);
	expect_refused(&b, b.len, "zero-size tag");

	blob_begin(&b);
	add_tag_sized(&b, 1, "abc", 4, 4);
	blob_end(&b);
	expect_refused(&b, b.len, "tag smaller than its header");

	blob_begin(&b);
	add_tag_sized(&b, 1, "abc", 4, 0x1000);
	blob_end(&b);
	expect_refused(&b, b.len, "tag overruns total_size");

	/* A memory map claiming more entries than the block holds: reading
	 * them would run past the buffer (ASan would say so). */
	blob_begin(&b);
	add_mmap(&b, map, 1);
	put32(b.buf + 12, 8 + 8 + 24 * 4);
	put32(b.buf, (uint32_t)b.len);
	expect_refused(&b, b.len, "mmap tag overruns the block");
	CHECK(seam_log_contains("only 40 bytes left"));

	blob_begin(&b);
	add_tag(&b, 1, "abc", 4);
	put32(b.buf, (uint32_t)b.len);
	expect_refused(&b, b.len, "no end tag");
	CHECK(seam_log_contains("no end tag"));
}

TEST(malformed_tags_are_refused)
{
	struct blob b;
	uint8_t payload[64] = { 0 };

	blob_begin(&b);
	put32(payload, 16); /* entry_size below 24 */
	add_tag(&b, 6, payload, 8 + 32);
	blob_end(&b);
	expect_refused(&b, b.len, "mmap entry_size too small");
	CHECK(seam_log_contains("entry_size 16"));

	blob_begin(&b);
	add_tag(&b, 6, payload, 4);
	blob_end(&b);
	expect_refused(&b, b.len, "mmap tag shorter than its fixed part");

	blob_begin(&b);
	add_tag(&b, 8, payload, 16);
	blob_end(&b);
	expect_refused(&b, b.len, "short framebuffer tag");

	blob_begin(&b);
	memcpy(payload, "RSD PTR ", 8);
	add_tag(&b, 15, payload, 20); /* a v1-sized copy in the v2 tag */
	blob_end(&b);
	expect_refused(&b, b.len, "short ACPI new tag");

	blob_begin(&b);
	put32(payload, 0x3000);
	put32(payload + 4, 0x2000);
	add_tag(&b, 3, payload, 8);
	blob_end(&b);
	expect_refused(&b, b.len, "module ending before it starts");

	blob_begin(&b);
	add_tag(&b, 3, payload, 4);
	blob_end(&b);
	expect_refused(&b, b.len, "short module tag");
}

TEST(too_many_reserved_ranges_are_refused)
{
	struct blob b;
	uint8_t module[8];
	blob_begin(&b);
	for (unsigned i = 0; i < BOOT_RESERVED_MAX; i++) {
		put32(module, 0x100000 * (i + 1));
		put32(module + 4, 0x100000 * (i + 1) + 0x1000);
		add_tag(&b, 3, module, 8);
	}
	blob_end(&b);
	expect_refused(&b, b.len, "17 reserved ranges");
	CHECK(seam_log_contains("reserved ranges"));
}

TEST(parse_derives_physical_address_from_identity_pointer)
{
	struct blob b;
	blob_begin(&b);
	size_t off = add_rsdp(&b, 14, "RSD PTR ");
	blob_end(&b);
	CHECK(multiboot_parse(&bi, b.buf, b.len));
	CHECK_EQ(bi.rsdp_phys, (uintptr_t)b.buf + off + 8);
	CHECK_EQ(bi.reserved[0].base, (uintptr_t)b.buf);
	CHECK(!multiboot_parse(&bi, NULL, 4096));
}

static uint64_t usable(const struct mem_range *r, unsigned n)
{
	memset(&bi, 0, sizeof(bi));
	if (n)
		memcpy(bi.mmap, r, n * sizeof(*r));
	bi.mmap_count = n;
	return bootinfo_usable_bytes(&bi);
}

TEST(usable_bytes_merges_overlaps_and_ignores_other_types)
{
	struct mem_range disjoint[] = { { 0x100000, 0x1000, 1 }, { 0, 0x1000, 1 } };
	CHECK_EQ(usable(disjoint, 2), 0x2000);
	struct mem_range overlapping[] = {
		{ 0x3000, 0x2000, 1 }, /* 0x3000-0x5000 */
		{ 0x1000, 0x3000, 1 }, /* 0x1000-0x4000 */
		{ 0x1800, 0x100, 1 },  /* inside */
		{ 0x5000, 0x1000, 1 }, /* adjacent: 0x5000-0x6000 */
		{ 0x0, 0x100000, 2 },  /* reserved: not counted */
		{ 0x8000, 0x1000, 3 },
	};
	CHECK_EQ(usable(overlapping, 6), 0x5000);
	struct mem_range duplicate[] = { { 0x1000, 0x1000, 1 }, { 0x1000, 0x1000, 1 } };
	CHECK_EQ(usable(duplicate, 2), 0x1000);
	struct mem_range top[] = { { UINT64_MAX - 0xfff, 0x1000, 1 }, { UINT64_MAX - 0x7ff, 0x10000, 1 } };
	/* Ends are clamped to UINT64_MAX (exclusive): the very last byte of
	 * the address space is never counted, and nothing wraps. */
	CHECK_EQ(usable(top, 2), 0xfff);
	CHECK_EQ(usable(NULL, 0), 0);
}

TEST(cmdline_get_values_quotes_and_last_wins)
{
	const char *cl = " /boot/tern.elf  loglevel=7\tquiet autorun=\"echo a b; ktest all\" "
			 "path=/x=y empty= loglevel=3 unterminated=\"a b";
	char out[64];
	CHECK(cmdline_get(cl, "loglevel", out, sizeof(out)) && strcmp(out, "3") == 0);
	CHECK(cmdline_get(cl, "autorun", out, sizeof(out)) && strcmp(out, "echo a b; ktest all") == 0);
	CHECK(cmdline_get(cl, "path", out, sizeof(out)) && strcmp(out, "/x=y") == 0);
	CHECK(cmdline_get(cl, "empty", out, sizeof(out)) && strcmp(out, "") == 0);
	CHECK(cmdline_get(cl, "unterminated", out, sizeof(out)) && strcmp(out, "a b") == 0);
	CHECK(!cmdline_get(cl, "quiet", out, sizeof(out)));   /* a flag has no value */
	CHECK(!cmdline_get(cl, "log", out, sizeof(out)));     /* no prefix matches */
	CHECK(!cmdline_get(cl, "level", out, sizeof(out)));
	CHECK(!cmdline_get(cl, "", out, sizeof(out)));
	CHECK(!cmdline_get(NULL, "loglevel", out, sizeof(out)));
}

TEST(cmdline_get_refuses_values_that_do_not_fit)
{
	char out[4] = "zzz";
	CHECK(!cmdline_get("k=abcd", "k", out, sizeof(out)));
	CHECK(strcmp(out, "zzz") == 0);
	CHECK(cmdline_get("k=\"abc\"", "k", out, sizeof(out)) && strcmp(out, "abc") == 0);
	CHECK(!cmdline_get("k=", "k", out, 0));
}

TEST(cmdline_has_flags_and_keys)
{
	const char *cl = "quiet panic=exit x=\"quiet noisy\" verbose2";
	CHECK(cmdline_has(cl, "quiet"));
	CHECK(cmdline_has(cl, "panic"));
	CHECK(cmdline_has(cl, "panic=exit"));
	CHECK(!cmdline_has(cl, "panic=halt"));
	CHECK(!cmdline_has(cl, "noisy")); /* inside a quoted value */
	CHECK(!cmdline_has(cl, "verbose"));
	CHECK(!cmdline_has(cl, ""));
	CHECK(!cmdline_has("", "quiet"));
	CHECK(!cmdline_has(NULL, "quiet"));
}
