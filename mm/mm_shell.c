/*
 * Shell commands of the memory managers: `meminfo` (firmware map, what the
 * kernel holds, per-zone and per-order free memory, kmalloc usage),
 * `memtest` (random allocate/pattern/verify/free stress over the PMM and
 * kmalloc that must leave every zone's free memory exactly as it found it),
 * `vmmap` (the kernel's page mappings, merged) and `membench`.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "mm_bench.h"
#include "mm_rand.h"
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

/* --- memtest ------------------------------------------------------------- */

#define MT_PAGES 128
#define MT_OBJECTS 512
#define MT_REPORT_MAX 10

struct mt_block {
	phys_addr_t phys;
	unsigned order;
	phys_addr_t ceiling;
	uint64_t seed;
};

struct mt_object {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

struct memtest {
	uint64_t rng, violations, failures;
	struct mt_block blocks[MT_PAGES];
	struct mt_object objs[MT_OBJECTS];
	unsigned nblocks, nobjs;
};

static uint64_t mt_rand(struct memtest *t) { return mm_rand_next(&t->rng); }

static __printf(2, 3) void violation(struct memtest *t, const char *fmt, ...)
{
	if (++t->violations <= MT_REPORT_MAX) {
		va_list ap;
		va_start(ap, fmt);
		kprintf("  VIOLATION: ");
		kvprintf(fmt, ap);
		va_end(ap);
	}
}

/* One 64-bit pattern word per 512 bytes, derived from the block's seed. */
static void block_pattern(const struct mt_block *b, bool write, struct memtest *t)
{
	uint64_t *w = phys_to_virt(b->phys);
	uint64_t words = (PAGE_SIZE << b->order) / 8;
	for (uint64_t i = 0; i < words; i += 64) {
		uint64_t want = b->seed ^ (i * 0x9e3779b97f4a7c15ull);
		if (write) {
			w[i] = want;
		} else if (w[i] != want) {
			violation(t, "page block 0x%llx order %u: word %llu is 0x%llx, wrote 0x%llx\n",
				  (unsigned long long)b->phys, b->order, (unsigned long long)i,
				  (unsigned long long)w[i], (unsigned long long)want);
			return;
		}
	}
}

static void mt_alloc_pages(struct memtest *t)
{
	static const phys_addr_t ceilings[] = { PHYS_LIMIT_ISA, PHYS_LIMIT_DMA32, PHYS_LIMIT_ANY };
	unsigned order = (unsigned)(mt_rand(t) % 8 == 0 ? mt_rand(t) % (PMM_MAX_ORDER + 1)
						       : mt_rand(t) % 4);
	struct mt_block b = { 0, order, ceilings[mt_rand(t) % 3], mt_rand(t) };
	b.phys = alloc_pages(order, b.ceiling, 0);
	if (!b.phys) {
		t->failures++;
		return;
	}
	uint64_t len = PAGE_SIZE << order;
	if (!IS_ALIGNED(b.phys, len) || b.phys + len - 1 > b.ceiling)
		violation(t, "alloc_pages(order %u, max 0x%llx) returned 0x%llx\n", order,
			  (unsigned long long)b.ceiling, (unsigned long long)b.phys);
	block_pattern(&b, true, t);
	t->blocks[t->nblocks++] = b;
}

static void mt_free_pages(struct memtest *t, unsigned i)
{
	block_pattern(&t->blocks[i], false, t);
	free_pages(t->blocks[i].phys, t->blocks[i].order);
	t->blocks[i] = t->blocks[--t->nblocks];
}

static void mt_alloc_object(struct memtest *t)
{
	size_t size = mt_rand(t) % 16 == 0 ? 1 + mt_rand(t) % (64 * KiB)
					   : 1 + mt_rand(t) % KMALLOC_MAX_SIZE;
	struct mt_object o = { kmalloc(size), size, (unsigned char)mt_rand(t) };
	if (!o.p) {
		t->failures++;
		return;
	}
	memset(o.p, o.fill, size);
	t->objs[t->nobjs++] = o;
}

static void mt_free_object(struct memtest *t, unsigned i)
{
	struct mt_object *o = &t->objs[i];
	for (size_t k = 0; k < o->size; k++) {
		if (o->p[k] != o->fill) {
			violation(t, "kmalloc object %p (%zu bytes): byte %zu is 0x%x, wrote 0x%x\n",
				  o->p, o->size, k, o->p[k], o->fill);
			break;
		}
	}
	kfree(o->p);
	*o = t->objs[--t->nobjs];
}

static void mt_step(struct memtest *t)
{
	uint64_t r = mt_rand(t) % 100;
	if (r < 25)
		t->nblocks < MT_PAGES ? mt_alloc_pages(t) : mt_free_pages(t, 0);
	else if (r < 50 && t->nblocks)
		mt_free_pages(t, (unsigned)(mt_rand(t) % t->nblocks));
	else if (r < 75)
		t->nobjs < MT_OBJECTS ? mt_alloc_object(t) : mt_free_object(t, 0);
	else if (t->nobjs)
		mt_free_object(t, (unsigned)(mt_rand(t) % t->nobjs));
}

static void zone_free_pages(uint64_t *out)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats s;
		pmm_get_zone_stats(z, &s);
		out[z] = s.free_pages;
	}
}

static bool parse_arg(int argc, char **argv, int i, uint64_t *out)
{
	if (argc <= i)
		return true;
	if (kstrtou64(argv[i], out))
		return true;
	kprintf("memtest: '%s' is not a number\n", argv[i]);
	return false;
}

/* Runs ops random steps, then frees everything; returns the TSC cycles. */
static uint64_t memtest_run(struct memtest *t, uint64_t ops)
{
	uint64_t t0 = rdtsc_now();
	for (uint64_t i = 0; i < ops; i++)
		mt_step(t);
	while (t->nblocks)
		mt_free_pages(t, t->nblocks - 1);
	while (t->nobjs)
		mt_free_object(t, t->nobjs - 1);
	return rdtsc_now() - t0;
}

/* Every zone must have exactly the free memory it had before. */
static void memtest_compare_zones(struct memtest *t, const uint64_t *before)
{
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		struct pmm_zone_stats s;
		pmm_get_zone_stats(z, &s);
		kprintf("  zone %-6s free before %10llu KiB, after %10llu KiB%s\n", s.name,
			pages_kib(before[z]), pages_kib(s.free_pages),
			before[z] == s.free_pages ? "" : "  <- LEAK");
		if (before[z] != s.free_pages)
			violation(t, "zone %s free memory changed\n", s.name);
	}
}

static int cmd_memtest(int argc, char **argv)
{
	static struct memtest t;
	uint64_t ops = 100000, seed = rdtsc_now() | 1, before[PMM_ZONE_COUNT];
	if (argc > 3 || !parse_arg(argc, argv, 1, &ops) || !parse_arg(argc, argv, 2, &seed)) {
		kprintf("usage: memtest [ops] [seed]\n");
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.rng = seed ? seed : 1;
	kmalloc_trim(); /* cached empty slabs would look like a leak */
	zone_free_pages(before);
	kprintf("memtest: %llu ops, seed %llu\n", (unsigned long long)ops,
		(unsigned long long)seed);
	uint64_t cycles = memtest_run(&t, ops);
	kmalloc_trim();
	if (!pmm_check())
		violation(&t, "PMM invariant check failed (see above)\n");
	memtest_compare_zones(&t, before);
	uint64_t khz = tsc_khz() ? tsc_khz() : 1;
	kprintf("memtest: %llu ops in %llu ms, %llu ops/s, %llu allocation failures, "
		"%llu violations\n",
		(unsigned long long)ops, (unsigned long long)(cycles / khz),
		(unsigned long long)(cycles ? ops * khz * 1000 / cycles : 0),
		(unsigned long long)t.failures, (unsigned long long)t.violations);
	return t.violations ? 1 : 0;
}
SHELL_COMMAND(memtest, "memtest", "memtest [ops] [seed]",
	      "random alloc/pattern/verify/free stress over the PMM and kmalloc", cmd_memtest);

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

/* --- membench ------------------------------------------------------------ */

static int cmd_membench(int argc, char **argv)
{
	const struct mm_bench_clock clock = { rdtsc_now, tsc_khz() };
	return mm_bench_run(&clock);
}
SHELL_COMMAND(membench, "membench", "membench",
	      "PMM and kmalloc ns/op against bitmap and first-fit baselines", cmd_membench);
