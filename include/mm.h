/*
 * Physical and virtual memory: the buddy page allocator (PMM), the kernel's
 * page tables (VMM) and kmalloc. All in mm/.
 */
#ifndef TERN_MM_H
#define TERN_MM_H

#include "bootinfo.h"
#include "layout.h"
#include "types.h"

/* --- PMM ------------------------------------------------------------- */
#define PMM_MAX_ORDER 10          /* 2^10 pages = 4 MiB blocks */
#define PHYS_LIMIT_ISA (16 * MiB - 1)
#define PHYS_LIMIT_DMA32 (4 * GiB - 1)
#define PHYS_LIMIT_ANY UINT64_MAX
#define PMM_ZERO 1u               /* zero the block before returning it */

/* Builds the allocator from the boot memory map. */
void pmm_init(const struct boot_info *bi);
/* Allocates 2^order contiguous pages, naturally aligned, whose last byte is
 * at or below max_phys. Returns the physical address, 0 on failure (frame 0
 * is never handed out). */
phys_addr_t alloc_pages(unsigned order, phys_addr_t max_phys, unsigned flags);
/* Frees a block from alloc_pages; double or bogus frees are refused and
 * reported. */
void free_pages(phys_addr_t phys, unsigned order);
uint64_t pmm_free_bytes(void);

/* --- direct map (seam: host tests map these onto an arena) ------------ */
void *phys_to_virt(phys_addr_t phys);
phys_addr_t virt_to_phys(const void *virt);

/* --- VMM ------------------------------------------------------------- */
#define VM_READ 0x1u
#define VM_WRITE 0x2u
#define VM_EXEC 0x4u
#define VM_UNCACHED 0x8u

void vmm_init(const struct boot_info *bi);
int vmm_map(uintptr_t va, phys_addr_t pa, size_t len, unsigned prot);
void vmm_unmap(uintptr_t va, size_t len);
int vmm_protect(uintptr_t va, size_t len, unsigned prot);
/* Maps MMIO uncached into the vmap area; NULL on failure. */
void *ioremap(phys_addr_t phys, size_t len);
void iounmap(void *virt);

/* --- kmalloc --------------------------------------------------------- */
void kmalloc_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *ptr);

#endif
