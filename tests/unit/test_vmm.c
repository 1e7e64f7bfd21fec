/*
 * Host tests of the VMM (mm/vmm.c): the page tables it builds are real
 * memory in the fake physical arena, walked back with vmm_query; the CPU
 * (CR3, INVLPG, CPUID) and the kernel image layout are fakes
 * (tests/unit/seams/fake_mm_paging.c). Covers the W^X image with its guard
 * page, the direct map with 2 MiB / 1 GiB pages, map/unmap/protect with
 * rollback and TLB invalidation, ioremap regions and guarded stacks, and
 * lazy vmalloc ranges served by calling the fault path (vm_handle_fault)
 * as the CPU exception handler would: zero fill, the fault-around window,
 * guard pages, refusals on re-entry and out of memory, and vfree.
 */
#include <string.h>

#include "harness.h"
#include "mm.h"
#include "seams/fake_mm.h"
#include "seams/fake_mm_paging.h"
#include "seams/seams.h"

static struct boot_info bi;

static void boot(bool nx, bool one_gig)
{
	fake_mm_boot_default(&bi);
	pmm_init(&bi);
	fake_paging = (struct fake_paging){ .has_nx = nx, .has_1g = one_gig };
	seam_log_clear();
	vmm_init(&bi);
	kmalloc_init();
}

static bool mapped_as(uintptr_t va, phys_addr_t phys, uint64_t page_size, unsigned prot)
{
	struct vmm_mapping m;
	if (!vmm_query(va, &m))
		return false;
	if (m.phys != phys || m.page_size != page_size || m.prot != prot)
		fprintf(stderr, "  %#lx: phys %#llx size %#llx prot %#x\n", (unsigned long)va,
			(unsigned long long)m.phys, (unsigned long long)m.page_size, m.prot);
	return m.phys == phys && m.page_size == page_size && m.prot == prot;
}

static bool unmapped(uintptr_t va)
{
	struct vmm_mapping m;
	return !vmm_query(va, &m);
}

/* Free pages plus those the VMM and kmalloc keep: constant across any
 * sequence of calls that gives everything back. */
static uint64_t accounted_pages(void)
{
	struct kmalloc_stats ks;
	kmalloc_get_stats(&ks);
	return pmm_free_bytes() / PAGE_SIZE + vmm_page_table_pages() + ks.pages;
}

/* What the page mapped at va holds (host tests cannot dereference va). */
static uint64_t *through_mapping(const void *va)
{
	struct vmm_mapping m;
	return vmm_query((uintptr_t)va, &m) ? phys_to_virt(m.phys) : NULL;
}

#define RW (VM_READ | VM_WRITE)
#define RX (VM_READ | VM_EXEC)

/* Defined first so it runs before any test has called vmm_init. */
TEST(everything_is_refused_before_vmm_init)
{
	fake_mm_boot_default(&bi);
	pmm_init(&bi);
	uint64_t free_before = pmm_free_bytes();
	seam_log_clear();
	CHECK_EQ(vmm_map(VMAP_BASE, 0x200000, PAGE_SIZE, RW), VMM_EINVAL);
	CHECK(ioremap(0xfee00000, PAGE_SIZE) == NULL);
	CHECK(vmm_alloc_stack(PAGE_SIZE) == NULL);
	CHECK(unmapped(0));
	CHECK(seam_log_contains("before vmm_init"));
	CHECK_EQ(pmm_free_bytes(), free_before); /* no page table was built */
}

TEST(kernel_image_is_wx_with_guard_page)
{
	boot(true, false);
	CHECK(fake_paging.root != 0 && fake_paging.protection_enabled);
	CHECK(mapped_as(FAKE_IMAGE_START, 0x100000, PAGE_SIZE, VM_READ));
	CHECK(mapped_as(FAKE_TEXT + 0x123, 0x101123, PAGE_SIZE, RX));
	CHECK(mapped_as(FAKE_RODATA - PAGE_SIZE, FAKE_RODATA - PAGE_SIZE - KERNEL_VMA, PAGE_SIZE, RX));
	CHECK(mapped_as(FAKE_RODATA, FAKE_RODATA - KERNEL_VMA, PAGE_SIZE, VM_READ));
	CHECK(mapped_as(FAKE_DATA, FAKE_DATA - KERNEL_VMA, PAGE_SIZE, RW));
	CHECK(unmapped(FAKE_GUARD) && vmm_is_guard_page(FAKE_GUARD + 5));
	CHECK(mapped_as(FAKE_GUARD + PAGE_SIZE, FAKE_GUARD + PAGE_SIZE - KERNEL_VMA, PAGE_SIZE, RW));
	CHECK(unmapped(FAKE_IMAGE_END));
	CHECK(unmapped(0) && unmapped(KERNEL_LMA)); /* NULL, old identity map */
	/* Page tables come from the PMM, tagged, and are all that was taken. */
	struct pmm_block blk;
	CHECK(pmm_lookup(fake_paging.root, &blk) && blk.owner == PMM_OWNER_PAGE_TABLE);
	struct pmm_info info;
	pmm_get_info(&info);
	CHECK_EQ(vmm_page_table_pages(), info.managed_pages - info.free_pages);
}

TEST(direct_map_covers_ram_with_large_nx_pages)
{
	boot(true, false);
	CHECK(mapped_as(DIRECT_MAP_BASE + 64 * MiB + 5, 64 * MiB + 5, 2 * MiB, RW));
	CHECK(mapped_as(DIRECT_MAP_BASE + 3 * GiB, 3 * GiB, 2 * MiB, RW)); /* boot contract */
	CHECK(mapped_as(DIRECT_MAP_BASE + 4 * GiB + 6 * MiB, 4 * GiB + 6 * MiB, 2 * MiB, RW));
	CHECK(unmapped(DIRECT_MAP_BASE + 4 * GiB + 8 * MiB));
	CHECK_EQ(fake_paging.direct_map_size, 4 * GiB + 8 * MiB);
	/* The alias of text and rodata is read-only, the rest stays writable. */
	CHECK(mapped_as(DIRECT_MAP_BASE + 0x101000, 0x101000, PAGE_SIZE, VM_READ));
	CHECK(mapped_as(DIRECT_MAP_BASE + FAKE_DATA - KERNEL_VMA, FAKE_DATA - KERNEL_VMA,
			PAGE_SIZE, RW));
	CHECK(mapped_as(DIRECT_MAP_BASE + 0x1ff000, 0x1ff000, PAGE_SIZE, RW));
}

TEST(one_gig_pages_when_the_cpu_has_them)
{
	boot(true, true);
	CHECK(mapped_as(DIRECT_MAP_BASE + 2 * GiB + 12345, 2 * GiB + 12345, GiB, RW));
	/* The first GiB was split around the kernel image: 2 MiB, then 4 KiB. */
	CHECK(mapped_as(DIRECT_MAP_BASE + 512 * MiB, 512 * MiB, 2 * MiB, RW));
	CHECK(mapped_as(DIRECT_MAP_BASE + 0x101000, 0x101000, PAGE_SIZE, VM_READ));
	/* High RAM that is not GiB-sized uses 2 MiB pages. */
	CHECK(mapped_as(DIRECT_MAP_BASE + 4 * GiB, 4 * GiB, 2 * MiB, RW));
}

TEST(without_nx_everything_is_executable_and_says_so)
{
	boot(false, false);
	CHECK(seam_log_contains("no NX"));
	CHECK(mapped_as(FAKE_DATA, FAKE_DATA - KERNEL_VMA, PAGE_SIZE, RW | VM_EXEC));
	CHECK(mapped_as(FAKE_TEXT, FAKE_TEXT - KERNEL_VMA, PAGE_SIZE, RX));
}

#define SCRATCH (VMAP_BASE + 4 * GiB)

TEST(map_unmap_protect_with_rollback_and_invalidation)
{
	boot(true, false);
	phys_addr_t p = alloc_pages(2, PHYS_LIMIT_ANY, 0);
	CHECK_EQ(vmm_map(SCRATCH, p, 4 * PAGE_SIZE, RW), 0);
	for (int i = 0; i < 4; i++)
		CHECK(mapped_as(SCRATCH + i * PAGE_SIZE, p + i * PAGE_SIZE, PAGE_SIZE, RW));
	/* Overlap: the page before maps, then the collision undoes it. */
	CHECK_EQ(vmm_map(SCRATCH - PAGE_SIZE, p, 2 * PAGE_SIZE, VM_READ), VMM_EEXIST);
	CHECK(unmapped(SCRATCH - PAGE_SIZE));
	CHECK(mapped_as(SCRATCH, p, PAGE_SIZE, RW));
	CHECK_EQ(vmm_map(SCRATCH + 100, p, PAGE_SIZE, RW), VMM_EINVAL);
	CHECK_EQ(vmm_map(SCRATCH + 8 * PAGE_SIZE, p, 0, RW), VMM_EINVAL);
	CHECK_EQ(vmm_map(SCRATCH + 8 * PAGE_SIZE, p, PAGE_SIZE, RW | VM_EXEC), VMM_EINVAL);
	CHECK(seam_log_contains("W^X"));

	uint64_t inv = fake_paging.invalidations;
	CHECK_EQ(vmm_protect(SCRATCH, 2 * PAGE_SIZE, VM_READ), 0);
	CHECK_EQ(fake_paging.invalidations, inv + 2);
	CHECK(mapped_as(SCRATCH + PAGE_SIZE, p + PAGE_SIZE, PAGE_SIZE, VM_READ));
	/* A hole in the range: refused before anything changes. */
	CHECK_EQ(vmm_protect(SCRATCH, 8 * PAGE_SIZE, VM_READ), VMM_ENOENT);
	CHECK(mapped_as(SCRATCH + 2 * PAGE_SIZE, p + 2 * PAGE_SIZE, PAGE_SIZE, RW));
	CHECK_EQ(vmm_protect(SCRATCH, PAGE_SIZE, RW | VM_EXEC), VMM_EINVAL);

	inv = fake_paging.invalidations;
	vmm_unmap(SCRATCH, 4 * PAGE_SIZE);
	CHECK_EQ(fake_paging.invalidations, inv + 4);
	CHECK_EQ(fake_paging.last_invalidated, SCRATCH + 3 * PAGE_SIZE);
	for (int i = 0; i < 4; i++)
		CHECK(unmapped(SCRATCH + i * PAGE_SIZE));
	/* Large pages are not split behind the caller's back. */
	seam_log_clear();
	vmm_unmap(DIRECT_MAP_BASE + 64 * MiB, PAGE_SIZE);
	CHECK(seam_log_contains("would split a large page"));
	CHECK(mapped_as(DIRECT_MAP_BASE + 64 * MiB, 64 * MiB, 2 * MiB, RW));
	free_pages(p, 2);
}

TEST(map_rolls_back_when_page_tables_run_out)
{
	static phys_addr_t pages[16384];
	unsigned n = 0;
	boot(true, false);
	phys_addr_t target = alloc_pages(1, PHYS_LIMIT_ANY, 0);
	while (n < ARRAY_SIZE(pages) && (pages[n] = alloc_pages(0, PHYS_LIMIT_ANY, 0)) != 0)
		n++;
	CHECK(n < ARRAY_SIZE(pages));
	/* Three pages: PDPT, PD and one PT; the range needs a second PT. */
	uintptr_t va = VMAP_BASE + 512 * GiB + 2 * MiB - PAGE_SIZE; /* fresh PML4 slot */
	for (int i = 0; i < 3; i++)
		free_pages(pages[--n], 0);
	seam_log_clear();
	CHECK_EQ(vmm_map(va, target, 2 * PAGE_SIZE, RW), VMM_ENOMEM);
	CHECK(seam_log_contains("out of memory for page tables"));
	CHECK(unmapped(va) && unmapped(va + PAGE_SIZE));
	while (n > 0)
		free_pages(pages[--n], 0);
	CHECK_EQ(vmm_map(va, target, 2 * PAGE_SIZE, RW), 0);
	CHECK(mapped_as(va + PAGE_SIZE, target + PAGE_SIZE, PAGE_SIZE, RW));
	vmm_unmap(va, 2 * PAGE_SIZE);
	free_pages(target, 1);
	CHECK(pmm_check());
}

TEST(ioremap_regions_are_uncached_guarded_and_reused)
{
	static void *maps[3000];
	boot(true, false);
	char *a = ioremap(0xfebf0010, 0x20);
	CHECK(a && ((uintptr_t)a & 0xfff) == 0x10);
	CHECK(mapped_as((uintptr_t)a, 0xfebf0010, PAGE_SIZE, RW | VM_UNCACHED));
	char *b = ioremap(0xfee00000, 3 * PAGE_SIZE);
	CHECK(b > a && unmapped((uintptr_t)b - PAGE_SIZE)); /* guard page */
	CHECK(vmm_is_guard_page((uintptr_t)b - 1));
	CHECK(mapped_as((uintptr_t)b + 2 * PAGE_SIZE, 0xfee02000, PAGE_SIZE, RW | VM_UNCACHED));
	iounmap(a);
	CHECK(unmapped((uintptr_t)a));
	char *c = ioremap(0x1234000, PAGE_SIZE);
	CHECK(c == a - 0x10); /* the freed slot is reused */
	seam_log_clear();
	iounmap((void *)0x1234);
	CHECK(seam_log_contains("not an ioremap address"));
	CHECK(ioremap(0x1000, 0) == NULL);

	for (unsigned n = 0; n < ARRAY_SIZE(maps); n++) { /* no fixed limit */
		maps[n] = ioremap(0xfd000000, PAGE_SIZE);
		CHECK(maps[n] && (n == 0 || unmapped((uintptr_t)maps[n] - PAGE_SIZE)));
	}
	for (unsigned n = ARRAY_SIZE(maps); n > 0; n--)
		iounmap(maps[n - 1]);
	iounmap(b + 5); /* any address inside the mapping */
	iounmap(c);
	CHECK(unmapped((uintptr_t)b));
	maps[0] = ioremap(0xfd000000, PAGE_SIZE);
	CHECK(maps[0] != NULL);
	iounmap(maps[0]);
}

TEST(stacks_have_a_guard_page_and_give_their_pages_back)
{
	boot(true, false);
	uint64_t before = accounted_pages();
	char *top = vmm_alloc_stack(3 * PAGE_SIZE + 100);
	CHECK(top != NULL && ((uintptr_t)top & (PAGE_SIZE - 1)) == 0);
	struct vmm_mapping m;
	for (int i = 1; i <= 4; i++)
		CHECK(vmm_query((uintptr_t)top - i * PAGE_SIZE, &m) && m.prot == RW);
	uintptr_t guard = (uintptr_t)top - 5 * PAGE_SIZE;
	CHECK(unmapped(guard) && vmm_is_guard_page(guard));
	/* The stack pages are zeroed, distinct frames. */
	CHECK(vmm_query((uintptr_t)top - PAGE_SIZE, &m));
	CHECK(((uint64_t *)phys_to_virt(m.phys))[7] == 0);
	seam_log_clear();
	vmm_free_stack(top - 8);
	CHECK(seam_log_contains("not the top of a kernel stack"));
	vmm_free_stack(top);
	CHECK(unmapped((uintptr_t)top - PAGE_SIZE));
	CHECK_EQ(accounted_pages(), before);
	CHECK(vmm_alloc_stack(0) == NULL);
}

/* --- lazy vmalloc ranges, faults served as the exception handler would --- */

static bool touch(void *va)
{
	struct vm_fault_report rep;
	return vm_handle_fault((uintptr_t)va, 0x1234, &rep) == VM_FAULT_MAPPED;
}

static unsigned mapped_pages(const char *base, unsigned pages)
{
	unsigned n = 0;
	for (unsigned i = 0; i < pages; i++)
		n += !unmapped((uintptr_t)base + i * PAGE_SIZE);
	return n;
}

TEST(lazy_pages_map_zeroed_at_first_touch_within_the_window)
{
	boot(true, false);
	uint64_t before = accounted_pages();
	vmalloc_set_fault_around(4);
	char *v = vmalloc(10 * PAGE_SIZE, 0);
	CHECK(v && mapped_pages(v, 10) == 0);
	CHECK(touch(v + 5 * PAGE_SIZE + 7));
	CHECK(mapped_pages(v, 4) == 0 && mapped_pages(v + 4 * PAGE_SIZE, 4) == 4);
	CHECK(through_mapping(v + 5 * PAGE_SIZE)[3] == 0);
	CHECK(touch(v + 9 * PAGE_SIZE)); /* window 8..11 clipped to the range */
	CHECK(mapped_pages(v, 10) == 6 && unmapped((uintptr_t)v + 10 * PAGE_SIZE));
	struct vmalloc_stats st;
	vmalloc_get_stats(&st);
	CHECK_EQ(st.lazy_mapped, 6);
	CHECK_EQ(st.lazy_pages, 10);
	vfree(v);
	CHECK(mapped_pages(v, 10) == 0);
	CHECK_EQ(accounted_pages(), before);
	vmalloc_set_fault_around(16);
}

TEST(guard_pages_other_kinds_and_freed_ranges_are_not_served)
{
	boot(true, false);
	char *v = vmalloc(PAGE_SIZE, 0);
	char *io = ioremap(0xfd000000, PAGE_SIZE);
	CHECK(!touch(v - 1));                    /* its guard page */
	CHECK(!touch(io + PAGE_SIZE));           /* past the ioremap, not lazy */
	CHECK(!touch((char *)VMAP_BASE + 512 * GiB)); /* never reserved */
	vfree(v);
	CHECK(!touch(v));                        /* freed */
	seam_log_clear();
	vfree(v);
	CHECK(seam_log_contains("not the start of a vmalloc range"));
	CHECK(!touch((char *)DIRECT_MAP_BASE));
	iounmap(io);
}

TEST(eager_ranges_are_mapped_and_zeroed_up_front)
{
	boot(true, false);
	char *v = vmalloc(3 * PAGE_SIZE + 1, VM_EAGER);
	CHECK(v && mapped_pages(v, 4) == 4);
	CHECK(mapped_as((uintptr_t)v + 3 * PAGE_SIZE, virt_to_phys(through_mapping(v + 3 * PAGE_SIZE)),
			PAGE_SIZE, RW));
	CHECK(through_mapping(v + 3 * PAGE_SIZE)[100] == 0);
	vfree(v);
	CHECK(mapped_pages(v, 4) == 0);
}

TEST(a_fault_inside_the_allocator_or_the_fault_path_is_refused)
{
	boot(true, false);
	char *v = vmalloc(PAGE_SIZE, 0);
	struct vm_fault_report rep;
	const void *site = (const void *)0xabc;
	const void *outer = mm_allocator_enter(site);
	CHECK(vm_handle_fault((uintptr_t)v, 0x1234, &rep) == VM_FAULT_REENTERED);
	CHECK(rep.allocator_site == site && rep.outer_rip == 0 && rep.rip == 0x1234);
	mm_allocator_leave(outer);
	vm_fault_path_enter((uintptr_t)v, 0x5678);
	CHECK(vm_handle_fault((uintptr_t)v, 0x1234, &rep) == VM_FAULT_REENTERED);
	CHECK(rep.outer_rip == 0x5678 && rep.outer_addr == (uintptr_t)v);
	vm_fault_abandon();
	CHECK(unmapped((uintptr_t)v) && touch(v));
	vfree(v);
}

TEST(out_of_memory_in_a_fault_names_the_range)
{
	boot(true, false);
	char *v = vmalloc(4 * PAGE_SIZE, 0);
	phys_addr_t held[20000];
	unsigned n = 0;
	while (n < ARRAY_SIZE(held) && (held[n] = alloc_pages(0, PHYS_LIMIT_ANY, 0)) != 0)
		n++;
	CHECK(n < ARRAY_SIZE(held));
	struct vm_fault_report rep;
	CHECK(vm_handle_fault((uintptr_t)v + PAGE_SIZE, 0, &rep) == VM_FAULT_OOM);
	CHECK(rep.range_start == (uintptr_t)v && rep.range_pages == 4);
	CHECK(unmapped((uintptr_t)v + PAGE_SIZE));
	free_pages(held[--n], 0); /* one page: the faulting one, not its neighbours */
	CHECK(touch(v + PAGE_SIZE) && mapped_pages(v, 4) == 1);
	while (n > 0)
		free_pages(held[--n], 0);
	vfree(v);
	CHECK(pmm_check());
}
