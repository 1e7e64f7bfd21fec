/*
 * The x86-64 page-table entry encoder (kernel/arch/x86_64/pte.c): the laws
 * every encoder obeys (pte_laws.c), then the bits the SDM prescribes
 * (Vol. 3A Tables 4-15 to 4-20): present, writable, PS on blocks, NX
 * unless executable, PCD|PWT for uncached, and no NX at all on a CPU
 * without it.
 */
#include "harness.h"
#include "mm.h"
#include "pte.h"
#include "pte_laws.h"

TEST(encoder_obeys_the_laws_with_nx)
{
	pte_use_nx(true);
	check_pte_laws();
}

TEST(encoder_obeys_the_laws_without_nx_except_exec)
{
	pte_use_nx(false);
	for (unsigned p = 0; p < pte_law_prot_count; p++)
		CHECK_EQ(pte_prot(pte_leaf(0x5000, pte_law_prots[p], 0)),
			 pte_law_prots[p] | VM_EXEC);
	pte_use_nx(true);
}

TEST(leaf_bits_follow_the_sdm)
{
	pte_use_nx(true);
	CHECK_EQ(pte_leaf(0x5000, VM_READ, 0), 0x5000 | PTE_P | PTE_NX);
	CHECK_EQ(pte_leaf(0x5000, VM_READ | VM_WRITE, 0), 0x5000 | PTE_P | PTE_W | PTE_NX);
	CHECK_EQ(pte_leaf(0x5000, VM_READ | VM_EXEC, 0), 0x5000 | PTE_P);
	CHECK_EQ(pte_leaf(0x5000, VM_READ | VM_WRITE | VM_UNCACHED, 0),
		 0x5000 | PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT);
	CHECK_EQ(pte_leaf(0x200000, VM_READ | VM_WRITE, 1),
		 0x200000 | PTE_P | PTE_W | PTE_PS | PTE_NX);
	CHECK_EQ(pte_leaf(0x40000000, VM_READ, 2), 0x40000000 | PTE_P | PTE_PS | PTE_NX);
}

TEST(no_nx_cpu_never_gets_the_reserved_bit)
{
	pte_use_nx(false);
	CHECK_EQ(pte_leaf(0x5000, VM_READ, 0), 0x5000 | PTE_P);
	pte_use_nx(true);
}

TEST(table_entries_are_permissive_and_large_bit_decides_leaves)
{
	CHECK_EQ(pte_table(0x7000), 0x7000 | PTE_P | PTE_W);
	CHECK(!pte_is_leaf(0x7000 | PTE_P | PTE_PS, 3)); /* PS is reserved in a PML4E */
	CHECK(pte_is_leaf(0x7000 | PTE_P | PTE_PS, 2));
	CHECK(pte_is_leaf(0x7000 | PTE_P, 0));
}
