/*
 * The architecture-independent laws of the page-table entry encoding
 * (see pte_laws.h), over addresses spread through a 48-bit physical space.
 */
#include "harness.h"
#include "mm.h"
#include "pte_laws.h"

const unsigned pte_law_prots[] = {
	VM_READ,
	VM_READ | VM_WRITE,
	VM_READ | VM_EXEC,
	VM_READ | VM_UNCACHED,
	VM_READ | VM_WRITE | VM_UNCACHED,
};
const unsigned pte_law_prot_count = sizeof(pte_law_prots) / sizeof(pte_law_prots[0]);

/* Bases aligned for a 1 GiB block, with high address bits set. */
static const phys_addr_t bases[] = { 0, 0x40000000ull, 0x3fc0000000ull, 0xffffc0000000ull };

static void check_leaf(phys_addr_t phys, unsigned prot, unsigned level)
{
	pte_t e = pte_leaf(phys, prot, level);
	CHECK(pte_present(e));
	CHECK(pte_is_leaf(e, level));
	CHECK_EQ(pte_phys(e), phys);
	CHECK_EQ(pte_prot(e), prot);
}

static void check_table(phys_addr_t phys, unsigned level)
{
	pte_t e = pte_table(phys);
	CHECK(pte_present(e));
	CHECK(!pte_is_leaf(e, level));
	CHECK_EQ(pte_phys(e), phys);
}

void check_pte_laws(void)
{
	CHECK(!pte_present(0));
	for (unsigned b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (unsigned level = 0; level <= 2; level++)
			for (unsigned p = 0; p < pte_law_prot_count; p++)
				check_leaf(bases[b] + (level == 0 ? 0x5000 : 0), pte_law_prots[p],
					   level);
		for (unsigned level = 1; level <= PT_ROOT_LEVEL; level++)
			check_table(bases[b] + 0x7000, level);
	}
}
