/*
 * arm64 page-table entry encoding for mm/vmm.c
 * (include/arch/paging.h; ARM ARM D8.3 descriptor formats, 4 KiB granule).
 * Tern's level 0 is the ARM level 3 page, levels 1 and 2 are ARM level 2
 * and 1 blocks, level 3 the ARM level 0 root. Every leaf sets the access
 * flag (else the first access faults), inner-shareable for Normal memory
 * and AttrIndx into the MAIR_EL1 boot.S programs: 0 Normal write-back, 1
 * Device-nGnRE. Read-only is AP[2]; AP[1] = 0 keeps EL0 out; no execute is
 * PXN, and UXN is always set. Pure bit manipulation.
 */
#include "arch/paging.h"
#include "arm64.h"
#include "mm.h"

#define DESC_VALID (1ull << 0)
#define DESC_TABLE_OR_PAGE (1ull << 1)  /* 0 at levels 1-2: a block */
#define ATTR_DEVICE (1ull << 2)          /* AttrIndx = 1 */
#define ATTR_MASK (7ull << 2)
#define AP_READ_ONLY (1ull << 7)
#define SH_INNER (3ull << 8)
#define AF (1ull << 10)
#define PXN (1ull << 53)
#define UXN (1ull << 54)

pte_t pte_table(phys_addr_t table)
{
	return (table & ARM64_DESC_ADDR_MASK) | DESC_VALID | DESC_TABLE_OR_PAGE;
}

pte_t pte_leaf(phys_addr_t phys, unsigned prot, unsigned level)
{
	pte_t e = (phys & ARM64_DESC_ADDR_MASK) | DESC_VALID | AF | UXN;

	e |= level == 0 ? DESC_TABLE_OR_PAGE : 0;
	e |= prot & VM_UNCACHED ? ATTR_DEVICE : SH_INNER;
	e |= prot & VM_WRITE ? 0 : AP_READ_ONLY;
	e |= prot & VM_EXEC ? 0 : PXN;
	return e;
}

bool pte_present(pte_t e) { return e & DESC_VALID; }

bool pte_is_leaf(pte_t e, unsigned level)
{
	return level == 0 || (level <= 2 && !(e & DESC_TABLE_OR_PAGE));
}

phys_addr_t pte_phys(pte_t e) { return e & ARM64_DESC_ADDR_MASK; }

unsigned pte_prot(pte_t e)
{
	return VM_READ | (e & AP_READ_ONLY ? 0 : VM_WRITE) | (e & PXN ? 0 : VM_EXEC) |
	       ((e & ATTR_MASK) == ATTR_DEVICE ? VM_UNCACHED : 0);
}
