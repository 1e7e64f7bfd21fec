/*
 * Lazy kernel memory. vmalloc reserves a range of the vmap area and, unless
 * VM_EAGER, maps nothing: the first access to a page faults, and the fault
 * path maps a zeroed PMM page there together with the other pages of its
 * fault-around window (anticipatory paging: one trap serves a sequential
 * walk's next few pages).
 *
 * The trap of demand paging is a fault path that needs what faulted: the
 * handler asks an allocator for memory, the allocator maps memory, mapping
 * needs a page table, taking one faults, and so on forever. Here the fault
 * path cannot recurse, by construction:
 *   - the page comes from the PMM, which lives in the direct map;
 *   - no page table is taken during a fault: vmalloc builds every table
 *     its range will need before it returns, outside fault context (tables
 *     are never freed, so they stay), and the fault path only writes
 *     leaf entries;
 *   - the PMM and the page-table code run with the "in the allocator"
 *     marker set, the fault path with its own marker; a fault while either
 *     is set is refused and reported naming both sites, never retried.
 * Out of memory during a fault is refused with the address and the range.
 * docs/mm.md ("Two models") sets this beside the direct map.
 */
#include "printk.h"
#include "vmap.h"

#define FAULT_AROUND_DEFAULT 16

static volatile uintptr_t fault_path_addr, fault_path_rip;
static unsigned fault_around = FAULT_AROUND_DEFAULT;
static struct vm_fault_report last_refusal;
static struct {
	uint64_t faults, around_pages, reentries, ooms;
} counts;

static bool build_tables_locked(struct vmap_region *r, const void *unused)
{
	return vmm_build_tables_locked(vmap_first_page(r), r->range.pages * PAGE_SIZE);
}

void *vmalloc(size_t size, unsigned flags)
{
	uint64_t pages = ALIGN_UP((uint64_t)size, PAGE_SIZE) / PAGE_SIZE;
	if (flags & VM_EAGER)
		return (void *)vmap_create(VMAP_EAGER, pages, "vmalloc", vmap_map_all_locked, NULL);
	return (void *)vmap_create(VMAP_LAZY, pages, "vmalloc", build_tables_locked, NULL);
}

static bool is_vmalloc_start(const struct vmap_region *r, uintptr_t va)
{
	return (r->kind == VMAP_LAZY || r->kind == VMAP_EAGER) && vmap_first_page(r) == va;
}

void vfree(void *addr)
{
	if (!vmap_destroy((uintptr_t)addr, (uintptr_t)addr, is_vmalloc_start))
		pr_err("vfree(%p): not the start of a vmalloc range; ignored\n", addr);
}

bool vmalloc_set_fault_around(unsigned pages)
{
	if (pages < 1 || pages > VM_FAULT_AROUND_MAX)
		return false;
	fault_around = pages;
	return true;
}

unsigned vmalloc_fault_around(void) { return fault_around; }

/* --- the page-fault path ------------------------------------------------- */

void vm_fault_path_enter(uintptr_t addr, uintptr_t rip)
{
	fault_path_addr = addr;
	fault_path_rip = rip;
}

void vm_fault_path_leave(void) { fault_path_rip = fault_path_addr = 0; }

void vm_fault_abandon(void)
{
	vm_fault_path_leave();
	mm_allocator_leave(NULL);
}

void vm_last_refusal(struct vm_fault_report *out) { *out = last_refusal; }

/* Maps the faulting page, then the rest of its window that is unmapped;
 * only the faulting page must succeed. */
static bool map_window_locked(struct vmap_region *r, uintptr_t addr)
{
	uint64_t page = (ALIGN_DOWN(addr, PAGE_SIZE) - vmap_first_page(r)) / PAGE_SIZE;
	uint64_t first = page - page % fault_around;
	uint64_t end = MIN(first + fault_around, r->range.pages);
	if (!vmap_map_fresh_locked(r, vmap_first_page(r) + page * PAGE_SIZE, false))
		return false;
	for (uint64_t i = first; i < end; i++) {
		uintptr_t va = vmap_first_page(r) + i * PAGE_SIZE;
		if (i == page || vmm_is_mapped_locked(va))
			continue;
		if (!vmap_map_fresh_locked(r, va, false))
			break;
		counts.around_pages++;
	}
	return true;
}

static enum vm_fault_result serve_locked(struct vmap_region *r, uintptr_t addr,
					 struct vm_fault_report *out)
{
	if (!r || r->kind != VMAP_LAZY || addr < vmap_first_page(r))
		return VM_FAULT_NOT_LAZY; /* a guard page, another kind, or no range */
	out->range_start = vmap_first_page(r);
	out->range_pages = r->range.pages;
	if (vmm_is_mapped_locked(ALIGN_DOWN(addr, PAGE_SIZE)))
		return VM_FAULT_MAPPED; /* already served: retry */
	if (!map_window_locked(r, addr))
		return VM_FAULT_OOM;
	counts.faults++;
	return VM_FAULT_MAPPED;
}

static enum vm_fault_result refuse(enum vm_fault_result why, const struct vm_fault_report *rep)
{
	last_refusal = *rep;
	if (why == VM_FAULT_OOM)
		counts.ooms++;
	else
		counts.reentries++;
	return why;
}

enum vm_fault_result vm_handle_fault(uintptr_t addr, uintptr_t rip, struct vm_fault_report *out)
{
	*out = (struct vm_fault_report){ .addr = addr, .rip = rip,
					 .allocator_site = mm_allocator_entered_from,
					 .outer_addr = fault_path_addr, .outer_rip = fault_path_rip };
	if (out->allocator_site || out->outer_rip)
		return refuse(VM_FAULT_REENTERED, out);
	if (addr < VMAP_BASE || addr - VMAP_BASE >= VMAP_SIZE)
		return VM_FAULT_NOT_LAZY;
	vm_fault_path_enter(addr, rip);
	unsigned long irq = vmm_lock_take();
	enum vm_fault_result result = serve_locked(vmap_find_locked(addr), addr, out);
	vmm_lock_drop(irq);
	vm_fault_path_leave();
	return result == VM_FAULT_OOM ? refuse(result, out) : result;
}

/* --- statistics ---------------------------------------------------------- */

static void add_region(void *ctx, const struct vmap_info *info)
{
	struct vmalloc_stats *s = ctx;
	if (info->kind == VMAP_LAZY) {
		s->lazy_ranges++;
		s->lazy_pages += info->pages;
		s->lazy_mapped += info->mapped;
	} else if (info->kind == VMAP_EAGER) {
		s->eager_ranges++;
		s->eager_pages += info->pages;
	}
}

void vmalloc_get_stats(struct vmalloc_stats *out)
{
	*out = (struct vmalloc_stats){ .faults = counts.faults, .around_pages = counts.around_pages,
				       .reentries = counts.reentries, .ooms = counts.ooms };
	vmap_walk(add_region, out);
}
