/*
 * x86-64 paging control for mm/vmm.c (include/arch/paging.h): CPUID
 * feature bits, EFER/CR0 protection bits, CR3 loads and INVLPG, as tiny
 * inline-asm functions (Intel SDM Vol. 3A ch. 4 "Paging"; EFER is MSR
 * 0xC0000080, NXE is bit 11; CR0.WP is bit 16).
 */
#include "arch/paging.h"
#include "pte.h"

#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EDX_NX (1u << 20)
#define CPUID_EDX_PAGE1GB (1u << 26)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)
#define CR0_WP (1ull << 16)

static uint32_t ext_features_edx(void)
{
	uint32_t eax = 0x80000000u, ebx, ecx, edx;
	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	if (eax < CPUID_EXT_FEATURES)
		return 0;
	eax = CPUID_EXT_FEATURES;
	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	return edx;
}

bool paging_has_1g_blocks(void) { return ext_features_edx() & CPUID_EDX_PAGE1GB; }

static void enable_nx(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	uint64_t efer = ((uint64_t)hi << 32 | lo) | EFER_NXE;
	__asm__ volatile("wrmsr" ::"c"(MSR_EFER), "a"((uint32_t)efer),
			 "d"((uint32_t)(efer >> 32)));
}

bool paging_enable_protection(void)
{
	bool nx = ext_features_edx() & CPUID_EDX_NX;
	if (nx)
		enable_nx();
	pte_use_nx(nx);
	uint64_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | CR0_WP) : "memory");
	return nx;
}

void paging_load_root(phys_addr_t root)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(root) : "memory");
}

/* x86 walks see stores in program order and never cache empty entries. */
void paging_sync(void) {}

void paging_invalidate(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}
