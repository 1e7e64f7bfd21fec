/*
 * Host fake of the VMM's hardware and image seams (include/arch/paging.h,
 * mm/paging.h): CPU
 * features chosen by the test, CR3 loads and INVLPGs recorded, and a
 * synthetic kernel image at KERNEL_VMA + 1 MiB.
 */
#ifndef TERN_FAKE_MM_PAGING_H
#define TERN_FAKE_MM_PAGING_H

#include "types.h"

struct fake_paging {
	bool has_nx, has_1g;       /* what CPUID reports */
	bool protection_enabled;   /* paging_enable_protection was called */
	phys_addr_t root;          /* last CR3 load */
	uint64_t syncs;            /* paging_sync count */
	uint64_t invalidations;    /* INVLPG count */
	uintptr_t last_invalidated;
	uint64_t direct_map_size;  /* from directmap_set_size */
};
extern struct fake_paging fake_paging;

/* The synthetic image: 1 page of boot code, then text, rodata, data, one
 * guard page inside data. Physical = virtual - KERNEL_VMA. */
#define FAKE_IMAGE_START (KERNEL_VMA + 0x100000)
#define FAKE_TEXT (FAKE_IMAGE_START + 0x1000)
#define FAKE_RODATA (FAKE_TEXT + 0x10000)
#define FAKE_DATA (FAKE_RODATA + 0x8000)
#define FAKE_GUARD (FAKE_DATA + 0x4000)
#define FAKE_IMAGE_END (FAKE_DATA + 0x20000)

#endif
