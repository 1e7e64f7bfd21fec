/*
 * x86-64 page-table entry bits (Intel SDM Vol. 3A, Tables 4-15 to 4-20),
 * shared by the encoder (pte.c) and the paging control (paging_hw.c).
 */
#ifndef TERN_X86_PTE_H
#define TERN_X86_PTE_H

#include "types.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7) /* in a PDPTE/PDE: maps 1 GiB / 2 MiB */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Whether pte_leaf may set NX: the bit is reserved (a fault) on CPUs
 * without it. Set by paging_enable_protection; on by default. */
void pte_use_nx(bool on);

#endif
