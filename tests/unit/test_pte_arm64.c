/*
 * The arm64 page-table entry encoder (kernel/arch/arm64/pte.c): the laws
 * every encoder obeys (pte_laws.c), then the descriptor bits the ARM ARM
 * prescribes (D8.3, 4 KiB granule), written out here independently of the
 * encoder: valid, table/page vs block, AttrIndx, AP[2], SH, AF, PXN, UXN.
 */
#include "harness.h"
#include "mm.h"
#include "pte_laws.h"

#define VALID (1ull << 0)
#define TABLE_OR_PAGE (1ull << 1)
#define ATTR_DEVICE (1ull << 2) /* AttrIndx 1: MAIR Device-nGnRE */
#define AP_RO (1ull << 7)
#define SH_INNER (3ull << 8)
#define AF (1ull << 10)
#define PXN (1ull << 53)
#define UXN (1ull << 54)

TEST(encoder_obeys_the_laws)
{
	check_pte_laws();
}

TEST(page_bits_follow_the_arm_arm)
{
	const uint64_t page = VALID | TABLE_OR_PAGE | AF | UXN;

	CHECK_EQ(pte_leaf(0x5000, VM_READ, 0), 0x5000 | page | SH_INNER | AP_RO | PXN);
	CHECK_EQ(pte_leaf(0x5000, VM_READ | VM_WRITE, 0), 0x5000 | page | SH_INNER | PXN);
	CHECK_EQ(pte_leaf(0x5000, VM_READ | VM_EXEC, 0), 0x5000 | page | SH_INNER | AP_RO);
	CHECK_EQ(pte_leaf(0x5000, VM_READ | VM_WRITE | VM_UNCACHED, 0),
		 0x5000 | page | ATTR_DEVICE | PXN);
}

TEST(blocks_have_no_table_bit_at_levels_1_and_2)
{
	const uint64_t block = VALID | AF | UXN | SH_INNER | PXN;

	CHECK_EQ(pte_leaf(0x200000, VM_READ | VM_WRITE, 1), 0x200000 | block);
	CHECK_EQ(pte_leaf(0x40000000, VM_READ, 2), 0x40000000 | block | AP_RO);
	CHECK(pte_is_leaf(0x40000000 | VALID, 2));
	CHECK(!pte_is_leaf(0x7000 | VALID | TABLE_OR_PAGE, 2));
	CHECK(pte_is_leaf(0x7000 | VALID | TABLE_OR_PAGE, 0)); /* a page */
}

TEST(tables_are_valid_table_descriptors)
{
	CHECK_EQ(pte_table(0x7000), 0x7000 | VALID | TABLE_OR_PAGE);
	CHECK(!pte_is_leaf(pte_table(0x7000), 3));
	CHECK(!pte_present(0));
}

TEST(device_memory_is_never_executable)
{
	CHECK(pte_leaf(0x9000000, VM_READ | VM_WRITE | VM_UNCACHED, 0) & PXN);
	CHECK_EQ(pte_prot(pte_leaf(0x9000000, VM_READ | VM_UNCACHED, 0)),
		 VM_READ | VM_UNCACHED);
}
