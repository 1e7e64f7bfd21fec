/*
 * What every page-table entry encoder (include/arch/paging.h) must do,
 * checked through the interface only, so each architecture's host test
 * (test_pte_x86.c; an arm64 one links its own encoder) runs the same laws
 * and then checks its own bits.
 */
#ifndef TERN_PTE_LAWS_H
#define TERN_PTE_LAWS_H

#include "arch/paging.h"

/* Every VM_* combination the kernel makes (W^X holds: never W and X). */
extern const unsigned pte_law_prots[];
extern const unsigned pte_law_prot_count;

/* Leaves at levels 0-2 and tables at levels 1-3 round-trip their address
 * and protection, are present, and are leaves exactly where they should
 * be; the empty entry is not present. */
void check_pte_laws(void);

#endif
