/*
 * Physical and virtual memory: the buddy page allocator (PMM), the kernel's
 * page tables (VMM) and kmalloc. All in mm/.
 */
#ifndef TERN_MM_H
#define TERN_MM_H

#include "bootinfo.h"
#include "layout.h"
#include "types.h"

/* --- PMM ------------------------------------------------------------- */
#define PMM_MAX_ORDER 10          /* 2^10 pages = 4 MiB blocks */
#define PHYS_LIMIT_ISA (16 * MiB - 1)
#define PHYS_LIMIT_DMA32 (4 * GiB - 1)
#define PHYS_LIMIT_ANY UINT64_MAX
#define PMM_ZERO 1u               /* zero the block before returning it */

/* Builds the allocator from the boot memory map. */
void pmm_init(const struct boot_info *bi);
/* Allocates 2^order contiguous pages, naturally aligned, whose last byte is
 * at or below max_phys. Returns the physical address, 0 on failure (frame 0
 * is never handed out). */
phys_addr_t alloc_pages(unsigned order, phys_addr_t max_phys, unsigned flags);
/* Frees a block from alloc_pages; double or bogus frees are refused and
 * reported. */
void free_pages(phys_addr_t phys, unsigned order);
uint64_t pmm_free_bytes(void);

/* Zones by physical ceiling; a block never straddles two. */
enum pmm_zone_id { PMM_ZONE_ISA, PMM_ZONE_DMA32, PMM_ZONE_HIGH, PMM_ZONE_COUNT };

/* Who holds an allocated block (an out-of-band tag, used by kfree to
 * validate pointers without trusting the memory itself). */
#define PMM_OWNER_NONE 0
#define PMM_OWNER_KMALLOC_SLAB 1
#define PMM_OWNER_KMALLOC_LARGE 2
#define PMM_OWNER_PAGE_TABLE 3

struct pmm_block {
	phys_addr_t head;
	unsigned order;
	uint16_t owner;
	uint32_t aux;
};
/* Finds the allocated block containing phys (O(PMM_MAX_ORDER)); false if
 * phys is free, reserved or outside managed memory. */
bool pmm_lookup(phys_addr_t phys, struct pmm_block *out);
/* Tags the allocated block whose head is `head`; false if it is not one. */
bool pmm_set_owner(phys_addr_t head, uint16_t owner, uint32_t aux);

struct pmm_zone_stats {
	const char *name;
	phys_addr_t start, end; /* [start, end) */
	uint64_t managed_pages, free_pages;
	uint64_t free_blocks[PMM_MAX_ORDER + 1];
};
void pmm_get_zone_stats(unsigned zone, struct pmm_zone_stats *out);

struct pmm_info {
	phys_addr_t meta_phys;  /* the frame table */
	uint64_t meta_bytes;
	uint64_t managed_pages; /* usable frames handed to the buddy lists */
	uint64_t free_pages;
	uint64_t first_pfn, end_pfn;
};
void pmm_get_info(struct pmm_info *out);
/* Walks every managed frame and free list; prints the first violated
 * invariant and returns false. O(managed frames): tests and debugging. */
bool pmm_check(void);

/* --- direct map (seam: host tests map these onto an arena) ------------ */
#define PHYS_INVALID UINT64_MAX
void *phys_to_virt(phys_addr_t phys);
/* Direct-map and kernel-image addresses; PHYS_INVALID for anything else. */
phys_addr_t virt_to_phys(const void *virt);

/* --- VMM ------------------------------------------------------------- */
#define VM_READ 0x1u
#define VM_WRITE 0x2u
#define VM_EXEC 0x4u
#define VM_UNCACHED 0x8u

/* vmm_map/vmm_protect results (0 = success). */
#define VMM_EINVAL (-1) /* unaligned/empty range, or writable+executable */
#define VMM_ENOMEM (-2) /* no memory for a page table */
#define VMM_EEXIST (-3) /* something is already mapped there */
#define VMM_ENOENT (-4) /* protect: a page in the range is not mapped */

void vmm_init(const struct boot_info *bi);
/* 4 KiB mappings; all-or-nothing. W+X together is refused (W^X). */
int vmm_map(uintptr_t va, phys_addr_t pa, size_t len, unsigned prot);
void vmm_unmap(uintptr_t va, size_t len);
int vmm_protect(uintptr_t va, size_t len, unsigned prot);
/* Maps MMIO uncached into the vmap area; NULL on failure. */
void *ioremap(phys_addr_t phys, size_t len);
void iounmap(void *virt);

/* A kernel stack of `size` bytes in the vmap area with an unmapped guard
 * page below it; returns its top (initial rsp), NULL on failure. */
void *vmm_alloc_stack(size_t size);
void vmm_free_stack(void *top);
/* True if va is in a guard page (vmap regions and the kernel image's). */
bool vmm_is_guard_page(uintptr_t va);

struct vmm_mapping {
	phys_addr_t phys;   /* of va itself */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
	unsigned prot;      /* VM_* */
};
/* How va is mapped in the kernel's tables; false if it is not. */
bool vmm_query(uintptr_t va, struct vmm_mapping *out);
/* Calls fn for every leaf mapping of the kernel half, in address order. */
typedef void (*vmm_walk_fn)(void *ctx, uintptr_t va, phys_addr_t pa, uint64_t size,
			    unsigned prot);
void vmm_walk(vmm_walk_fn fn, void *ctx);
uint64_t vmm_page_table_pages(void);

/* --- the vmap area (mm/vmap.c): ioremap, stacks and vmalloc ranges ---- */
enum vmap_kind { VMAP_IO, VMAP_STACK, VMAP_LAZY, VMAP_EAGER };
struct vmap_info {
	uintptr_t start;       /* first page (its guard page is just below) */
	uint64_t pages, mapped;
	enum vmap_kind kind;
};
typedef void (*vmap_walk_fn)(void *ctx, const struct vmap_info *info);
/* Calls fn for every vmap range in address order, without holding a lock. */
void vmap_walk(vmap_walk_fn fn, void *ctx);
const char *vmap_kind_name(enum vmap_kind kind);
/* The range whose guard page or pages hold va; false if none. Takes no
 * lock, for fault reports (which may run inside the VMM). */
bool vmap_lookup(uintptr_t va, struct vmap_info *out);
struct vmap_totals {
	uint64_t ranges, pages; /* live ranges, their pages (guards not counted) */
};
void vmap_get_totals(struct vmap_totals *out);

/* --- lazy kernel memory (mm/vmalloc.c) -------------------------------- *
 * vmalloc reserves whole pages of the vmap area after a guard page.
 * Without VM_EAGER nothing is mapped: the first access to a page faults
 * and the fault path maps a zeroed PMM page there, with up to the
 * fault-around window of its neighbours. Lazy pages must not be touched
 * from interrupt handlers (the interrupt may land inside the allocator,
 * where a fault cannot be served); use VM_EAGER for such memory. */
#define VM_EAGER 0x1u            /* map and zero every page now */
#define VM_FAULT_AROUND_MAX 64u

void *vmalloc(size_t size, unsigned flags);
/* Unmaps, flushes and frees every page; refuses anything but a vmalloc
 * start address. */
void vfree(void *addr);
/* Pages mapped per fault: the window-aligned block of the range that holds
 * the faulting page, never past the range. 1 to VM_FAULT_AROUND_MAX. */
bool vmalloc_set_fault_around(unsigned pages);
unsigned vmalloc_fault_around(void);

struct vmalloc_stats {
	uint64_t lazy_ranges, lazy_pages, lazy_mapped;
	uint64_t eager_ranges, eager_pages;
	uint64_t faults, around_pages;  /* faults served; neighbours mapped with them */
	uint64_t reentries, ooms;       /* faults refused with a report */
};
void vmalloc_get_stats(struct vmalloc_stats *out);

/*
 * The "in the allocator" marker: the call site that entered the PMM or the
 * page-table code and has not left it yet, NULL if none. A page fault
 * while it is set cannot be served (that would re-enter the allocator), so
 * it is reported instead. Nesting keeps the outermost site.
 */
extern const void *volatile mm_allocator_entered_from;
static inline const void *mm_allocator_enter(const void *site)
{
	const void *outer = mm_allocator_entered_from;
	if (!outer)
		mm_allocator_entered_from = site;
	return outer;
}
static inline void mm_allocator_leave(const void *outer) { mm_allocator_entered_from = outer; }

/* The page-fault path's marker: which fault is being served (tests use it
 * to rehearse a fault inside the fault path). */
void vm_fault_path_enter(uintptr_t addr, uintptr_t rip);
void vm_fault_path_leave(void);

enum vm_fault_result {
	VM_FAULT_MAPPED,    /* a lazy page is mapped now: retry the access */
	VM_FAULT_NOT_LAZY,  /* not a lazy page: a real fault, to be reported */
	VM_FAULT_REENTERED, /* inside the allocator or the fault path: refused */
	VM_FAULT_OOM,       /* no memory for the page: refused */
};
struct vm_fault_report {
	uintptr_t addr, rip;
	const void *allocator_site;     /* REENTERED: who holds the allocator */
	uintptr_t outer_addr, outer_rip; /* REENTERED: the fault being served, if any */
	uintptr_t range_start;           /* OOM: the lazy range */
	uint64_t range_pages;
};
/* Serves a not-present kernel read or write at addr by the instruction at
 * rip; called by the CPU exception handler, which reports what it refuses. */
enum vm_fault_result vm_handle_fault(uintptr_t addr, uintptr_t rip, struct vm_fault_report *out);
/* Clears both markers when the exception handler abandons the interrupted
 * code (resuming arch_try). */
void vm_fault_abandon(void);
/* The last refused fault (REENTERED or OOM). */
void vm_last_refusal(struct vm_fault_report *out);

/* --- kmalloc --------------------------------------------------------- *
 * Safe in interrupt context. kmalloc(0) returns NULL. Objects up to
 * KMALLOC_MAX_SIZE come from size-class slabs (aligned to
 * MIN(size class, 64)); larger ones are whole PMM blocks (page aligned).
 * Memory is not zeroed but never holds old data: it is filled with
 * KMALLOC_POISON; use kzalloc for zeroes.
 * kfree reports and refuses double frees and pointers it did not hand out. */
#define KMALLOC_MIN_SIZE 16u
#define KMALLOC_MAX_SIZE 2048u
#define KMALLOC_CLASSES 8u
#define KMALLOC_POISON 0x6b

void kmalloc_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *ptr);
/* Returns every cached empty slab to the PMM (at most one per class is
 * kept); after freeing everything and trimming, kmalloc holds no page. */
void kmalloc_trim(void);

struct kmalloc_stats {
	struct {
		uint32_t size;
		uint64_t slabs, inuse, capacity; /* objects */
	} cls[KMALLOC_CLASSES];
	uint64_t large_blocks, large_bytes;
	uint64_t pages; /* PMM pages held: slabs + large blocks */
};
void kmalloc_get_stats(struct kmalloc_stats *out);

#endif
