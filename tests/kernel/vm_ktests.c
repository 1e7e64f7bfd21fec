/*
 * In-kernel tests of lazy kernel memory (mm/vmalloc.c) on the real MMU,
 * where a first touch is a real page fault: the page is zero even when its
 * frame was dirtied and freed just before; fault-around maps exactly its
 * window and never past the range; a fault inside the allocator or inside
 * the fault path is reported once and execution resumes, instead of a
 * loop; out of memory in a fault is reported with its range; and the vmap
 * area holds thousands of ioremap windows and stacks at once.
 */
#include "arch.h"
#include "kstring.h"
#include "ktest.h"
#include "mm.h"

#define DIRTY 0xa5

static bool is_mapped(const void *va)
{
	struct vmm_mapping m;
	return vmm_query((uintptr_t)va, &m);
}

static bool page_is_zero(const uint8_t *page)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		if (page[i])
			return false;
	return true;
}

/* Free pages plus what the VMM and kmalloc keep (page tables, slabs). */
static uint64_t accounted_pages(void)
{
	struct kmalloc_stats ks;
	kmalloc_trim();
	kmalloc_get_stats(&ks);
	return pmm_free_bytes() / PAGE_SIZE + vmm_page_table_pages() + ks.pages;
}

KTEST(vm_first_touch_is_zero_even_over_dirtied_frames)
{
	enum { N = 32 };
	static phys_addr_t dirty[N];
	for (int i = 0; i < N; i++) {
		dirty[i] = alloc_pages(0, PHYS_LIMIT_ANY, 0);
		KT_ASSERT(dirty[i]);
		memset(phys_to_virt(dirty[i]), DIRTY, PAGE_SIZE);
	}
	for (int i = N - 1; i >= 0; i--)
		free_pages(dirty[i], 0);
	unsigned window = vmalloc_fault_around(), zero = 0, reused = 0;
	vmalloc_set_fault_around(1);
	uint8_t *v = vmalloc(N * PAGE_SIZE, 0);
	for (int i = 0; v && i < N; i++) {
		zero += page_is_zero(v + i * PAGE_SIZE); /* the read faults the page in */
		struct vmm_mapping m;
		for (int j = 0; j < N && vmm_query((uintptr_t)v + i * PAGE_SIZE, &m); j++)
			reused += m.phys == dirty[j];
	}
	vmalloc_set_fault_around(window);
	vfree(v);
	KT_ASSERT(v != NULL);
	KT_ASSERT(zero == N);
	KT_ASSERT(reused > 0); /* the test really met dirty frames */
	return NULL;
}

static unsigned mapped_in(const uint8_t *v, unsigned first, unsigned end)
{
	unsigned n = 0;
	for (unsigned i = first; i < end; i++)
		n += is_mapped(v + i * PAGE_SIZE);
	return n;
}

KTEST(vm_fault_around_maps_exactly_the_window)
{
	unsigned window = vmalloc_fault_around();
	vmalloc_set_fault_around(4);
	volatile uint8_t *v = vmalloc(10 * PAGE_SIZE, 0);
	KT_ASSERT(v != NULL);
	v[5 * PAGE_SIZE] = 1; /* window [4, 8) */
	bool first = mapped_in((uint8_t *)v, 0, 4) == 0 && mapped_in((uint8_t *)v, 4, 8) == 4 &&
		     mapped_in((uint8_t *)v, 8, 10) == 0;
	v[9 * PAGE_SIZE] = 1; /* window [8, 12) clipped to the range's 10 pages */
	bool clipped = mapped_in((uint8_t *)v, 8, 10) == 2 && !is_mapped((uint8_t *)v + 10 * PAGE_SIZE);
	vmalloc_set_fault_around(16);
	volatile uint8_t *w = vmalloc(3 * PAGE_SIZE, 0);
	w[PAGE_SIZE] = 1;
	bool small = mapped_in((uint8_t *)w, 0, 3) == 3 && !is_mapped((uint8_t *)w + 3 * PAGE_SIZE) &&
		     !is_mapped((uint8_t *)w - PAGE_SIZE);
	vmalloc_set_fault_around(window);
	vfree((void *)v);
	vfree((void *)w);
	KT_ASSERT(first);
	KT_ASSERT(clipped);
	KT_ASSERT(small);
	KT_ASSERT(!vmalloc_set_fault_around(0) && !vmalloc_set_fault_around(VM_FAULT_AROUND_MAX + 1));
	return NULL;
}

struct rehearsal {
	volatile uint8_t *lazy;
	bool in_fault_path;
};

/* Plays a broken allocator: while "inside" it (and, optionally, inside the
 * fault path serving another fault), it touches a lazy page. */
static void touch_inside_allocator(void *arg)
{
	struct rehearsal *r = arg;
	if (r->in_fault_path)
		vm_fault_path_enter((uintptr_t)r->lazy + PAGE_SIZE, (uintptr_t)touch_inside_allocator);
	mm_allocator_enter((const void *)touch_inside_allocator);
	r->lazy[0] = 1;
}

static const char *rehearse_reentry(bool in_fault_path)
{
	struct rehearsal r = { vmalloc(2 * PAGE_SIZE, 0), in_fault_path };
	struct fault_info f = { 0 };
	struct vm_fault_report rep;
	KT_ASSERT(r.lazy != NULL);
	bool completed = arch_try(touch_inside_allocator, &r, &f);
	vm_last_refusal(&rep);
	bool markers_cleared = mm_allocator_entered_from == NULL;
	bool untouched = !is_mapped((const void *)r.lazy);
	r.lazy[0] = 2; /* and outside the allocator the same page is served */
	bool served = r.lazy[0] == 2;
	vfree((void *)r.lazy);
	KT_ASSERT(!completed && f.kind == FAULT_PAGE && f.fault_addr == (uintptr_t)r.lazy);
	KT_ASSERT(rep.addr == (uintptr_t)r.lazy);
	KT_ASSERT(rep.allocator_site == (const void *)touch_inside_allocator);
	KT_ASSERT(rep.outer_rip == (in_fault_path ? (uintptr_t)touch_inside_allocator : 0));
	KT_ASSERT(markers_cleared && untouched && served);
	return NULL;
}

KTEST(vm_fault_inside_the_allocator_is_reported_not_looped)
{
	return rehearse_reentry(false);
}

KTEST(vm_fault_inside_the_fault_path_is_reported_not_looped)
{
	return rehearse_reentry(true);
}

static void touch(void *addr) { *(volatile uint8_t *)addr = 1; }

/* Room for the blocks that hold all free memory: one per order per 4 MiB. */
#define HELD_MAX 8192

/* Takes every free block, largest first, recording each as its address
 * with the order in the low bits; returns how many. */
static unsigned take_all_memory(phys_addr_t *held)
{
	unsigned n = 0;
	for (unsigned order = PMM_MAX_ORDER + 1; order-- > 0;)
		while (n < HELD_MAX && (held[n] = alloc_pages(order, PHYS_LIMIT_ANY, 0)) != 0)
			held[n++] |= order;
	return n;
}

KTEST(vm_out_of_memory_in_a_fault_is_reported_with_its_range)
{
	uint8_t *v = vmalloc(4 * PAGE_SIZE, 0);
	phys_addr_t *held = vmalloc(HELD_MAX * sizeof(*held), VM_EAGER);
	struct fault_info f = { 0 };
	struct vm_fault_report rep;
	KT_ASSERT(v != NULL && held != NULL);
	unsigned n = take_all_memory(held);
	bool completed = arch_try(touch, v + 2 * PAGE_SIZE, &f);
	for (unsigned i = 0; i < n; i++)
		free_pages(held[i] & ~(PAGE_SIZE - 1), held[i] & (PAGE_SIZE - 1));
	vm_last_refusal(&rep);
	bool untouched = !is_mapped(v + 2 * PAGE_SIZE);
	vfree(v);
	vfree(held);
	KT_ASSERT(n < HELD_MAX);
	KT_ASSERT(!completed && f.kind == FAULT_PAGE);
	KT_ASSERT(rep.addr == (uintptr_t)v + 2 * PAGE_SIZE);
	KT_ASSERT(rep.range_start == (uintptr_t)v && rep.range_pages == 4);
	KT_ASSERT(untouched);
	return NULL;
}

KTEST(vm_thousands_of_ioremaps_and_stacks_at_once)
{
	enum { IO = 3000, STACKS = 1000 };
	static volatile uint32_t *io[IO];
	static uint64_t *stacks[STACKS];
	uint64_t before = accounted_pages();
	unsigned io_ok = 0, stacks_ok = 0, guards = 0;
	for (int i = 0; i < IO; i++)
		io_ok += (io[i] = ioremap(TEST_MMIO_PHYS, 0x20)) != NULL && io[i][0] == io[0][0];
	for (int i = 0; i < STACKS; i++) {
		stacks[i] = vmm_alloc_stack(2 * PAGE_SIZE);
		if (stacks[i]) {
			stacks[i][-1] = (uint64_t)i;
			guards += vmm_is_guard_page((uintptr_t)stacks[i] - 3 * PAGE_SIZE);
			stacks_ok++;
		}
	}
	struct vmap_totals t;
	vmap_get_totals(&t);
	for (int i = 0; i < STACKS; i++)
		stacks_ok -= stacks[i] && stacks[i][-1] != (uint64_t)i; /* none overlapped */
	for (int i = 0; i < STACKS; i++)
		vmm_free_stack(stacks[i]);
	for (int i = 0; i < IO; i++)
		iounmap((void *)io[i]);
	KT_ASSERT(io_ok == IO && stacks_ok == STACKS && guards == STACKS);
	KT_ASSERT(t.ranges >= IO + STACKS);
	KT_ASSERT(accounted_pages() == before);
	return NULL;
}
