/*
 * The direct map seam: physical memory is mapped at DIRECT_MAP_BASE, so
 * phys_to_virt is a constant offset. virt_to_phys also accepts kernel-image
 * addresses (statics) and refuses anything else. Host tests link
 * tests/unit/seams/fake_mm.c instead of this file.
 */
#include "mm.h"
#include "paging.h"

/* The boot page tables map the first 4 GiB; vmm_init widens this. */
static uint64_t direct_map_size = BOOT_DIRECT_MAP_BYTES;

void directmap_set_size(uint64_t bytes) { direct_map_size = bytes; }

void *phys_to_virt(phys_addr_t phys) { return (void *)(uintptr_t)(phys + DIRECT_MAP_BASE); }

phys_addr_t virt_to_phys(const void *virt)
{
	uintptr_t v = (uintptr_t)virt;
	if (v >= (uintptr_t)_kernel_start && v < (uintptr_t)_kernel_end)
		return v - KERNEL_VMA;
	if (v >= DIRECT_MAP_BASE && v - DIRECT_MAP_BASE < direct_map_size)
		return v - DIRECT_MAP_BASE;
	return PHYS_INVALID;
}
