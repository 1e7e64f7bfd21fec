/*
 * The vmap area (VMAP_BASE, 1 TiB): every range of kernel address space
 * that is not the image or the direct map. ioremap windows, kernel stacks
 * and vmalloc ranges (mm/vmalloc.c) are regions placed by the range
 * allocator (mm/vrange.c), each after an unmapped guard page, with no
 * limit on their number. Descriptors come from kmalloc, which lives in the
 * direct map, so placing a region never maps anything.
 */
#include "kstring.h"
#include "printk.h"
#include "vmap.h"

static struct vrange_area area;

void vmap_init(void) { vrange_init(&area, VMAP_BASE, VMAP_SIZE); }

/* A zeroed descriptor from kmalloc, taken before the lock. */
static struct vmap_region *region_new(enum vmap_kind kind, const char *who)
{
	if (!vmm_is_live()) {
		pr_err("%s: called before vmm_init\n", who);
		return NULL;
	}
	struct vmap_region *r = kzalloc(sizeof(*r));
	if (r)
		r->kind = kind;
	else
		pr_err("%s: no memory for the range's descriptor\n", who);
	return r;
}

static uintptr_t insert_locked(struct vmap_region *r, uint64_t pages)
{
	return vrange_reserve(&area, &r->range, pages);
}

struct vmap_region *vmap_find_locked(uintptr_t va)
{
	struct vrange *found = vrange_find(&area, va);
	return found ? container_of(found, struct vmap_region, range) : NULL;
}

static void remove_locked(struct vmap_region *r) { vrange_remove(&area, &r->range); }

/* Lookups without the lock run in fault reports, maybe inside the VMM. */
bool vmap_is_guard_page(uintptr_t va)
{
	struct vrange *r = vrange_find(&area, va);
	return r && va < vrange_first_page(r);
}

static struct vmap_info info_of(const struct vmap_region *r)
{
	return (struct vmap_info){ vmap_first_page(r), r->range.pages, r->mapped, r->kind };
}

bool vmap_lookup(uintptr_t va, struct vmap_info *out)
{
	struct vrange *v = vrange_find(&area, va);
	if (v)
		*out = info_of(container_of(v, struct vmap_region, range));
	return v != NULL;
}

bool vmap_map_fresh_locked(struct vmap_region *r, uintptr_t va, bool new_tables)
{
	phys_addr_t pa = alloc_pages(0, PHYS_LIMIT_ANY, PMM_ZERO);
	if (!pa)
		return false;
	if (vmm_map_locked(va, pa, PAGE_SIZE, VM_READ | VM_WRITE, new_tables)) {
		free_pages(pa, 0);
		return false;
	}
	r->mapped++;
	return true;
}

/* Unmaps and flushes r's pages, frees their frames (not an ioremap's) and
 * takes r out of the area. */
static void release_locked(struct vmap_region *r)
{
	for (uint64_t i = 0; i < r->range.pages && r->mapped; i++) {
		phys_addr_t pa = vmm_unmap_page_locked(vmap_first_page(r) + i * PAGE_SIZE);
		if (pa && r->kind != VMAP_IO)
			free_pages(pa, 0);
		r->mapped -= pa != 0;
	}
	remove_locked(r);
}

const char *vmap_kind_name(enum vmap_kind kind)
{
	static const char *const names[] = { "ioremap", "stack", "vmalloc", "vmalloc eager" };
	return kind < ARRAY_SIZE(names) ? names[kind] : "?";
}

void vmap_walk(vmap_walk_fn fn, void *ctx)
{
	uintptr_t next = VMAP_BASE;
	for (;;) {
		unsigned long irq = vmm_lock_take();
		struct vrange *v = vrange_from(&area, next);
		const struct vmap_region *r = v ? container_of(v, struct vmap_region, range) : NULL;
		struct vmap_info info = r ? info_of(r) : (struct vmap_info){ 0 };
		vmm_lock_drop(irq);
		if (!r)
			return;
		next = vrange_end(v);
		fn(ctx, &info); /* unlocked: it may print for a while */
	}
}

void vmap_get_totals(struct vmap_totals *out)
{
	unsigned long irq = vmm_lock_take();
	out->ranges = area.count;
	out->pages = area.pages;
	vmm_lock_drop(irq);
}

/* --- ioremap and kernel stacks ------------------------------------------ */

uintptr_t vmap_create(enum vmap_kind kind, uint64_t pages, const char *who, vmap_fill_fn fill,
		      const void *ctx)
{
	if (pages == 0) {
		pr_err("%s: empty range\n", who);
		return 0;
	}
	struct vmap_region *r = region_new(kind, who);
	if (!r)
		return 0;
	unsigned long irq = vmm_lock_take();
	uintptr_t va = insert_locked(r, pages);
	bool ok = va && fill(r, ctx);
	if (!ok && va)
		release_locked(r);
	vmm_lock_drop(irq);
	if (!ok) {
		kfree(r);
		pr_err("%s: out of %s for %llu pages\n", who, va ? "memory" : "vmap address space",
		       (unsigned long long)pages);
		return 0;
	}
	return va;
}

bool vmap_destroy(uintptr_t at, uintptr_t addr, vmap_match_fn match)
{
	unsigned long irq = vmm_lock_take();
	struct vmap_region *r = vmap_find_locked(at);
	bool ok = r && match(r, addr);
	if (ok)
		release_locked(r);
	vmm_lock_drop(irq);
	if (ok)
		kfree(r);
	return ok;
}

/* --- ioremap and kernel stacks ------------------------------------------ */

static bool map_io_locked(struct vmap_region *r, const void *phys)
{
	uint64_t len = r->range.pages * PAGE_SIZE;
	if (vmm_map_locked(vmap_first_page(r), *(const phys_addr_t *)phys, len,
			   VM_READ | VM_WRITE | VM_UNCACHED, true))
		return false;
	r->mapped = r->range.pages;
	return true;
}

void *ioremap(phys_addr_t phys, size_t len)
{
	uint64_t off = phys & (PAGE_SIZE - 1);
	phys_addr_t base = phys - off;
	if (len == 0 || phys + len < phys) {
		pr_err("ioremap(0x%llx, %zu): empty or wrapping range\n", (unsigned long long)phys,
		       len);
		return NULL;
	}
	uint64_t pages = (off + len + PAGE_SIZE - 1) / PAGE_SIZE;
	uintptr_t va = vmap_create(VMAP_IO, pages, "ioremap", map_io_locked, &base);
	return va ? (void *)(va + off) : NULL;
}

static bool is_io_at(const struct vmap_region *r, uintptr_t va)
{
	return r->kind == VMAP_IO && va >= vmap_first_page(r);
}

void iounmap(void *virt)
{
	if (!vmap_destroy((uintptr_t)virt, (uintptr_t)virt, is_io_at))
		pr_err("iounmap(%p): not an ioremap address; ignored\n", virt);
}

bool vmap_map_all_locked(struct vmap_region *r, const void *unused)
{
	for (uint64_t i = 0; i < r->range.pages; i++)
		if (!vmap_map_fresh_locked(r, vmap_first_page(r) + i * PAGE_SIZE, true))
			return false;
	return true;
}

void *vmm_alloc_stack(size_t size)
{
	uint64_t pages = ALIGN_UP((uint64_t)size, PAGE_SIZE) / PAGE_SIZE;
	uintptr_t base = vmap_create(VMAP_STACK, pages, "vmm_alloc_stack", vmap_map_all_locked, NULL);
	return base ? (void *)(base + pages * PAGE_SIZE) : NULL;
}

static bool is_stack_top(const struct vmap_region *r, uintptr_t top)
{
	return r->kind == VMAP_STACK && vrange_end(&r->range) == top;
}

void vmm_free_stack(void *top)
{
	if (!vmap_destroy((uintptr_t)top - 1, (uintptr_t)top, is_stack_top))
		pr_err("vmm_free_stack(%p): not the top of a kernel stack; ignored\n", top);
}
