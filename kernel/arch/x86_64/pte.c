/*
 * x86-64 page-table entry encoding for mm/vmm.c (include/arch/paging.h).
 * Pure bit manipulation, so host unit tests link it as it is. Uncached
 * memory uses PCD|PWT, which selects PAT entry 3 (uncached with the reset
 * PAT); no execute is NX, left out on CPUs that lack the bit.
 */
#include "arch/paging.h"
#include "mm.h"
#include "pte.h"

static uint64_t nx_bit = PTE_NX;

void pte_use_nx(bool on) { nx_bit = on ? PTE_NX : 0; }

/* Permissive: the leaf entry decides what an access may do. */
pte_t pte_table(phys_addr_t table) { return (table & PTE_ADDR) | PTE_P | PTE_W; }

pte_t pte_leaf(phys_addr_t phys, unsigned prot, unsigned level)
{
	return (phys & PTE_ADDR) | PTE_P | (level > 0 ? PTE_PS : 0) |
	       (prot & VM_WRITE ? PTE_W : 0) | (prot & VM_EXEC ? 0 : nx_bit) |
	       (prot & VM_UNCACHED ? PTE_PCD | PTE_PWT : 0);
}

bool pte_present(pte_t e) { return e & PTE_P; }

bool pte_is_leaf(pte_t e, unsigned level) { return level == 0 || (level <= 2 && (e & PTE_PS)); }

phys_addr_t pte_phys(pte_t e) { return e & PTE_ADDR; }

unsigned pte_prot(pte_t e)
{
	return VM_READ | (e & PTE_W ? VM_WRITE : 0) | (e & nx_bit ? 0 : VM_EXEC) |
	       (e & PTE_PCD ? VM_UNCACHED : 0);
}
