/*
 * Host fake of mm/paging_hw.c, mm/image_layout.c and the direct-map bound
 * of mm/directmap.c (see fake_mm_paging.h).
 */
#include "fake_mm_paging.h"
#include "layout.h"
#include "paging.h"

struct fake_paging fake_paging = { .has_nx = true };

bool paging_cpu_has_nx(void) { return fake_paging.has_nx; }
bool paging_cpu_has_1g_pages(void) { return fake_paging.has_1g; }
void paging_enable_protection(bool nx) { fake_paging.protection_enabled = true; }
void paging_load_root(phys_addr_t pml4) { fake_paging.root = pml4; }

void paging_invalidate(uintptr_t va)
{
	fake_paging.invalidations++;
	fake_paging.last_invalidated = va;
}

void directmap_set_size(uint64_t bytes) { fake_paging.direct_map_size = bytes; }

static const uintptr_t guards[] = { FAKE_GUARD };

void kernel_image_layout(struct image_layout *out)
{
	*out = (struct image_layout){ FAKE_IMAGE_START, FAKE_TEXT, FAKE_RODATA, FAKE_RODATA,
				      FAKE_DATA, FAKE_DATA, FAKE_IMAGE_END, guards, 1 };
}
