/*
 * mm-private interfaces: where the kernel image lies (mm/image_layout.c)
 * and the direct-map bound that mm/directmap.c checks in virt_to_phys.
 * The page-table format and control registers are the architecture's
 * (include/arch/paging.h); host tests may replace all of them.
 */
#ifndef TERN_MM_PAGING_H
#define TERN_MM_PAGING_H

#include "types.h"

/* Where the linker put the kernel image (virtual addresses, page aligned)
 * and the guard pages inside it: mm/image_layout.c reads the linker
 * symbols; host tests describe a synthetic image. */
struct image_layout {
	uintptr_t start, text, text_end, rodata, rodata_end, data, end;
	const uintptr_t *guard_pages;
	size_t guard_count;
};
void kernel_image_layout(struct image_layout *out);

/* virt_to_phys accepts direct-map addresses below DIRECT_MAP_BASE + bytes. */
void directmap_set_size(uint64_t bytes);

#endif
