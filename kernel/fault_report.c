/*
 * The arch-neutral parts of a CPU fault report (include/fault_report.h):
 * mm's view of the faulting address and of a lazy fault it refused, and
 * the backtrace, which follows the frame records both x86-64 and arm64
 * keep with frame pointers on: {caller's frame pointer, return address}.
 */
#include "fault_report.h"
#include "layout.h"
#include "printk.h"
#include "symbols.h"

#define BACKTRACE_MAX_FRAMES 24

void fault_print_address_note(uintptr_t addr)
{
	struct vmap_info v;

	if (addr < PAGE_SIZE)
		kprintf("  (NULL pointer dereference)\n");
	if (addr - VMAP_BASE >= VMAP_SIZE) {
		if (vmm_is_guard_page(addr))
			kprintf("  (address is a stack guard page: kernel stack overflow)\n");
		return;
	}
	if (!vmap_lookup(addr, &v)) {
		kprintf("  (vmap address in no range: never reserved, or freed)\n");
		return;
	}
	kprintf("  (vmap %s range 0x%llx-0x%llx, %llu pages, %llu mapped%s)\n",
		vmap_kind_name(v.kind), (unsigned long long)v.start,
		(unsigned long long)(v.start + v.pages * PAGE_SIZE - 1),
		(unsigned long long)v.pages, (unsigned long long)v.mapped,
		addr >= v.start ? "" : "; address is its guard page");
	if (addr < v.start && v.kind == VMAP_STACK)
		kprintf("  (address is a stack guard page: kernel stack overflow)\n");
}

void fault_print_refusal(enum vm_fault_result why, const struct vm_fault_report *f)
{
	char at[96], site[96];

	ksym_format(f->rip, at, sizeof(at));
	if (why == VM_FAULT_OOM) {
		kprintf("\n*** out of memory in the page-fault path: no page for 0x%016llx "
			"(at %s) in vmalloc range 0x%llx-0x%llx (%llu pages)\n",
			(unsigned long long)f->addr, at, (unsigned long long)f->range_start,
			(unsigned long long)(f->range_start + f->range_pages * PAGE_SIZE - 1),
			(unsigned long long)f->range_pages);
		return;
	}
	ksym_format((uint64_t)f->allocator_site, site, sizeof(site));
	kprintf("\n*** page fault inside the %s at %s, allocator re-entered from %s\n",
		f->outer_rip ? "page-fault path" : "allocator", at,
		f->allocator_site ? site : "(nowhere: not held)");
	if (f->outer_rip) {
		ksym_format(f->outer_rip, site, sizeof(site));
		kprintf("  (the fault path was serving 0x%016llx from %s)\n",
			(unsigned long long)f->outer_addr, site);
	}
	kprintf("  stopped: serving this fault would re-enter the code that faulted\n");
}

static void print_frame(int n, uint64_t addr)
{
	char sym[96];

	ksym_format(addr, sym, sizeof(sym));
	kprintf("  #%-2d 0x%016llx %s\n", n, (unsigned long long)addr, sym);
}

void fault_print_backtrace(uint64_t pc, uint64_t fp, bool (*is_mapped)(uintptr_t va))
{
	kprintf("Backtrace:\n");
	print_frame(0, pc);
	for (int n = 1; n < BACKTRACE_MAX_FRAMES && fp; n++) {
		if ((fp & 7) || fp < DIRECT_MAP_BASE || !is_mapped(fp) || !is_mapped(fp + 8))
			break;
		uint64_t ret = ((const uint64_t *)fp)[1];
		uint64_t next = ((const uint64_t *)fp)[0];
		if (!ret)
			break;
		print_frame(n, ret);
		if (next <= fp) /* callers live higher up the stack */
			break;
		fp = next;
	}
}
