/*
 * Host fake of the mm seams: a "physical memory" made of a few segments at
 * chosen physical addresses (e.g. straddling 16 MiB and 4 GiB), backed by
 * one malloc'd arena, so phys_to_virt is not an identity and zone ceilings
 * can be exercised. fake_mm_boot() fills a boot_info describing it.
 */
#ifndef TERN_FAKE_MM_H
#define TERN_FAKE_MM_H

#include "bootinfo.h"
#include "types.h"

struct fake_segment {
	phys_addr_t phys;
	uint64_t len;
};

/* Allocates the arena for segs (copied; at most 8) and describes them as
 * usable RAM in bi, with firmware holes between them and the given reserved
 * ranges (kernel image, boot info...) in bi->reserved. */
void fake_mm_boot(struct boot_info *bi, const struct fake_segment *segs, unsigned n,
		  const struct mem_range *reserved, unsigned reserved_n);
/* The layout most tests use: [1 MiB, 40 MiB) and [4 GiB - 8 MiB, 4 GiB + 8 MiB),
 * with a kernel image at 1 MiB and a boot-info block reserved. */
void fake_mm_boot_default(struct boot_info *bi);
void fake_mm_release(void);
/* True if [phys, phys + len) lies inside one fake segment. */
bool fake_mm_backed(phys_addr_t phys, uint64_t len);

#endif
