/*
 * Page-table entries and translation control: what each architecture
 * provides so that mm/vmm.c builds and walks page tables without knowing
 * the entry format (x86: kernel/arch/x86_64/pte.c and paging_hw.c).
 *
 * The shape is common to x86-64 and arm64 (4 KiB granule, 48-bit VAs):
 * four levels of 512 eight-byte entries. Level 3 is the root; level 0
 * entries map 4 KiB pages; level 1 and level 2 entries either point to
 * the next table or map a 2 MiB or 1 GiB block (x86 "large page"). An
 * all-zero entry is empty on every architecture. Whether an entry maps
 * memory can depend on its level (arm64: a table entry and a page entry
 * share the same type bits), so the level is passed where it matters.
 * Encoders set whatever the architecture needs for a usable mapping (x86:
 * present; arm64: access flag, shareability, AttrIndx) from VM_* bits.
 */
#ifndef TERN_ARCH_PAGING_H
#define TERN_ARCH_PAGING_H

#include "types.h"

typedef uint64_t pte_t;

#define PT_ROOT_LEVEL 3
#define PT_ENTRIES 512u

/* An entry at level 1..3 pointing to the next-level table at phys. */
pte_t pte_table(phys_addr_t table);
/* An entry mapping phys with VM_* prot (mm.h): a 4 KiB page at level 0, a
 * block at levels 1 and 2. phys is aligned to the size mapped. No VM_EXEC
 * means not executable (x86 NX; arm64 PXN and UXN); VM_UNCACHED means
 * device memory (x86 PCD|PWT; arm64 Device-nGnRE), else normal
 * write-back memory. Kernel-only: user mode gets no access. */
pte_t pte_leaf(phys_addr_t phys, unsigned prot, unsigned level);
/* The entry is not empty: it maps memory or points to a table. */
bool pte_present(pte_t e);
/* A present entry at `level` maps memory (true at level 0) rather than
 * pointing to a table. */
bool pte_is_leaf(pte_t e, unsigned level);
/* The table a table entry points to, or the first byte a leaf maps. */
phys_addr_t pte_phys(pte_t e);
/* The VM_* bits a leaf was made with (VM_READ always set). */
unsigned pte_prot(pte_t e);

/* The CPU can map 1 GiB blocks at level 2 (x86: CPUID PDPE1GB; arm64:
 * always with a 4 KiB granule). */
bool paging_has_1g_blocks(void);
/*
 * Turns on what the encoding relies on before the kernel's tables go
 * live (x86: EFER.NXE if the CPU has NX, CR0.WP so ring 0 honours
 * read-only). Returns false if the CPU cannot refuse execution; pte_leaf
 * then ignores the missing VM_EXEC and data stays executable.
 */
bool paging_enable_protection(void);
/* Switches the kernel half of the address space to the table at root
 * (x86: CR3; arm64: TTBR1_EL1) and flushes the TLB. */
void paging_load_root(phys_addr_t root);
/* After new entries were stored where none were (empty → present): makes
 * the stores visible to the table walker (x86: nothing; arm64: DSB ISHST
 * and ISB). */
void paging_sync(void);
/* After a present entry for va was cleared or changed: the store made
 * visible and va's TLB entry dropped (x86: INVLPG; arm64: DSB, TLBI VAAE1IS,
 * DSB, ISB). Replacing a present block by a table needs the entry cleared
 * and invalidated first (break-before-make); mm/vmm.c does that. */
void paging_invalidate(uintptr_t va);

#endif
