/*
 * Virtual memory: the kernel's own 4-level page tables, built once by
 * vmm_init to replace the boot tables. The entry format and the TLB belong
 * to the architecture (include/arch/paging.h); this file only decides what
 * is mapped where.
 *
 *   - kernel image at KERNEL_VMA with W^X: text R+X, rodata R+NX,
 *     data/bss RW+NX; the guard page under every boot/IST stack unmapped;
 *   - direct map at DIRECT_MAP_BASE of the first DIRECT_MAP_FIRMWARE_BYTES
 *     (x86: 4 GiB, the boot contract: firmware tables and the boot info
 *     live there; arm64: none, device memory must not be mapped as RAM)
 *     and of all RAM, RW+NX with 1 GiB pages if the CPU has them, else 2 MiB;
 *   - vmap area at VMAP_BASE: ranges of mm/vmap.c (ioremap, kernel stacks,
 *     vmalloc), each preceded by an unmapped guard page;
 *   - nothing in the lower half: NULL and the boot identity map fault.
 *
 * Page-table pages come straight from alloc_pages (tagged
 * PMM_OWNER_PAGE_TABLE), never kmalloc, so mapping never recurses; the
 * page-fault path takes none: vmalloc builds a lazy range's tables before
 * it returns (vmm_build_tables_locked). Until the new tables are live they are taken below
 * BOOT_DIRECT_MAP_BYTES, the part of RAM the boot tables map. One IRQ-safe lock
 * serialises all changes, and holding it sets the "in the allocator"
 * marker, so a fault inside this code is reported instead of re-entering.
 * Page tables, once made, are never freed.
 */
#include "arch/paging.h"
#include "kstring.h"
#include "mm.h"
#include "paging.h"
#include "printk.h"
#include "spinlock.h"
#include "vmap.h"

/* What an entry at each level maps (include/arch/paging.h). */
#define LEVEL_4K 0
#define LEVEL_2M 1
#define LEVEL_1G 2
#define LEVEL_ROOT PT_ROOT_LEVEL

static phys_addr_t kernel_root;
static struct image_layout image;
static bool has_1g_pages;
static phys_addr_t table_ceiling = BOOT_DIRECT_MAP_BYTES - 1;
static uint64_t table_pages;
static spinlock_t vmm_lock = SPINLOCK_INIT("vmm");
static const void *vmm_lock_outer_site; /* the marker's value before the lock */

static uint64_t level_size(unsigned level) { return PAGE_SIZE << (9 * level); }
static unsigned index_at(uintptr_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }
static pte_t *table_at(phys_addr_t phys) { return phys_to_virt(phys); }

unsigned long vmm_lock_take(void)
{
	unsigned long irq = spin_lock_irqsave(&vmm_lock);
	vmm_lock_outer_site = mm_allocator_enter(__builtin_return_address(0));
	return irq;
}

void vmm_lock_drop(unsigned long irq)
{
	mm_allocator_leave(vmm_lock_outer_site);
	spin_unlock_irqrestore(&vmm_lock, irq);
}

static phys_addr_t new_table(void)
{
	phys_addr_t t = alloc_pages(0, table_ceiling, PMM_ZERO);
	if (t) {
		pmm_set_owner(t, PMM_OWNER_PAGE_TABLE, 0);
		table_pages++;
	}
	return t;
}

/*
 * The entry that maps va at `level`, creating missing tables above it when
 * create is set. NULL if a table is missing (and !create), memory ran out,
 * or a larger page already maps va.
 */
static pte_t *entry_for(uintptr_t va, unsigned level, bool create)
{
	pte_t *table = table_at(kernel_root);
	for (unsigned l = LEVEL_ROOT; l > level; l--) {
		pte_t *e = &table[index_at(va, l)];
		if (!pte_present(*e)) {
			phys_addr_t t = create ? new_table() : 0;
			if (!t)
				return NULL;
			*e = pte_table(t);
		} else if (pte_is_leaf(*e, l)) {
			return NULL;
		}
		table = table_at(pte_phys(*e));
	}
	return &table[index_at(va, level)];
}

/* The leaf entry mapping va (any page size) and its level; NULL if none. */
static pte_t *leaf_for(uintptr_t va, unsigned *level)
{
	pte_t *table = table_at(kernel_root);
	for (unsigned l = LEVEL_ROOT;; l--) {
		pte_t *e = &table[index_at(va, l)];
		if (!pte_present(*e))
			return NULL;
		if (pte_is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		table = table_at(pte_phys(*e));
	}
}

static bool range_ok(uintptr_t va, uint64_t len, const char *who)
{
	if (!kernel_root) {
		pr_err("vmm: %s called before vmm_init\n", who);
		return false;
	}
	if (len == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE) ||
	    va + len < va) {
		pr_err("vmm: %s(0x%llx, 0x%llx): range must be non-empty and page aligned\n", who,
		       (unsigned long long)va, (unsigned long long)len);
		return false;
	}
	return true;
}

phys_addr_t vmm_unmap_page_locked(uintptr_t va)
{
	unsigned level;
	pte_t *e = leaf_for(va, &level);
	if (!e)
		return 0;
	if (level != LEVEL_4K) {
		pr_err("vmm: unmap of 0x%llx would split a large page; skipped\n",
		       (unsigned long long)va);
		return 0;
	}
	phys_addr_t pa = pte_phys(*e);
	*e = 0;
	paging_invalidate(va);
	return pa;
}

void vmm_unmap_locked(uintptr_t va, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		vmm_unmap_page_locked(va + off);
}

int vmm_map_locked(uintptr_t va, phys_addr_t pa, uint64_t len, unsigned prot, bool new_tables)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		pte_t *e = entry_for(va + off, LEVEL_4K, new_tables);
		int err = !e ? VMM_ENOMEM : pte_present(*e) ? VMM_EEXIST : 0;
		if (err) {
			if (off)
				vmm_unmap_locked(va, off);
			return err;
		}
		*e = pte_leaf(pa + off, prot, LEVEL_4K);
	}
	paging_sync();
	return 0;
}

bool vmm_is_mapped_locked(uintptr_t va)
{
	unsigned level;
	return leaf_for(va, &level) != NULL;
}

bool vmm_build_tables_locked(uintptr_t va, uint64_t len)
{
	uint64_t span = level_size(LEVEL_2M); /* what one last-level table covers */
	for (uintptr_t at = ALIGN_DOWN(va, span); at < va + len; at += span)
		if (!entry_for(at, LEVEL_4K, true))
			return false;
	paging_sync();
	return true;
}

int vmm_map(uintptr_t va, phys_addr_t pa, size_t len, unsigned prot)
{
	if (!range_ok(va, len, "vmm_map") || !IS_ALIGNED(pa, PAGE_SIZE))
		return VMM_EINVAL;
	if ((prot & VM_WRITE) && (prot & VM_EXEC)) {
		pr_err("vmm: refusing a writable and executable mapping at 0x%llx (W^X)\n",
		       (unsigned long long)va);
		return VMM_EINVAL;
	}
	unsigned long irq = vmm_lock_take();
	int err = vmm_map_locked(va, pa, len, prot, true);
	vmm_lock_drop(irq);
	if (err)
		pr_err("vmm: vmm_map(0x%llx -> 0x%llx, 0x%llx): %s\n", (unsigned long long)va,
		       (unsigned long long)pa, (unsigned long long)len,
		       err == VMM_EEXIST ? "already mapped (or inside a large page)"
					 : "out of memory for page tables");
	return err;
}

void vmm_unmap(uintptr_t va, size_t len)
{
	if (!range_ok(va, len, "vmm_unmap"))
		return;
	unsigned long irq = vmm_lock_take();
	vmm_unmap_locked(va, len);
	vmm_lock_drop(irq);
}

int vmm_protect(uintptr_t va, size_t len, unsigned prot)
{
	if (!range_ok(va, len, "vmm_protect"))
		return VMM_EINVAL;
	if ((prot & VM_WRITE) && (prot & VM_EXEC)) {
		pr_err("vmm: refusing to make 0x%llx writable and executable (W^X)\n",
		       (unsigned long long)va);
		return VMM_EINVAL;
	}
	int err = 0;
	unsigned long irq = vmm_lock_take();
	/* check first so a failure changes nothing */
	for (uint64_t off = 0; off < len && !err; off += PAGE_SIZE) {
		unsigned level;
		if (!leaf_for(va + off, &level) || level != LEVEL_4K)
			err = VMM_ENOENT;
	}
	for (uint64_t off = 0; off < len && !err; off += PAGE_SIZE) {
		unsigned level;
		pte_t *e = leaf_for(va + off, &level);
		*e = pte_leaf(pte_phys(*e), prot, LEVEL_4K);
		paging_invalidate(va + off);
	}
	vmm_lock_drop(irq);
	if (err)
		pr_err("vmm: vmm_protect(0x%llx, 0x%llx): not mapped with 4 KiB pages\n",
		       (unsigned long long)va, (unsigned long long)len);
	return err;
}

bool vmm_query(uintptr_t va, struct vmm_mapping *out)
{
	unsigned level;
	bool found = false;
	unsigned long irq = vmm_lock_take();
	pte_t *e = kernel_root ? leaf_for(va, &level) : NULL;
	if (e) {
		uint64_t size = level_size(level);
		out->phys = (pte_phys(*e) & ~(size - 1)) + (va & (size - 1));
		out->page_size = size;
		out->prot = pte_prot(*e);
		found = true;
	}
	vmm_lock_drop(irq);
	return found;
}

/* --- building the kernel's tables -------------------------------------- */

/* Maps [pa, pa + len) at va with the largest pages alignment allows. */
static void map_direct(uintptr_t va, phys_addr_t pa, uint64_t len)
{
	for (uint64_t off = 0; off < len;) {
		unsigned level = has_1g_pages && IS_ALIGNED(pa + off, GiB) && len - off >= GiB
					 ? LEVEL_1G : LEVEL_2M;
		pte_t *e = entry_for(va + off, level, true);
		if (!e)
			panic("vmm: out of memory building the direct map\n");
		if (!pte_present(*e))
			*e = pte_leaf(pa + off, VM_READ | VM_WRITE, level);
		off += level_size(level);
	}
}

/* Replaces the block at *e (level 1 or 2) by a table of 512 next-size
 * entries with the same protection. Used before the tables are live, so
 * no TLB entry can be stale and break-before-make is not needed. */
static bool split_large(pte_t *e, unsigned level)
{
	phys_addr_t t = new_table();
	if (!t)
		return false;
	pte_t *child = table_at(t);
	phys_addr_t base = pte_phys(*e);
	unsigned prot = pte_prot(*e);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		child[i] = pte_leaf(base + i * level_size(level - 1), prot, level - 1);
	*e = pte_table(t);
	return true;
}

/* The 4 KiB entry for va, splitting large pages on the way. */
static pte_t *split_to_4k(uintptr_t va)
{
	pte_t *table = table_at(kernel_root);
	for (unsigned l = LEVEL_ROOT; l > LEVEL_4K; l--) {
		pte_t *e = &table[index_at(va, l)];
		if (!pte_present(*e) || (pte_is_leaf(*e, l) && !split_large(e, l)))
			return NULL;
		table = table_at(pte_phys(*e));
	}
	return &table[index_at(va, LEVEL_4K)];
}

/* W^X also for the direct map's alias of the kernel: text and rodata are
 * read-only (and, like all of the direct map, not executable) there too. */
static void protect_image_alias(void)
{
	phys_addr_t start = image.text - KERNEL_VMA, end = image.rodata_end - KERNEL_VMA;
	for (phys_addr_t pa = start; pa < end; pa += PAGE_SIZE) {
		pte_t *e = split_to_4k(DIRECT_MAP_BASE + pa);
		if (!e)
			panic("vmm: cannot split the direct map around the kernel image\n");
		*e = pte_leaf(pa, VM_READ, LEVEL_4K);
	}
}

static bool is_guard_page(uintptr_t va)
{
	for (size_t i = 0; i < image.guard_count; i++)
		if (image.guard_pages[i] == va)
			return true;
	return false;
}

static void map_image_part(uintptr_t start, uintptr_t end, unsigned prot)
{
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		if (is_guard_page(va))
			continue;
		if (vmm_map_locked(va, va - KERNEL_VMA, PAGE_SIZE, prot, true))
			panic("vmm: cannot map the kernel image at 0x%llx\n", (unsigned long long)va);
	}
}

static uint64_t direct_map_end(const struct boot_info *bi)
{
	uint64_t end = DIRECT_MAP_FIRMWARE_BYTES;
	for (unsigned i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == MEM_USABLE)
			end = MAX(end, bi->mmap[i].base + bi->mmap[i].len);
	return ALIGN_UP(end, 2 * MiB);
}

void vmm_init(const struct boot_info *bi)
{
	kernel_image_layout(&image);
	table_ceiling = BOOT_DIRECT_MAP_BYTES - 1;
	table_pages = 0;
	vmap_init();
	has_1g_pages = paging_has_1g_blocks();
	if (!paging_enable_protection())
		pr_warn("vmm: CPU cannot forbid execution (no NX); data is executable\n");

	kernel_root = new_table();
	if (!kernel_root)
		panic("vmm: no memory for the top-level page table\n");
	map_image_part(image.start, image.text, VM_READ);
	map_image_part(image.text, image.text_end, VM_READ | VM_EXEC);
	map_image_part(image.rodata, image.rodata_end, VM_READ);
	map_image_part(image.data, image.end, VM_READ | VM_WRITE);

	map_direct(DIRECT_MAP_BASE, 0, DIRECT_MAP_FIRMWARE_BYTES);
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *m = &bi->mmap[i];
		uint64_t base = ALIGN_DOWN(MAX(m->base, DIRECT_MAP_FIRMWARE_BYTES), 2 * MiB);
		uint64_t end = ALIGN_UP(m->base + m->len, 2 * MiB);
		if (m->type == MEM_USABLE && end > base)
			map_direct(DIRECT_MAP_BASE + base, base, end - base);
	}
	protect_image_alias();
	uint64_t end = direct_map_end(bi);

	paging_load_root(kernel_root);
	directmap_set_size(end);
	table_ceiling = PHYS_LIMIT_ANY;
	pr_info("vmm: kernel tables live: W^X image, direct map %llu MiB with %s pages, "
		"%llu page-table pages\n",
		(unsigned long long)(end / MiB), has_1g_pages ? "1 GiB" : "2 MiB",
		(unsigned long long)table_pages);
}

uint64_t vmm_page_table_pages(void) { return table_pages; }

bool vmm_is_live(void) { return kernel_root != 0; }

bool vmm_is_guard_page(uintptr_t va)
{
	return vmap_is_guard_page(va) || is_guard_page(ALIGN_DOWN(va, PAGE_SIZE));
}


/* --- walking the tables (vmmap) ---------------------------------------- */

static void walk_level(phys_addr_t table, unsigned level, uintptr_t base,
		       void (*fn)(void *ctx, uintptr_t va, uint64_t entry, uint64_t size), void *ctx)
{
	const pte_t *t = table_at(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if (level == LEVEL_ROOT && i < PT_ENTRIES / 2)
			continue; /* the lower half is empty by design */
		pte_t e = t[i];
		uintptr_t va = base + i * level_size(level);
		if (level == LEVEL_ROOT)
			va |= 0xffff000000000000ull; /* sign-extend: canonical form */
		if (!pte_present(e))
			continue;
		if (pte_is_leaf(e, level))
			fn(ctx, va, e, level_size(level));
		else
			walk_level(pte_phys(e), level - 1, va, fn, ctx);
	}
}

struct walk_adapter {
	vmm_walk_fn fn;
	void *ctx;
};

static void adapt(void *ctx, uintptr_t va, uint64_t e, uint64_t size)
{
	struct walk_adapter *a = ctx;
	a->fn(a->ctx, va, pte_phys(e) & ~(size - 1), size, pte_prot(e));
}

void vmm_walk(vmm_walk_fn fn, void *ctx)
{
	struct walk_adapter a = { fn, ctx };
	unsigned long irq = vmm_lock_take();
	if (kernel_root)
		walk_level(kernel_root, LEVEL_ROOT, 0, adapt, &a);
	vmm_lock_drop(irq);
}
