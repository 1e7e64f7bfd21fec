/*
 * libFuzzer harness for the multiboot2 parser and the command-line lookup
 * (kernel/arch/x86_64/multiboot.c). The input is parsed as an information block of
 * exactly its own size (ASan flags any read past it) and, separately, as a
 * command line. Parsed results are checked for internal consistency.
 */
#include <stdlib.h>
#include <string.h>

#include "bootinfo.h"
#include "multiboot.h"

static struct boot_info bi;

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void check_parsed(size_t size)
{
	check(bi.mmap_count <= BOOT_MMAP_MAX);
	check(bi.reserved_count >= 1 && bi.reserved_count <= BOOT_RESERVED_MAX);
	check(bi.reserved[0].len <= size);
	check(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
	check(memchr(bi.loader_name, 0, sizeof(bi.loader_name)) != NULL);
	uint64_t sum = 0; /* saturating */
	for (unsigned i = 0; i < bi.mmap_count; i++) {
		const struct mem_range *r = &bi.mmap[i];
		check(r->len > 0 && r->len <= UINT64_MAX - r->base);
		if (r->type == MEM_USABLE)
			sum = r->len > UINT64_MAX - sum ? UINT64_MAX : sum + r->len;
	}
	check(bootinfo_usable_bytes(&bi) <= sum); /* merging never adds bytes */
	check(!bi.rsdp_phys || bi.rsdp_phys - 0x1000 + 8 <= size);
}

static void fuzz_cmdline(const char *cl)
{
	static const char *const keys[] = { "autorun", "loglevel", "panic", "a", "quiet" };
	char out[32];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(out, 0x7f, sizeof(out));
		if (cmdline_get(cl, keys[i], out, sizeof(out)))
			check(memchr(out, 0, sizeof(out)) != NULL && !strchr(out, '"'));
		cmdline_has(cl, keys[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *mbi = malloc(size ? size : 1);
	memcpy(mbi, data, size);
	/* An odd byte 4 (the reserved header field) makes total_size match
	 * the input, so most inputs get past the header check to the tags. */
	if (size >= 8 && (mbi[4] & 1)) {
		uint32_t total = (uint32_t)size;
		memcpy(mbi, &total, sizeof(total));
	}
	if (multiboot_parse_at(&bi, mbi, 0x1000, size)) {
		check_parsed(size);
		fuzz_cmdline(bi.cmdline);
	}
	free(mbi);

	char *cl = malloc(size + 1);
	memcpy(cl, data, size);
	cl[size] = '\0';
	fuzz_cmdline(cl);
	free(cl);
	return 0;
}
