/*
 * The boot information every architecture's loader hand-over is turned
 * into (x86: kernel/arch/x86_64/multiboot.c; arm64: the device tree), and
 * what the rest of the kernel asks of it: usable memory, command-line
 * options, and the `bootinfo` command.
 */
#include "arch.h"
#include "bootinfo.h"
#include "kstring.h"
#include "printk.h"
#include "shell.h"

struct boot_info boot_info;

/* --- building it --------------------------------------------------------- */

bool bootinfo_add_reserved(struct boot_info *bi, uint64_t base, uint64_t len, const char *what)
{
	if (bi->reserved_count >= BOOT_RESERVED_MAX) {
		pr_err("bootinfo: more than %d reserved ranges (at %s); refusing to guess\n",
		       BOOT_RESERVED_MAX, what);
		return false;
	}
	bi->reserved[bi->reserved_count++] = (struct mem_range){ base, len, MEM_RESERVED };
	return true;
}

/* --- usable memory ------------------------------------------------------ */

uint64_t bootinfo_usable_bytes(const struct boot_info *bi)
{
	uint8_t order[BOOT_MMAP_MAX];
	unsigned n = 0;

	/* Insertion sort of the usable ranges by base, then one merging pass. */
	for (unsigned i = 0; i < bi->mmap_count && i < BOOT_MMAP_MAX; i++) {
		if (bi->mmap[i].type != MEM_USABLE)
			continue;
		unsigned j = n++;
		while (j > 0 && bi->mmap[order[j - 1]].base > bi->mmap[i].base) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (uint8_t)i;
	}

	uint64_t total = 0, cur_start = 0, cur_end = 0;
	for (unsigned k = 0; k < n; k++) {
		const struct mem_range *r = &bi->mmap[order[k]];
		uint64_t end = r->len > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->len;
		if (k == 0 || r->base > cur_end) {
			total += cur_end - cur_start;
			cur_start = r->base;
			cur_end = end;
		} else if (end > cur_end) {
			cur_end = end;
		}
	}
	return total + (cur_end - cur_start);
}

/* --- command line ------------------------------------------------------- */

/* Finds the next blank-separated token at or after *pos; a blank inside
 * double quotes does not end a token. */
static bool next_token(const char **pos, const char **start, size_t *len)
{
	const char *p = *pos;
	bool quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return false;
	*start = p;
	for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++)
		if (*p == '"')
			quoted = !quoted;
	*len = (size_t)(p - *start);
	*pos = p;
	return true;
}

static size_t unquoted_length(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += s[i] != '"';
	return len;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_len)
{
	size_t key_len = key ? strlen(key) : 0;
	const char *value = NULL, *pos = cmdline, *tok;
	size_t value_len = 0, tok_len;

	if (!cmdline || key_len == 0)
		return false;
	while (next_token(&pos, &tok, &tok_len)) {
		if (tok_len > key_len && tok[key_len] == '=' && strncmp(tok, key, key_len) == 0) {
			value = tok + key_len + 1; /* the last occurrence wins */
			value_len = tok_len - key_len - 1;
		}
	}
	if (!value || unquoted_length(value, value_len) >= out_len)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < value_len; i++)
		if (value[i] != '"')
			out[n++] = value[i];
	out[n] = '\0';
	return true;
}

bool cmdline_has(const char *cmdline, const char *flag)
{
	size_t flag_len = flag ? strlen(flag) : 0;
	const char *pos = cmdline, *tok;
	size_t tok_len;

	if (!cmdline || flag_len == 0)
		return false;
	while (next_token(&pos, &tok, &tok_len)) {
		if (tok_len >= flag_len && strncmp(tok, flag, flag_len) == 0 &&
		    (tok_len == flag_len || tok[flag_len] == '='))
			return true;
	}
	return false;
}

/* --- shell -------------------------------------------------------------- */

static const char *mem_type_name(uint32_t type)
{
	static const char *const names[] = { "?", "usable", "reserved", "ACPI reclaimable",
					     "ACPI NVS", "bad" };
	return type < ARRAY_SIZE(names) ? names[type] : "?";
}

static void print_ranges(const char *title, const struct mem_range *r, unsigned n)
{
	kprintf("%s:\n", title);
	for (unsigned i = 0; i < n; i++)
		kprintf("  %016llx-%016llx %s\n", (unsigned long long)r[i].base,
			(unsigned long long)(r[i].base + r[i].len - 1), mem_type_name(r[i].type));
}

static int cmd_bootinfo(int argc, char **argv)
{
	const struct boot_info *bi = &boot_info;

	kprintf("loader:  %s\ncmdline: %s\n", bi->loader_name[0] ? bi->loader_name : "(none)",
		bi->cmdline);
	print_ranges("memory map", bi->mmap, bi->mmap_count);
	print_ranges("reserved", bi->reserved, bi->reserved_count);
	kprintf("usable:  %llu KiB\n", (unsigned long long)(bootinfo_usable_bytes(bi) / KiB));
	if (bi->rsdp_phys)
		kprintf("ACPI RSDP at %llx\n", (unsigned long long)bi->rsdp_phys);
	if (bi->has_framebuffer)
		kprintf("framebuffer at %llx: %ux%u, %u bpp, pitch %u, type %u\n",
			(unsigned long long)bi->fb.phys, bi->fb.width, bi->fb.height, bi->fb.bpp,
			bi->fb.pitch, bi->fb.type);
	arch_boot_info_print();
	return 0;
}

SHELL_COMMAND(bootinfo, "bootinfo", "bootinfo",
	      "show the boot loader's memory map, command line and tables", cmd_bootinfo);
