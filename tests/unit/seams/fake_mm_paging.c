/*
 * Host fake of the x86 paging control (kernel/arch/x86_64/paging_hw.c),
 * mm/image_layout.c and the direct-map bound of mm/directmap.c (see
 * fake_mm_paging.h). The entry encoding is the real one (pte.c).
 */
#include "arch/paging.h"
#include "fake_mm_paging.h"
#include "layout.h"
#include "paging.h"
#include "pte.h"

struct fake_paging fake_paging = { .has_nx = true };

bool paging_has_1g_blocks(void) { return fake_paging.has_1g; }

bool paging_enable_protection(void)
{
	fake_paging.protection_enabled = true;
	pte_use_nx(fake_paging.has_nx);
	return fake_paging.has_nx;
}

void paging_load_root(phys_addr_t root) { fake_paging.root = root; }
void paging_sync(void) { fake_paging.syncs++; }

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
