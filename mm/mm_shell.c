/*
 * Shell commands of the memory managers: `meminfo` (firmware map, what the
 * kernel holds, per-zone and per-order free memory, kmalloc usage) and
 * `vmmap` (the kernel's page mappings, merged). `memtest` and `membench`
 * are in tests/kernel/mm_commands.c.
 */
#include "mm.h"
#include "printk.h"
#include "shell.h"

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI_RECLAIMABLE: return "ACPI reclaimable";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	default: return "unknown";
	}
}

static unsigned long long kib(uint64_t bytes) { return (unsigned long long)(bytes / KiB); }
static unsigned long long pages_kib(uint64_t pages) { return kib(pages * PAGE_SIZE); }

static void print_memory_map(const struct boot_info *bi)
{
	kprintf("Memory map (multiboot2, %u ranges):\n", bi->mmap_count);
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *m = &bi->mmap[i];
		kprintf("  %016llx-%016llx  %-16s %10llu KiB\n", (unsigned long long)m->base,
			(unsigned long long)(m->base + m->len - 1), mem_type_name(m->type),
			kib(m->len));
	}
}

/* Whole pages of [base, base + len) inside usable RAM. */
static uint64_t usable_pages_in(const struct boot_info *bi, uint64_t base, uint64_t len)
{
	uint64_t pages = 0, b = ALIGN_DOWN(base, PAGE_SIZE), e = ALIGN_UP(base + len, PAGE_SIZE);
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *m = &bi->mmap[i];
		uint64_t mb = ALIGN_UP(m->base, PAGE_SIZE), me = ALIGN_DOWN(m->base + m->len, PAGE_SIZE);
		if (m->type == MEM_USABLE && MAX(b, mb) < MIN(e, me))
			pages += (MIN(e, me) - MAX(b, mb)) / PAGE_SIZE;
	}
	return pages;
}

/* Usable pages the boot-time reserved ranges (image, boot info, modules) cover. */
static uint64_t reserved_pages(const struct boot_info *bi)
{
	uint64_t pages = 0;
	for (unsigned i = 0; i < bi->reserved_count; i++)
		pages += usable_pages_in(bi, bi->reserved[i].base, bi->reserved[i].len);
	return pages;
}

static void print_holdings(const struct boot_info *bi, uint64_t usable_pages)
{
	struct pmm_info info;
	struct kmalloc_stats ks;
	pmm_get_info(&info);
	kmalloc_get_stats(&ks);
	/* clamped so odd maps (overlapping ranges) cannot underflow */
	uint64_t unmanaged = usable_pages - MIN(usable_pages, info.managed_pages);
	uint64_t meta = MIN(info.meta_bytes / PAGE_SIZE, unmanaged);
	uint64_t frame0 = MIN(usable_pages_in(bi, 0, PAGE_SIZE), unmanaged - meta);
	uint64_t boot = MIN(reserved_pages(bi), unmanaged - meta - frame0);
	uint64_t allocated = info.managed_pages - info.free_pages;
	uint64_t tables = vmm_page_table_pages();
	uint64_t other = allocated - MIN(allocated, tables + ks.pages);
	kprintf("Usable RAM total: %llu bytes (firmware map)\n",
		(unsigned long long)bootinfo_usable_bytes(bi));
	kprintf("In whole pages %llu KiB; PMM manages %llu KiB (%llu.%02llu%% of them)\n",
		pages_kib(usable_pages), pages_kib(info.managed_pages),
		(unsigned long long)(info.managed_pages * 100 / usable_pages),
		(unsigned long long)(info.managed_pages * 10000 / usable_pages % 100));
	kprintf("Kernel holds %llu KiB:\n", pages_kib(unmanaged + allocated));
	kprintf("  image, boot info, modules   %10llu KiB\n", pages_kib(boot));
	kprintf("  PMM frame table             %10llu KiB at 0x%llx\n", pages_kib(meta),
		(unsigned long long)info.meta_phys);
	kprintf("  frame 0 (never handed out)  %10llu KiB\n", pages_kib(frame0));
	kprintf("  partial pages, overlaps     %10llu KiB\n",
		pages_kib(unmanaged - meta - boot - frame0));
	kprintf("  page tables                 %10llu KiB\n", pages_kib(tables));
	kprintf("  kmalloc slabs + large       %10llu KiB\n", pages_kib(ks.pages));
	kprintf("  other allocations           %10llu KiB\n", pages_kib(other));
	kprintf("Free %llu KiB = usable %llu - held %llu KiB\n", pages_kib(info.free_pages),
		pages_kib(usable_pages), pages_kib(unmanaged + allocated));
}

static void print_zones(void)
{
	kprintf("Zone    range                               managed KiB     free KiB\n");
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats s;
		pmm_get_zone_stats(z, &s);
		kprintf("  %-6s %012llx-%012llx %14llu %12llu\n", s.name,
			(unsigned long long)s.start,
			(unsigned long long)(z == PMM_ZONE_COUNT - 1 ? 0xffffffffffffull : s.end - 1),
			pages_kib(s.managed_pages), pages_kib(s.free_pages));
	}
	kprintf("Free blocks per order (order k = 4 KiB << k):\n  zone  ");
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		kprintf(" %6u", k);
	kprintf("\n");
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats s;
		pmm_get_zone_stats(z, &s);
		kprintf("  %-6s", s.name);
		for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
			kprintf(" %6llu", (unsigned long long)s.free_blocks[k]);
		kprintf("\n");
	}
}

static void print_kmalloc(void)
{
	struct kmalloc_stats ks;
	kmalloc_get_stats(&ks);
	kprintf("kmalloc: %llu KiB of pages\n  size   slabs   in use / capacity\n",
		pages_kib(ks.pages));
	for (unsigned i = 0; i < KMALLOC_CLASSES; i++)
		kprintf("  %5u %7llu %8llu / %llu\n", ks.cls[i].size,
			(unsigned long long)ks.cls[i].slabs, (unsigned long long)ks.cls[i].inuse,
			(unsigned long long)ks.cls[i].capacity);
	kprintf("  large: %llu blocks, %llu bytes requested\n",
		(unsigned long long)ks.large_blocks, (unsigned long long)ks.large_bytes);
}

static void print_lazy(void)
{
	struct vmalloc_stats vs;
	struct vmap_totals vt;
	vmalloc_get_stats(&vs);
	vmap_get_totals(&vt);
	kprintf("vmap area: %llu ranges, %llu KiB (a guard page below each)\n",
		(unsigned long long)vt.ranges, pages_kib(vt.pages));
	kprintf("vmalloc lazy: %llu ranges, %llu KiB reserved, %llu KiB mapped; "
		"%llu faults, %llu pages by fault-around (window %u)\n",
		(unsigned long long)vs.lazy_ranges, pages_kib(vs.lazy_pages),
		pages_kib(vs.lazy_mapped), (unsigned long long)vs.faults,
		(unsigned long long)vs.around_pages, vmalloc_fault_around());
	kprintf("vmalloc eager: %llu ranges, %llu KiB; refused faults: %llu re-entries, "
		"%llu out of memory\n",
		(unsigned long long)vs.eager_ranges, pages_kib(vs.eager_pages),
		(unsigned long long)vs.reentries, (unsigned long long)vs.ooms);
}

static int cmd_meminfo(int argc, char **argv)
{
	uint64_t usable_pages = usable_pages_in(&boot_info, 0, UINT64_MAX - PAGE_SIZE);

	if (argc != 1) {
		kprintf("usage: meminfo (takes no arguments)\n");
		return 1;
	}
	print_memory_map(&boot_info);
	print_holdings(&boot_info, usable_pages);
	print_zones();
	print_kmalloc();
	print_lazy();
	return 0;
}
SHELL_COMMAND(meminfo, "meminfo", "meminfo",
	      "memory map, what the kernel holds, free memory per zone and order, kmalloc, "
	      "vmap and vmalloc",
	      cmd_meminfo);

/* --- vmmap --------------------------------------------------------------- */

struct vm_run {
	uintptr_t va, end;
	phys_addr_t pa;
	uint64_t size;
	unsigned prot;
	unsigned lines;
};

static const char *area_name(uintptr_t va)
{
	if (va >= KERNEL_VMA)
		return "kernel image";
	if (va >= VMAP_BASE)
		return "vmap";
	return "direct map";
}

static void flush_run(struct vm_run *r)
{
	if (r->end == r->va)
		return;
	const char *size = r->size == PAGE_SIZE ? "4K" : r->size == 2 * MiB ? "2M" : "1G";
	kprintf("  %016llx-%016llx %10llu KiB  %c%c%c  %s  %s  phys 0x%llx  %s\n",
		(unsigned long long)r->va, (unsigned long long)(r->end - 1), kib(r->end - r->va),
		'r', (r->prot & VM_WRITE) ? 'w' : '-', (r->prot & VM_EXEC) ? 'x' : '-',
		(r->prot & VM_UNCACHED) ? "UC" : "WB", size, (unsigned long long)r->pa,
		area_name(r->va));
	r->lines++;
}

static void add_leaf(void *ctx, uintptr_t va, phys_addr_t pa, uint64_t size, unsigned prot)
{
	struct vm_run *r = ctx;
	if (va == r->end && pa == r->pa + (r->end - r->va) && size == r->size && prot == r->prot) {
		r->end += size;
		return;
	}
	flush_run(r);
	*r = (struct vm_run){ va, va + size, pa, size, prot, r->lines };
}

static void print_vmap_range(void *ctx, const struct vmap_info *v)
{
	kprintf("  %016llx-%016llx %8llu pages %8llu mapped  %s\n", (unsigned long long)v->start,
		(unsigned long long)(v->start + v->pages * PAGE_SIZE - 1),
		(unsigned long long)v->pages, (unsigned long long)v->mapped,
		vmap_kind_name(v->kind));
}

static int cmd_vmmap(int argc, char **argv)
{
	struct vm_run run = { 0, 0, 0, 0, 0, 0 };

	if (argc != 1) {
		kprintf("usage: vmmap (takes no arguments)\n");
		return 1;
	}
	kprintf("Kernel mappings (lower half unmapped; gaps are unmapped, incl. guard pages):\n");
	vmm_walk(add_leaf, &run);
	flush_run(&run);
	kprintf("%u ranges, %llu page-table pages\n", run.lines,
		(unsigned long long)vmm_page_table_pages());
	kprintf("vmap ranges (reserved pages, mapped pages, kind; guard page below each):\n");
	vmap_walk(print_vmap_range, NULL);
	return 0;
}
SHELL_COMMAND(vmmap, "vmmap", "vmmap",
	      "the kernel's page mappings with permissions, and the vmap area's ranges", cmd_vmmap);
