/*
 * Symbol lookup over the table that scripts/gensyms.py generates from the
 * first link of the kernel (see Makefile): sorted function start addresses
 * with offsets into a string table. Used by backtraces and by the DMA
 * pool's allocation-site reports.
 */
#include "kstring.h"
#include "layout.h"
#include "symbols.h"

struct ksym {
	uint64_t addr;
	uint32_t name_offset;
	uint32_t reserved;
};

extern const struct ksym ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	size_t lo = 0, hi = ksym_count;

	if (addr < (uintptr_t)_text_start || addr >= (uintptr_t)_text_end || !hi)
		return NULL;
	while (hi - lo > 1) { /* last entry with addr <= target */
		size_t mid = lo + (hi - lo) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksym_table[lo].addr > addr)
		return NULL;
	*offset = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name_offset;
}

void ksym_format(uintptr_t addr, char *buf, size_t len)
{
	uintptr_t off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		ksnprintf(buf, len, "%s+0x%lx", name, (unsigned long)off);
	else
		ksnprintf(buf, len, "0x%lx", (unsigned long)addr);
}
