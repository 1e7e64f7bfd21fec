/*
 * Physical memory manager: a binary buddy allocator over 4 KiB frames.
 *
 * Every frame in the span [first_pfn, end_pfn) has a 16-byte descriptor in
 * an out-of-band table placed, at boot, in a free stretch of the firmware
 * memory map (so building the allocator never allocates). Only the first
 * frame of a block (its head) carries state: FREE or ALLOCATED plus the
 * order; all other frames of a block are TAIL. Free blocks sit on doubly
 * linked lists threaded through the descriptors by frame number, one list
 * per zone and order, so push, pop and unlink are O(1).
 *
 * These lists are the tree's one exception to include/list.h, on purpose:
 * its node is two pointers, which would grow the descriptor from 16 to 24
 * bytes and the frame table (`meminfo`) by half, memory held for good
 * below 4 GiB: 512 KiB would become 768 KiB at -m 128M, and 32 MiB would
 * become 48 MiB at -m 6G (whose frames span 8 GiB).
 *
 * Zones split physical memory at 16 MiB and 4 GiB. Both limits are
 * multiples of the largest block, so a naturally aligned block never
 * straddles a zone and buddies are always in the same zone. A caller passes
 * the highest physical address it accepts; zones entirely below it are used
 * directly, a zone the ceiling cuts through is searched for a block that
 * fits (the only non-O(1) path, taken for ceilings such as 2 GiB).
 *
 * Locking: one IRQ-safe spinlock; nothing here calls kmalloc or the VMM.
 */
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define FRAME_NIL UINT32_MAX
#define MAX_PFN_SPAN ((uint64_t)UINT32_MAX) /* links are 32-bit frame numbers */

enum frame_state {
	FRAME_TAIL = 0,      /* inside a block, or usable but not yet placed */
	FRAME_FREE = 1,      /* head of a free block */
	FRAME_ALLOCATED = 2, /* head of an allocated block */
	FRAME_RESERVED = 3,  /* not managed: hole, firmware, kernel, metadata */
};

struct frame {
	uint32_t next, prev; /* free-list links (frame numbers) */
	uint8_t state;       /* enum frame_state */
	uint8_t order;       /* order of the block this frame heads */
	uint16_t owner;      /* allocated heads: PMM_OWNER_* tag */
	uint32_t aux;        /* the owner's word */
};
_Static_assert(sizeof(struct frame) == 16, "frame descriptor must stay 16 bytes");

struct zone {
	const char *name;
	uint64_t start_pfn, end_pfn;
	uint32_t head[PMM_MAX_ORDER + 1];
	uint64_t nr_free[PMM_MAX_ORDER + 1]; /* blocks per order */
	uint64_t free_pages, managed_pages;
};

struct pfn_run {
	uint64_t start, end;
};

/* Managed stretches of frames, recorded so invariant checks skip holes. */
#define MAX_RUNS (BOOT_MMAP_MAX + BOOT_RESERVED_MAX + 8)

static struct {
	struct frame *frames;
	uint64_t first_pfn, end_pfn;
	phys_addr_t meta_phys;
	uint64_t meta_bytes;
	struct zone zones[PMM_ZONE_COUNT];
	struct pfn_run runs[MAX_RUNS];
	unsigned run_count;
	uint64_t managed_pages;
	uint64_t dropped_pages; /* usable but beyond what the table can span */
} pmm;

static spinlock_t pmm_lock = SPINLOCK_INIT("pmm");
const void *volatile mm_allocator_entered_from; /* include/mm.h */

static const struct {
	const char *name;
	uint64_t end_pfn;
} zone_layout[PMM_ZONE_COUNT] = {
	{ "ISA", (16 * MiB) >> PAGE_SHIFT },
	{ "DMA32", (4 * GiB) >> PAGE_SHIFT },
	{ "HIGH", UINT64_MAX >> PAGE_SHIFT },
};
_Static_assert(((16 * MiB) >> PAGE_SHIFT) % (1u << PMM_MAX_ORDER) == 0,
	       "zone limits must be multiples of the largest block");

static struct frame *frame_of(uint64_t pfn) { return &pmm.frames[pfn - pmm.first_pfn]; }

static bool pfn_in_span(uint64_t pfn) { return pfn >= pmm.first_pfn && pfn < pmm.end_pfn; }

static unsigned zone_of(uint64_t pfn)
{
	unsigned z = 0;
	while (pfn >= zone_layout[z].end_pfn)
		z++;
	return z;
}

/* --- free lists --------------------------------------------------------- */

static void list_push(struct zone *z, uint64_t pfn, unsigned order)
{
	struct frame *f = frame_of(pfn);
	f->state = FRAME_FREE;
	f->order = (uint8_t)order;
	f->owner = 0;
	f->aux = 0;
	f->prev = FRAME_NIL;
	f->next = z->head[order];
	if (f->next != FRAME_NIL)
		frame_of(f->next)->prev = (uint32_t)pfn;
	z->head[order] = (uint32_t)pfn;
	z->nr_free[order]++;
	z->free_pages += 1ull << order;
}

/* Takes a free block off its list; its head becomes a plain TAIL frame. */
static void list_unlink(struct zone *z, uint64_t pfn)
{
	struct frame *f = frame_of(pfn);
	unsigned order = f->order;
	if (f->prev != FRAME_NIL)
		frame_of(f->prev)->next = f->next;
	else
		z->head[order] = f->next;
	if (f->next != FRAME_NIL)
		frame_of(f->next)->prev = f->prev;
	f->state = FRAME_TAIL;
	z->nr_free[order]--;
	z->free_pages -= 1ull << order;
}

/* Splits the free-listed block at pfn (order `have`) down to `want`, keeping
 * the lower half each time, and marks the result allocated. */
static void take_block(struct zone *z, uint64_t pfn, unsigned want)
{
	unsigned have = frame_of(pfn)->order;
	list_unlink(z, pfn);
	while (have > want) {
		have--;
		list_push(z, pfn + (1ull << have), have);
	}
	struct frame *f = frame_of(pfn);
	f->state = FRAME_ALLOCATED;
	f->order = (uint8_t)want;
	f->owner = PMM_OWNER_NONE;
	f->aux = 0;
}

static bool take_any(struct zone *z, unsigned order, uint64_t *pfn)
{
	for (unsigned k = order; k <= PMM_MAX_ORDER; k++) {
		if (z->head[k] == FRAME_NIL)
			continue;
		*pfn = z->head[k];
		take_block(z, *pfn, order);
		return true;
	}
	return false;
}

/* Zone cut by the ceiling: first block (smallest order first) whose low part
 * of 2^order pages ends at or below limit_pfn. */
static bool take_below(struct zone *z, unsigned order, uint64_t limit_pfn, uint64_t *pfn)
{
	for (unsigned k = order; k <= PMM_MAX_ORDER; k++) {
		for (uint32_t p = z->head[k]; p != FRAME_NIL; p = frame_of(p)->next) {
			if (p + (1ull << order) <= limit_pfn) {
				*pfn = p;
				take_block(z, p, order);
				return true;
			}
		}
	}
	return false;
}

/* Frees a block known to be valid, merging with free buddies. */
static void release_block(uint64_t pfn, unsigned order)
{
	struct zone *z = &pmm.zones[zone_of(pfn)];
	frame_of(pfn)->state = FRAME_TAIL;
	while (order < PMM_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (!pfn_in_span(buddy))
			break;
		struct frame *b = frame_of(buddy);
		if (b->state != FRAME_FREE || b->order != order)
			break;
		list_unlink(z, buddy);
		pfn = MIN(pfn, buddy);
		order++;
	}
	list_push(z, pfn, order);
}

/* --- building from the memory map -------------------------------------- */

struct exclusions {
	struct mem_range r[BOOT_RESERVED_MAX + 2];
	unsigned n;
};

typedef void (*piece_fn)(void *ctx, uint64_t base, uint64_t end);

/* Calls fn for each page-aligned piece of [base, end) outside every
 * exclusion from index `from` on. Depth is bounded by the exclusion count. */
static void visit_pieces(const struct exclusions *ex, unsigned from, uint64_t base,
			 uint64_t end, piece_fn fn, void *ctx)
{
	for (unsigned i = from; i < ex->n; i++) {
		uint64_t rb = ALIGN_DOWN(ex->r[i].base, PAGE_SIZE);
		uint64_t re = ALIGN_UP(ex->r[i].base + ex->r[i].len, PAGE_SIZE);
		if (rb >= end || re <= base)
			continue;
		if (base < rb)
			visit_pieces(ex, i + 1, base, rb, fn, ctx);
		if (re < end)
			visit_pieces(ex, i + 1, re, end, fn, ctx);
		return;
	}
	if (base < end)
		fn(ctx, base, end);
}

static void visit_free_memory(const struct boot_info *bi, const struct exclusions *ex,
			      piece_fn fn, void *ctx)
{
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *m = &bi->mmap[i];
		if (m->type != MEM_USABLE || m->len == 0)
			continue;
		uint64_t end = m->base + m->len < m->base ? UINT64_MAX : m->base + m->len;
		visit_pieces(ex, 0, ALIGN_UP(m->base, PAGE_SIZE), ALIGN_DOWN(end, PAGE_SIZE),
			     fn, ctx);
	}
}

struct span_search {
	uint64_t lo, hi;
};

static void widen_span(void *ctx, uint64_t base, uint64_t end)
{
	struct span_search *s = ctx;
	s->lo = MIN(s->lo, base);
	s->hi = MAX(s->hi, end);
}

struct meta_search {
	uint64_t need, floor, ceiling;
	phys_addr_t found;
};

static void try_place_meta(void *ctx, uint64_t base, uint64_t end)
{
	struct meta_search *s = ctx;
	base = MAX(base, s->floor);
	end = MIN(end, s->ceiling);
	if (s->found == 0 && base < end && end - base >= s->need)
		s->found = base;
}

/* Finds room for the frame table inside memory the boot page tables map,
 * preferring memory above the ISA zone. */
static phys_addr_t place_metadata(const struct boot_info *bi, const struct exclusions *ex,
				  uint64_t bytes)
{
	struct meta_search s = { bytes, 16 * MiB, BOOT_DIRECT_MAP_BYTES, 0 };
	visit_free_memory(bi, ex, try_place_meta, &s);
	if (s.found == 0) {
		s.floor = PAGE_SIZE;
		visit_free_memory(bi, ex, try_place_meta, &s);
	}
	return s.found;
}

static void mark_usable(void *ctx, uint64_t base, uint64_t end)
{
	uint64_t first = base >> PAGE_SHIFT, last = MIN(end >> PAGE_SHIFT, pmm.end_pfn);
	for (uint64_t pfn = first; pfn < last; pfn++)
		frame_of(pfn)->state = FRAME_TAIL;
	if (last < (end >> PAGE_SHIFT))
		pmm.dropped_pages += (end >> PAGE_SHIFT) - MAX(last, first);
}

static unsigned largest_order_at(uint64_t pfn, uint64_t end)
{
	unsigned k = PMM_MAX_ORDER;
	while (k > 0 && ((pfn & ((1ull << k) - 1)) != 0 || pfn + (1ull << k) > end))
		k--;
	return k;
}

/* Adds frames [start, end) (one zone, all usable) as maximal aligned blocks. */
static void add_run(uint64_t start, uint64_t end)
{
	struct zone *z = &pmm.zones[zone_of(start)];
	if (pmm.run_count < MAX_RUNS)
		pmm.runs[pmm.run_count++] = (struct pfn_run){ start, end };
	else
		pr_warn("pmm: too many memory runs; invariant checks skip 0x%llx-0x%llx\n",
			(unsigned long long)(start << PAGE_SHIFT),
			(unsigned long long)(end << PAGE_SHIFT));
	z->managed_pages += end - start;
	pmm.managed_pages += end - start;
	for (uint64_t pfn = start; pfn < end;) {
		unsigned k = largest_order_at(pfn, end);
		list_push(z, pfn, k);
		pfn += 1ull << k;
	}
}

/* Turns every maximal stretch of usable frames into free blocks. */
static void build_free_lists(void)
{
	uint64_t pfn = pmm.first_pfn;
	while (pfn < pmm.end_pfn) {
		if (frame_of(pfn)->state != FRAME_TAIL) {
			pfn++;
			continue;
		}
		uint64_t zone_end = MIN(zone_layout[zone_of(pfn)].end_pfn, pmm.end_pfn);
		uint64_t end = pfn;
		while (end < zone_end && frame_of(end)->state == FRAME_TAIL)
			end++;
		add_run(pfn, end);
		pfn = end;
	}
}

static void reset_state(void)
{
	memset(&pmm, 0, sizeof(pmm));
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++) {
		pmm.zones[z].name = zone_layout[z].name;
		pmm.zones[z].start_pfn = z ? zone_layout[z - 1].end_pfn : 0;
		pmm.zones[z].end_pfn = zone_layout[z].end_pfn;
		for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
			pmm.zones[z].head[k] = FRAME_NIL;
	}
}

void pmm_init(const struct boot_info *bi)
{
	struct exclusions ex = { .n = 0 };
	reset_state();
	ex.r[ex.n++] = (struct mem_range){ 0, PAGE_SIZE, MEM_RESERVED }; /* frame 0 = failure */
	for (unsigned i = 0; i < bi->reserved_count && i < BOOT_RESERVED_MAX; i++)
		ex.r[ex.n++] = bi->reserved[i];

	struct span_search span = { UINT64_MAX, 0 };
	visit_free_memory(bi, &ex, widen_span, &span);
	if (span.hi == 0)
		panic("pmm: the memory map has no usable RAM\n");
	pmm.first_pfn = span.lo >> PAGE_SHIFT;
	pmm.end_pfn = span.hi >> PAGE_SHIFT;
	if (pmm.end_pfn - pmm.first_pfn > MAX_PFN_SPAN)
		pmm.end_pfn = pmm.first_pfn + MAX_PFN_SPAN;

	pmm.meta_bytes = ALIGN_UP((pmm.end_pfn - pmm.first_pfn) * sizeof(struct frame), PAGE_SIZE);
	pmm.meta_phys = place_metadata(bi, &ex, pmm.meta_bytes);
	if (pmm.meta_phys == 0)
		panic("pmm: no free range of %llu KiB below 4 GiB for the frame table\n",
		      (unsigned long long)(pmm.meta_bytes / KiB));
	ex.r[ex.n++] = (struct mem_range){ pmm.meta_phys, pmm.meta_bytes, MEM_RESERVED };

	pmm.frames = phys_to_virt(pmm.meta_phys);
	for (uint64_t i = 0; i < pmm.end_pfn - pmm.first_pfn; i++)
		pmm.frames[i] = (struct frame){ FRAME_NIL, FRAME_NIL, FRAME_RESERVED, 0, 0, 0 };
	visit_free_memory(bi, &ex, mark_usable, NULL);
	build_free_lists();
	if (pmm.dropped_pages)
		pr_warn("pmm: %llu pages beyond the frame table's reach are not used\n",
			(unsigned long long)pmm.dropped_pages);
	pr_info("pmm: %llu MiB managed, frame table %llu KiB at 0x%llx\n",
		(unsigned long long)(pmm.managed_pages * PAGE_SIZE / MiB),
		(unsigned long long)(pmm.meta_bytes / KiB), (unsigned long long)pmm.meta_phys);
}

/* --- allocation API ----------------------------------------------------- */

phys_addr_t alloc_pages(unsigned order, phys_addr_t max_phys, unsigned flags)
{
	if (order > PMM_MAX_ORDER) {
		pr_err("pmm: alloc_pages: order %u is above the maximum %u\n", order,
		       PMM_MAX_ORDER);
		return 0;
	}
	/* limit_pfn: first frame the block must end before. */
	uint64_t limit_pfn = max_phys == UINT64_MAX ? UINT64_MAX >> PAGE_SHIFT
						   : (max_phys + 1) >> PAGE_SHIFT;
	uint64_t pfn = 0;
	bool found = false;
	const void *outer = mm_allocator_enter(__builtin_return_address(0));
	unsigned long irq = spin_lock_irqsave(&pmm_lock);
	for (int zi = PMM_ZONE_COUNT - 1; zi >= 0 && !found; zi--) {
		struct zone *z = &pmm.zones[zi];
		if (z->start_pfn + (1ull << order) > limit_pfn || z->free_pages == 0)
			continue;
		if (z->end_pfn <= limit_pfn)
			found = take_any(z, order, &pfn);
		else
			found = take_below(z, order, limit_pfn, &pfn);
	}
	spin_unlock_irqrestore(&pmm_lock, irq);
	phys_addr_t phys = found ? pfn << PAGE_SHIFT : 0;
	if (found && (flags & PMM_ZERO))
		memset(phys_to_virt(phys), 0, PAGE_SIZE << order);
	mm_allocator_leave(outer);
	return phys;
}

/* Head of the block that contains pfn, or FRAME_NIL if pfn is in none. */
static uint64_t containing_head(uint64_t pfn)
{
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++) {
		uint64_t h = pfn & ~((1ull << k) - 1);
		if (!pfn_in_span(h))
			break;
		struct frame *f = frame_of(h);
		if ((f->state == FRAME_FREE || f->state == FRAME_ALLOCATED) && f->order >= k)
			return h;
	}
	return FRAME_NIL;
}

/* Explains why (phys, order) is not an allocated block; called locked. */
static void report_bad_free(phys_addr_t phys, unsigned order)
{
	uint64_t pfn = phys >> PAGE_SHIFT;
	const char *why = "it was never allocated";
	uint64_t head = FRAME_NIL;
	if (!IS_ALIGNED(phys, PAGE_SIZE) || order > PMM_MAX_ORDER) {
		why = "address not page aligned or order out of range";
	} else if (!pfn_in_span(pfn) || frame_of(pfn)->state == FRAME_RESERVED) {
		why = "frame is not managed by the PMM (hole, firmware or kernel)";
	} else if (frame_of(pfn)->state == FRAME_ALLOCATED) {
		pr_err("pmm: free_pages(0x%llx, order %u): wrong order, block was allocated "
		       "with order %u; refused\n",
		       (unsigned long long)phys, order, frame_of(pfn)->order);
		return;
	} else if (frame_of(pfn)->state == FRAME_FREE) {
		why = "double free: the block is already free";
	} else if ((head = containing_head(pfn)) != FRAME_NIL) {
		why = frame_of(head)->state == FRAME_FREE
			      ? "double free: the frame is inside a free block"
			      : "not the start of an allocated block";
	}
	pr_err("pmm: free_pages(0x%llx, order %u): %s; refused\n", (unsigned long long)phys,
	       order, why);
}

void free_pages(phys_addr_t phys, unsigned order)
{
	uint64_t pfn = phys >> PAGE_SHIFT;
	const void *outer = mm_allocator_enter(__builtin_return_address(0));
	unsigned long irq = spin_lock_irqsave(&pmm_lock);
	bool valid = IS_ALIGNED(phys, PAGE_SIZE) && order <= PMM_MAX_ORDER &&
		     pfn_in_span(pfn) && frame_of(pfn)->state == FRAME_ALLOCATED &&
		     frame_of(pfn)->order == order;
	if (valid)
		release_block(pfn, order);
	else
		report_bad_free(phys, order);
	spin_unlock_irqrestore(&pmm_lock, irq);
	mm_allocator_leave(outer);
}

uint64_t pmm_free_bytes(void)
{
	uint64_t pages = 0;
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++)
		pages += pmm.zones[z].free_pages;
	return pages * PAGE_SIZE;
}

bool pmm_lookup(phys_addr_t phys, struct pmm_block *out)
{
	uint64_t pfn = phys >> PAGE_SHIFT;
	bool found = false;
	unsigned long irq = spin_lock_irqsave(&pmm_lock);
	uint64_t head = pfn_in_span(pfn) ? containing_head(pfn) : FRAME_NIL;
	if (head != FRAME_NIL && frame_of(head)->state == FRAME_ALLOCATED) {
		struct frame *f = frame_of(head);
		*out = (struct pmm_block){ head << PAGE_SHIFT, f->order, f->owner, f->aux };
		found = true;
	}
	spin_unlock_irqrestore(&pmm_lock, irq);
	return found;
}

bool pmm_set_owner(phys_addr_t head, uint16_t owner, uint32_t aux)
{
	uint64_t pfn = head >> PAGE_SHIFT;
	bool ok;
	unsigned long irq = spin_lock_irqsave(&pmm_lock);
	ok = pfn_in_span(pfn) && frame_of(pfn)->state == FRAME_ALLOCATED;
	if (ok) {
		frame_of(pfn)->owner = owner;
		frame_of(pfn)->aux = aux;
	}
	spin_unlock_irqrestore(&pmm_lock, irq);
	return ok;
}

/* --- statistics and invariants ------------------------------------------ */

void pmm_get_zone_stats(unsigned zone, struct pmm_zone_stats *out)
{
	unsigned long irq = spin_lock_irqsave(&pmm_lock);
	const struct zone *z = &pmm.zones[zone];
	out->name = z->name;
	out->start = z->start_pfn << PAGE_SHIFT;
	out->end = zone == PMM_ZONE_COUNT - 1 ? UINT64_MAX : z->end_pfn << PAGE_SHIFT;
	out->managed_pages = z->managed_pages;
	out->free_pages = z->free_pages;
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++)
		out->free_blocks[k] = z->nr_free[k];
	spin_unlock_irqrestore(&pmm_lock, irq);
}

void pmm_get_info(struct pmm_info *out)
{
	out->meta_phys = pmm.meta_phys;
	out->meta_bytes = pmm.meta_bytes;
	out->managed_pages = pmm.managed_pages;
	out->free_pages = pmm_free_bytes() / PAGE_SIZE;
	out->first_pfn = pmm.first_pfn;
	out->end_pfn = pmm.end_pfn;
}

#define CHECK_FAIL(...)                                \
	do {                                           \
		pr_err("pmm: invariant: " __VA_ARGS__); \
		return false;                          \
	} while (0)

static bool check_lists(const struct zone *z, unsigned zi)
{
	uint64_t pages = 0;
	for (unsigned k = 0; k <= PMM_MAX_ORDER; k++) {
		uint64_t count = 0;
		uint32_t prev = FRAME_NIL;
		for (uint32_t p = z->head[k]; p != FRAME_NIL; p = frame_of(p)->next) {
			const struct frame *f = frame_of(p);
			if (!pfn_in_span(p) || zone_of(p) != zi)
				CHECK_FAIL("frame 0x%x on zone %s list is outside it\n", p, z->name);
			if (f->state != FRAME_FREE || f->order != k || f->prev != prev)
				CHECK_FAIL("bad free-list entry 0x%x (state %u order %u/%u)\n", p,
					   f->state, f->order, k);
			if (p & ((1u << k) - 1))
				CHECK_FAIL("free block 0x%x misaligned for order %u\n", p, k);
			if (++count > z->nr_free[k])
				CHECK_FAIL("zone %s order %u list longer than its count %llu\n",
					   z->name, k, (unsigned long long)z->nr_free[k]);
			prev = p;
		}
		if (count != z->nr_free[k])
			CHECK_FAIL("zone %s order %u: %llu listed, count says %llu\n", z->name, k,
				   (unsigned long long)count, (unsigned long long)z->nr_free[k]);
		pages += count << k;
	}
	if (pages != z->free_pages)
		CHECK_FAIL("zone %s: free pages %llu, lists hold %llu\n", z->name,
			   (unsigned long long)z->free_pages, (unsigned long long)pages);
	return true;
}

static bool check_block(uint64_t pfn, const struct pfn_run *run)
{
	const struct frame *f = frame_of(pfn);
	uint64_t size = 1ull << f->order;
	if (f->order > PMM_MAX_ORDER || (pfn & (size - 1)) || pfn + size > run->end)
		CHECK_FAIL("block 0x%llx order %u misaligned or past its run\n",
			   (unsigned long long)pfn, f->order);
	for (uint64_t t = pfn + 1; t < pfn + size; t++)
		if (frame_of(t)->state != FRAME_TAIL)
			CHECK_FAIL("block 0x%llx order %u overlaps head 0x%llx\n",
				   (unsigned long long)pfn, f->order, (unsigned long long)t);
	if (f->state == FRAME_FREE && f->order < PMM_MAX_ORDER) {
		uint64_t buddy = pfn ^ size;
		if (pfn_in_span(buddy) && frame_of(buddy)->state == FRAME_FREE &&
		    frame_of(buddy)->order == f->order)
			CHECK_FAIL("free buddies 0x%llx and 0x%llx (order %u) not merged\n",
				   (unsigned long long)pfn, (unsigned long long)buddy, f->order);
	}
	return true;
}

/* Every managed frame belongs to exactly one block, blocks are aligned and
 * in bounds, free buddies are merged, and lists match their counters. */
static bool check_locked(void)
{
	uint64_t free_pages[PMM_ZONE_COUNT] = { 0 };
	for (unsigned zi = 0; zi < PMM_ZONE_COUNT; zi++)
		if (!check_lists(&pmm.zones[zi], zi))
			return false;
	for (unsigned r = 0; r < pmm.run_count; r++) {
		const struct pfn_run *run = &pmm.runs[r];
		for (uint64_t pfn = run->start; pfn < run->end;) {
			const struct frame *f = frame_of(pfn);
			if (f->state != FRAME_FREE && f->state != FRAME_ALLOCATED)
				CHECK_FAIL("frame 0x%llx belongs to no block (state %u)\n",
					   (unsigned long long)pfn, f->state);
			if (!check_block(pfn, run))
				return false;
			if (f->state == FRAME_FREE)
				free_pages[zone_of(pfn)] += 1ull << f->order;
			pfn += 1ull << f->order;
		}
	}
	for (unsigned zi = 0; zi < PMM_ZONE_COUNT; zi++)
		if (free_pages[zi] != pmm.zones[zi].free_pages)
			CHECK_FAIL("zone %s: %llu pages in free blocks, counter %llu\n",
				   pmm.zones[zi].name, (unsigned long long)free_pages[zi],
				   (unsigned long long)pmm.zones[zi].free_pages);
	return true;
}

bool pmm_check(void)
{
	unsigned long irq = spin_lock_irqsave(&pmm_lock);
	bool ok = check_locked();
	spin_unlock_irqrestore(&pmm_lock, irq);
	return ok;
}
