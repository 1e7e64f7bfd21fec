/*
 * arm64 translation control for mm/vmm.c (include/arch/paging.h): the
 * kernel's tables hang off TTBR1_EL1; TLB maintenance is TLBI by VA for
 * all ASIDs, inner shareable, between DSBs (ARM ARM D8.13). The boot
 * identity map in TTBR0 is dropped once the devices are ioremapped.
 */
#include "arch/paging.h"
#include "arm64.h"

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
