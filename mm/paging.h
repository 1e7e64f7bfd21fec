/*
 * mm-private interfaces: the paging hardware seam (mm/paging_hw.c, the only
 * place mm touches control registers; host tests may replace it) and the
 * direct-map bound that mm/directmap.c checks in virt_to_phys.
 */
#ifndef TERN_MM_PAGING_H
#define TERN_MM_PAGING_H

#include "types.h"

/* CPUID leaf 0x80000001 EDX feature bits (Intel SDM Vol. 2A, CPUID). */
bool paging_cpu_has_nx(void);
bool paging_cpu_has_1g_pages(void);
/* Sets EFER.NXE (if nx) and CR0.WP so NX and read-only apply to ring 0. */
void paging_enable_protection(bool nx);
void paging_load_root(phys_addr_t pml4);
void paging_invalidate(uintptr_t va);

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
