/*
 * Multiboot2 boot information parsing (Multiboot2 specification §3.6) into
 * the generic struct boot_info: how GRUB tells the x86 kernel about memory,
 * the command line and firmware tables. The boot loader's information block is
 * untrusted input as far as this file is concerned: every size is checked
 * against the bytes that exist before anything is read, every field is read
 * with memcpy (no alignment assumptions), and a malformed block is rejected
 * with a message rather than half-used. Host-testable: no hardware access.
 */
#include "bootinfo.h"
#include "kstring.h"
#include "layout.h"
#include "multiboot.h"
#include "printk.h"

/* §3.6.1: the block starts with u32 total_size, u32 reserved. */
#define MBI_HEADER_SIZE 8
/* §3.6.2: every tag starts with u32 type, u32 size; tags are 8-aligned. */
#define TAG_HEADER_SIZE 8
#define TAG_ALIGN 8

enum mb2_tag_type {
	TAG_END = 0,
	TAG_CMDLINE = 1,           /* §3.6.5 */
	TAG_LOADER_NAME = 2,       /* §3.6.9 */
	TAG_MODULE = 3,            /* §3.6.6 */
	TAG_MMAP = 6,              /* §3.6.8 */
	TAG_FRAMEBUFFER = 8,       /* §3.6.12 */
	TAG_ACPI_OLD = 14,         /* §3.6.16 */
	TAG_ACPI_NEW = 15,         /* §3.6.17 */
};

/* §3.6.6 module tag: header, u32 mod_start, u32 mod_end, string. */
#define MODULE_MIN_SIZE 16
/* §3.6.8 memory map tag: header, u32 entry_size, u32 entry_version, then
 * entries of u64 base_addr, u64 length, u32 type, u32 reserved. */
#define MMAP_ENTRIES_OFFSET 16
#define MMAP_ENTRY_MIN_SIZE 24
/* §3.6.12 framebuffer tag: header, u64 addr, u32 pitch, width, height,
 * u8 bpp, u8 type, then reserved and colour info we do not need. */
#define FB_MIN_SIZE 30
/* ACPI 6.x §5.2.5.3: the RSDP is 20 bytes (rev. 0) or 36 bytes (rev. 2+);
 * the tags hold a copy of it right after the tag header. */
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

struct parser {
	struct boot_info *bi;
	const uint8_t *mbi;
	phys_addr_t mbi_phys;
	uint32_t total_size;
	bool have_new_rsdp;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Copies a string of at most max_src bytes (it need not be terminated
 * inside the tag) into dst, truncating to dst_len - 1 characters. */
static void copy_tag_string(char *dst, size_t dst_len, const uint8_t *src, size_t max_src)
{
	size_t n = 0;

	while (n < max_src && n + 1 < dst_len && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint32_t normalize_mem_type(uint32_t type)
{
	return type >= MEM_USABLE && type <= MEM_BAD ? type : MEM_RESERVED;
}

static bool parse_mmap(struct parser *p, const uint8_t *tag, uint32_t size)
{
	if (size < MMAP_ENTRIES_OFFSET) {
		pr_err("bootinfo: memory map tag too short (%u bytes)\n", size);
		return false;
	}
	uint32_t entry_size = rd32(tag + 8);
	if (entry_size < MMAP_ENTRY_MIN_SIZE) {
		pr_err("bootinfo: memory map entry_size %u is below %d\n", entry_size,
		       MMAP_ENTRY_MIN_SIZE);
		return false;
	}
	struct boot_info *bi = p->bi;
	uint32_t skipped = 0;
	for (uint32_t off = MMAP_ENTRIES_OFFSET; size - off >= entry_size; off += entry_size) {
		const uint8_t *e = tag + off;
		uint64_t base = rd64(e), len = rd64(e + 8);
		if (len > UINT64_MAX - base)
			len = UINT64_MAX - base; /* a range cannot wrap around */
		if (len == 0)
			continue;
		if (bi->mmap_count >= BOOT_MMAP_MAX) {
			skipped++;
			continue;
		}
		bi->mmap[bi->mmap_count++] =
			(struct mem_range){ base, len, normalize_mem_type(rd32(e + 16)) };
	}
	if (skipped)
		pr_warn("bootinfo: memory map has more than %d entries; ignored %u\n",
			BOOT_MMAP_MAX, skipped);
	return true;
}

static bool parse_framebuffer(struct parser *p, const uint8_t *tag, uint32_t size)
{
	if (size < FB_MIN_SIZE) {
		pr_err("bootinfo: framebuffer tag too short (%u bytes)\n", size);
		return false;
	}
	struct boot_framebuffer *fb = &p->bi->fb;
	fb->phys = rd64(tag + 8);
	fb->pitch = rd32(tag + 16);
	fb->width = rd32(tag + 20);
	fb->height = rd32(tag + 24);
	fb->bpp = tag[28];
	fb->type = tag[29];
	p->bi->has_framebuffer = true;
	return true;
}

static bool parse_acpi(struct parser *p, const uint8_t *tag, uint32_t size, bool is_new)
{
	uint32_t need = TAG_HEADER_SIZE + (is_new ? RSDP_V2_SIZE : RSDP_V1_SIZE);

	if (size < need) {
		pr_err("bootinfo: ACPI %s RSDP tag too short (%u bytes, need %u)\n",
		       is_new ? "new" : "old", size, need);
		return false;
	}
	if (memcmp(tag + TAG_HEADER_SIZE, "RSD PTR ", 8) != 0) {
		pr_warn("bootinfo: ACPI RSDP copy has no 'RSD PTR ' signature; ignored\n");
		return true;
	}
	/* An ACPI 2.0 RSDP (with the XSDT) wins over the 1.0 one. */
	if (is_new || !p->have_new_rsdp) {
		p->bi->rsdp_phys = p->mbi_phys + (uint64_t)(tag - p->mbi) + TAG_HEADER_SIZE;
		p->have_new_rsdp |= is_new;
	}
	return true;
}

static bool parse_module(struct parser *p, const uint8_t *tag, uint32_t size)
{
	if (size < MODULE_MIN_SIZE) {
		pr_err("bootinfo: module tag too short (%u bytes)\n", size);
		return false;
	}
	uint32_t start = rd32(tag + 8), end = rd32(tag + 12);
	if (end < start) {
		pr_err("bootinfo: module %x-%x ends before it starts\n", start, end);
		return false;
	}
	return bootinfo_add_reserved(p->bi, start, end - start, "module");
}

static bool parse_tag(struct parser *p, const uint8_t *tag, uint32_t type, uint32_t size)
{
	struct boot_info *bi = p->bi;

	switch (type) {
	case TAG_CMDLINE:
		copy_tag_string(bi->cmdline, sizeof(bi->cmdline), tag + TAG_HEADER_SIZE,
				size - TAG_HEADER_SIZE);
		return true;
	case TAG_LOADER_NAME:
		copy_tag_string(bi->loader_name, sizeof(bi->loader_name), tag + TAG_HEADER_SIZE,
				size - TAG_HEADER_SIZE);
		return true;
	case TAG_MODULE:
		return parse_module(p, tag, size);
	case TAG_MMAP:
		return parse_mmap(p, tag, size);
	case TAG_FRAMEBUFFER:
		return parse_framebuffer(p, tag, size);
	case TAG_ACPI_OLD:
	case TAG_ACPI_NEW:
		return parse_acpi(p, tag, size, type == TAG_ACPI_NEW);
	default:
		return true; /* tags we do not use are skipped by size */
	}
}

static bool parse_tags(struct parser *p)
{
	size_t off = MBI_HEADER_SIZE;

	while (p->total_size - off >= TAG_HEADER_SIZE) {
		const uint8_t *tag = p->mbi + off;
		uint32_t type = rd32(tag), size = rd32(tag + 4);

		if (size < TAG_HEADER_SIZE || size > p->total_size - off) {
			pr_err("bootinfo: tag type %u at offset %zu has size %u (only %zu bytes left)\n",
			       type, off, size, (size_t)p->total_size - off);
			return false;
		}
		if (type == TAG_END)
			return true;
		if (!parse_tag(p, tag, type, size))
			return false;
		off += ALIGN_UP((size_t)size, TAG_ALIGN);
		if (off > p->total_size)
			break;
	}
	pr_err("bootinfo: no end tag within total_size %u\n", p->total_size);
	return false;
}

bool multiboot_parse_at(struct boot_info *bi, const void *mbi, phys_addr_t mbi_phys,
		       size_t max_len)
{
	struct parser p = { .bi = bi, .mbi = mbi, .mbi_phys = mbi_phys };

	memset(bi, 0, sizeof(*bi));
	if (!mbi || max_len < MBI_HEADER_SIZE + TAG_HEADER_SIZE) {
		pr_err("bootinfo: no multiboot2 information (%zu bytes)\n", mbi ? max_len : 0);
		return false;
	}
	p.total_size = rd32(p.mbi);
	if (p.total_size < MBI_HEADER_SIZE + TAG_HEADER_SIZE || p.total_size > max_len) {
		pr_err("bootinfo: total_size %u is not within %d..%zu\n", p.total_size,
		       MBI_HEADER_SIZE + TAG_HEADER_SIZE, max_len);
		return false;
	}
	if (!bootinfo_add_reserved(bi, mbi_phys, p.total_size, "multiboot info") ||
	    !parse_tags(&p)) {
		memset(bi, 0, sizeof(*bi));
		return false;
	}
	if (bi->mmap_count == 0)
		pr_warn("bootinfo: the boot loader gave no memory map\n");
	return true;
}

/* The boot page tables map low memory at three places (include/layout.h);
 * recover the physical address from whichever one mbi points into. */
static phys_addr_t boot_virt_to_phys(const void *virt)
{
	uintptr_t va = (uintptr_t)virt;

	if (va >= KERNEL_VMA)
		return va - KERNEL_VMA;
	if (va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + BOOT_DIRECT_MAP_BYTES)
		return va - DIRECT_MAP_BASE;
	return va; /* identity mapping */
}

bool multiboot_parse(struct boot_info *bi, const void *mbi, size_t max_len)
{
	return multiboot_parse_at(bi, mbi, boot_virt_to_phys(mbi), max_len);
}
