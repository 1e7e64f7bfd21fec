/*
 * The kernel image layout seam: the linker script's section symbols and the
 * arch layer's guard-page table, packed for the VMM (see mm/paging.h).
 */
#include "arch.h"
#include "layout.h"
#include "paging.h"

void kernel_image_layout(struct image_layout *out)
{
	*out = (struct image_layout){
		(uintptr_t)_kernel_start, (uintptr_t)_text_start, (uintptr_t)_text_end,
		(uintptr_t)_rodata_start, (uintptr_t)_rodata_end, (uintptr_t)_data_start,
		(uintptr_t)_kernel_end, kernel_guard_pages, kernel_guard_page_count,
	};
}
