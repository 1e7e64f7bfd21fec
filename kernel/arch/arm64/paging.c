/*
 * arm64 page-table entries and translation control for mm/vmm.c
 * (include/arch/paging.h; ARM ARM D8.3 descriptor formats, 4 KiB granule).
 * Tern's level 0 is the ARM level 3 page, levels 1 and 2 are ARM level 2
 * and 1 blocks, level 3 the ARM level 0 root. Every leaf sets the access
 * flag (else the first access faults), inner-shareable for Normal memory
 * and AttrIndx into the MAIR_EL1 boot.S programs: 0 Normal write-back, 1
 * Device-nGnRE. Read-only is AP[2]; AP[1] = 0 keeps EL0 out; no execute is
 * PXN, and UXN is always set. The kernel's tables hang off TTBR1_EL1.
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

bool paging_has_1g_blocks(void) { return true; }

/* PXN and AP[2] always apply at EL1: nothing to turn on. */
bool paging_enable_protection(void) { return true; }

void paging_load_root(phys_addr_t root)
{
	__asm__ volatile("dsb ishst; msr ttbr1_el1, %0; isb; tlbi vmalle1is; dsb ish; isb"
			 : : "r"(root) : "memory");
}

void paging_sync(void) { __asm__ volatile("dsb ishst; isb" ::: "memory"); }

void paging_invalidate(uintptr_t va)
{
	__asm__ volatile("dsb ishst; tlbi vaae1is, %0; dsb ish; isb"
			 : : "r"((va >> 12) & ((1ull << 44) - 1)) : "memory");
}

/* The boot identity map (boot.S) served the device registers until they
 * were ioremapped: from now on the lower half faults, NULL included. */
void arm64_drop_identity_map(void)
{
	uint64_t tcr;

	__asm__ volatile("mrs %0, tcr_el1" : "=r"(tcr));
	tcr |= 1ull << 7; /* EPD0: no walks through TTBR0 */
	__asm__ volatile("msr tcr_el1, %0; isb; msr ttbr0_el1, xzr; isb; tlbi vmalle1is; dsb ish; isb"
			 : : "r"(tcr) : "memory");
}
