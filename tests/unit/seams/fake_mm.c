/*
 * Host fake of the mm seams (see fake_mm.h): phys_to_virt/virt_to_phys over
 * segments of a malloc'd arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_mm.h"
#include "mm.h"

#define MAX_SEGMENTS 8

static struct {
	struct fake_segment seg[MAX_SEGMENTS];
	char *virt[MAX_SEGMENTS];
	unsigned n;
	char *arena;
} fake;

static void add_range(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (len && bi->mmap_count < BOOT_MMAP_MAX)
		bi->mmap[bi->mmap_count++] = (struct mem_range){ base, len, type };
}

void fake_mm_boot(struct boot_info *bi, const struct fake_segment *segs, unsigned n,
		  const struct mem_range *reserved, unsigned reserved_n)
{
	uint64_t total = 0, at = 0, prev_end = 0;
	fake_mm_release();
	memset(bi, 0, sizeof(*bi));
	for (unsigned i = 0; i < n && i < MAX_SEGMENTS; i++)
		total += segs[i].len;
	/* page aligned, like the direct map, so alignment checks mean something */
	if (posix_memalign((void **)&fake.arena, PAGE_SIZE, total) != 0) {
		fprintf(stderr, "fake_mm: cannot allocate a %llu byte arena\n",
			(unsigned long long)total);
		abort();
	}
	memset(fake.arena, 0xa5, total); /* firmware leaves garbage behind */
	for (unsigned i = 0; i < n && i < MAX_SEGMENTS; i++) {
		fake.seg[i] = segs[i];
		fake.virt[i] = fake.arena + at;
		at += segs[i].len;
		add_range(bi, prev_end, segs[i].phys - prev_end, MEM_RESERVED);
		add_range(bi, segs[i].phys, segs[i].len, MEM_USABLE);
		prev_end = segs[i].phys + segs[i].len;
	}
	fake.n = n;
	for (unsigned i = 0; i < reserved_n && i < BOOT_RESERVED_MAX; i++)
		bi->reserved[bi->reserved_count++] = reserved[i];
}

void fake_mm_boot_default(struct boot_info *bi)
{
	static const struct fake_segment segs[] = {
		{ 1 * MiB, 39 * MiB },
		{ 4 * GiB - 8 * MiB, 16 * MiB },
	};
	static const struct mem_range reserved[] = {
		{ 1 * MiB, 2 * MiB + 0x345, MEM_USABLE },  /* kernel image */
		{ 5 * MiB + 0x100, 0x2000, MEM_USABLE },    /* multiboot info */
	};
	fake_mm_boot(bi, segs, ARRAY_SIZE(segs), reserved, ARRAY_SIZE(reserved));
}

void fake_mm_release(void)
{
	free(fake.arena);
	memset(&fake, 0, sizeof(fake));
}

bool fake_mm_backed(phys_addr_t phys, uint64_t len)
{
	for (unsigned i = 0; i < fake.n; i++)
		if (phys >= fake.seg[i].phys && phys - fake.seg[i].phys + len <= fake.seg[i].len)
			return true;
	return false;
}

void *phys_to_virt(phys_addr_t phys)
{
	for (unsigned i = 0; i < fake.n; i++)
		if (phys >= fake.seg[i].phys && phys - fake.seg[i].phys < fake.seg[i].len)
			return fake.virt[i] + (phys - fake.seg[i].phys);
	fprintf(stderr, "fake_mm: phys_to_virt(%#llx) is outside the fake RAM\n",
		(unsigned long long)phys);
	abort();
}

phys_addr_t virt_to_phys(const void *virt)
{
	const char *v = virt;
	for (unsigned i = 0; i < fake.n; i++)
		if (v >= fake.virt[i] && v < fake.virt[i] + fake.seg[i].len)
			return fake.seg[i].phys + (phys_addr_t)(v - fake.virt[i]);
	return PHYS_INVALID;
}
