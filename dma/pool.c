/*
 * The DMA pool (include/dma_pool.h, design in docs/dma-pool.md).
 *
 * A pool owns regions: physically contiguous, naturally aligned blocks from
 * a page source. Each region is cut into "units" of 128 minimum chunks
 * (2 KiB when the minimum chunk is 16 bytes). Chunks of a unit or larger are
 * binary-buddy blocks of units; smaller chunks come from a "slab": a buddy
 * block of one to a few units (at most 128 chunks, 8 KiB and the largest
 * block size) cut into equal chunks at once. An empty slab stays ready for
 * the next burst and is merged back into the buddy before the pool would
 * grow, or with its region. Every chunk of 2^k bytes is therefore aligned to
 * 2^k physically and virtually.
 *
 * The common allocation is a bit search in one word: a cursor remembers the
 * slot-map word the last allocation of one (caller, size) came from, and the
 * next allocation from that call site takes the lowest free bit there.
 *
 * All state lives in kernel memory beside the pool (per unit a byte of kind,
 * a byte of allocation site, a 128-bit slot map, used by a slab's first
 * unit, and a list link); nothing is ever stored in chunk memory, so a
 * device scribbling on a freed chunk cannot steer the allocator. Regions are
 * found by region number (address >> log2(region size)) in two small hash
 * tables, one per direction, which makes translation and free-time
 * validation O(1) whatever the number of regions. Slabs are kept per
 * allocation site so the leak report can name the site of every chunk from
 * one byte per unit.
 *
 * Locking: one IRQ-safe spinlock per pool, so every call may come from an
 * interrupt handler. Empty regions go back to the page source after staying
 * empty for a second (checked whenever a region empties), newest one kept;
 * the region under the cursor counts as in use.
 */
#include "dma_pool.h"
#include "ktime.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "symbols.h"

#define NIL UINT32_MAX
#define SLOT_WORDS 2                      /* 128-bit slot map per unit */
#define UNIT_SLOTS_SHIFT 7                /* a unit holds 128 minimum chunks */
#define SLAB_CHUNKS_SHIFT 7               /* a slab: at most 128 chunks, at most */
#define SLAB_MAX_SHIFT 13                 /* 8 KiB (or a unit) and the largest block */
#define REF_UNIT_BITS 12                  /* unit index inside a region */
#define MAX_REGION_SIZE (4 * MiB)
#define MAX_ORDER 22                      /* log2(MAX_REGION_SIZE) */
#define MAX_SITES 8                       /* tracked allocation sites */
#define SITE_UNTRACKED MAX_SITES          /* shared by every further site */
#define MAX_SLAB_CLASSES UNIT_SLOTS_SHIFT /* min_chunk .. unit/2 */
#define MAX_BLOCK_ORDERS 12                /* units of 2 KiB or more .. 4 MiB */
_Static_assert(MAX_REGION_SIZE >> (4 + UNIT_SLOTS_SHIFT) == 1u << (MAX_BLOCK_ORDERS - 1),
	       "free_head[] covers every block order from the smallest unit to the largest region");
#define POISON_BYTE 0x6b
#define KEEP_EMPTY_REGIONS 1              /* never given back while this few */
#define RELEASE_AFTER_NS NSEC_PER_SEC     /* empty this long: give it back */

/* Unit kinds: the top two bits say what the unit is, the low six the order
 * (log2 of the chunk or block size). */
#define KIND_FREE_BODY 0x00 /* inside a free block, not its first unit */
#define KIND_FREE_HEAD 0x40 /* first unit of a free block on a free list */
#define KIND_ALLOC 0x80     /* any unit of an allocated block */
#define KIND_SLAB 0xc0      /* a unit split into equal small chunks */
#define KIND_TYPE(k) ((k) & 0xc0)
#define KIND_ORDER(k) ((unsigned)((k) & 0x3f))

#define COLD __attribute__((noinline, cold)) /* keeps error paths off the hot path */
#define OUT_OF_LINE __attribute__((noinline)) /* common, but not the slab path */

struct unit_link {
	uint32_t next, prev; /* unit references, NIL-terminated */
};

/*
 * A region's metadata is one allocation: this header, then per unit a kind
 * byte and a site byte, then (8-byte aligned) per unit a slot map of
 * SLOT_WORDS words and a list link. The arrays sit at offsets fixed per
 * pool, so the hot paths reach them without loading pointers, and the kind
 * bytes share a cache line with the header (see region_kind/site/slots/link).
 */
struct dma_region {
	uintptr_t virt;
	dma_addr_t phys;
	uint32_t index;       /* slot in pool->regions, high bits of a unit ref */
	uint32_t live_chunks; /* 0: on the pool's empty list, unless the cursor is here */
	struct dma_region *empty_prev, *empty_next;
	uint64_t empty_since; /* ktime_ns() when live_chunks became 0, or NOT_AGING */
};

/*
 * Hash of region number (address >> log2(region size)) -> region. Every
 * region sits in its home bucket of BUCKET_SLOTS entries (32 bytes);
 * the table doubles whenever a bucket would overflow or it gets half
 * full. A lookup is a multiply and one bucket compared without branches, so
 * it costs the same for 1 region or 4096.
 */
#define BUCKET_SLOTS 2
#define NO_FRAME UINT64_MAX /* empty slot; no address >> 12 or more is this */

struct region_table {
	struct region_slot {
		uint64_t frame;
		struct dma_region *region;
	} *slot; /* [buckets * BUCKET_SLOTS] */
	uint32_t buckets, count;
	unsigned hash_shift;
};

struct alloc_site {
	uintptr_t pc;
	uint32_t partial[MAX_SLAB_CLASSES]; /* slabs with a free slot */
};

/* Per size class: the counters every allocation and free touches... */
struct class_count {
	uint32_t live, peak; /* chunks; a pool holds at most 2^28 */
};

/* ...and the ones only splitting, merging and failing do. */
struct class_events {
	uint64_t splits, merges, failed;
};

/*
 * Where the last slab allocation of one (caller, size) came from, so the
 * next one from the same call site is a bit search in one slot-map word:
 * drivers allocate descriptors from a few call sites, usually many in a row
 * from one. Valid while pc is not 0, and then its word has a free slot: a
 * word that fills up moves the cursor on (cursor_word_filled).
 */
struct alloc_cursor {
	uintptr_t pc;
	size_t size;
	uint64_t *word;
	struct dma_region *region;
	uintptr_t virt;    /* the word's first chunk, so an allocation needs */
	dma_addr_t phys;   /* no region offset and no region header */
	uint32_t ref;      /* the slab */
	uint8_t order, word_index;
};

struct dma_pool {
	spinlock_t lock;
	struct alloc_cursor cursor;
	char name[24];
	struct dma_pool_config cfg;
	unsigned min_shift, max_shift, unit_shift, top_shift, region_shift;
	uint32_t units_per_region;
	uint32_t slots_offset, links_offset; /* from a region's header to those arrays */
	uint32_t free_orders; /* bit k - unit_shift set: free_head[k] not empty */
	uint32_t free_head[MAX_BLOCK_ORDERS]; /* [order - unit_shift] */
	struct alloc_site sites[MAX_SITES + 1];
	uintptr_t last_pc; /* one-entry cache in front of site_index() */
	unsigned last_site;
	struct region_table by_virt, by_phys;
	struct dma_region **regions;
	uint32_t region_cap, nregions, empty_regions;
	struct dma_region *empty_head, *empty_tail; /* oldest first */
	struct {
		uint64_t regions_peak, regions_taken, regions_returned, misuse, poison_hits;
	} st;
	unsigned nclasses; /* min_chunk .. the largest block (max_chunk or a unit) */
	struct class_events *events; /* [order - min_shift] */
	struct class_count count[MAX_ORDER + 1]; /* [order]: one index, no subtraction */
	uint32_t slab_mask[MAX_ORDER + 1]; /* [order]: a slab's bytes - 1, 0 if not a slab size */
	struct dma_pool *next;
};

static struct dma_pool *all_pools;
static spinlock_t all_pools_lock = SPINLOCK_INIT("dma_pools");

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
static unsigned log2_exact(uint64_t x) { return 63 - (unsigned)__builtin_clzll(x); }

static unsigned order_for_size(const struct dma_pool *pool, size_t size)
{
	if (size <= (1ull << pool->min_shift))
		return pool->min_shift;
	return 64 - (unsigned)__builtin_clzll(size - 1);
}

static struct class_events *events_of(struct dma_pool *pool, unsigned order)
{
	return &pool->events[order - pool->min_shift];
}

static uint8_t *region_kind(const struct dma_pool *pool, const struct dma_region *r)
{
	return (uint8_t *)(r + 1);
}

static uint8_t *region_site(const struct dma_pool *pool, const struct dma_region *r)
{
	return region_kind(pool, r) + pool->units_per_region;
}

/* A unit's slot map: used by a slab's first unit, one bit per chunk of the
 * slab, 1 = handed out (or past the slab's last chunk). */
static uint64_t *unit_slots(const struct dma_pool *pool, const struct dma_region *r,
			    uint32_t unit)
{
	return (uint64_t *)((uint8_t *)r + pool->slots_offset) + (size_t)unit * SLOT_WORDS;
}

static struct unit_link *region_link(const struct dma_pool *pool, const struct dma_region *r)
{
	return (struct unit_link *)((uint8_t *)r + pool->links_offset);
}

static uint32_t make_ref(const struct dma_region *r, uint32_t unit)
{
	return r->index << REF_UNIT_BITS | unit;
}

static struct dma_region *ref_region(const struct dma_pool *pool, uint32_t ref)
{
	return pool->regions[ref >> REF_UNIT_BITS];
}

static uint32_t ref_unit(uint32_t ref) { return ref & ((1u << REF_UNIT_BITS) - 1); }

static struct unit_link *ref_link(const struct dma_pool *pool, uint32_t ref)
{
	return &region_link(pool, ref_region(pool, ref))[ref_unit(ref)];
}

static void list_push(struct dma_pool *pool, uint32_t *head, uint32_t ref)
{
	struct unit_link *l = ref_link(pool, ref);
	l->prev = NIL;
	l->next = *head;
	if (*head != NIL)
		ref_link(pool, *head)->prev = ref;
	*head = ref;
}

static void list_remove(struct dma_pool *pool, uint32_t *head, uint32_t ref)
{
	struct unit_link *l = ref_link(pool, ref);
	if (l->prev != NIL)
		ref_link(pool, l->prev)->next = l->next;
	else
		*head = l->next;
	if (l->next != NIL)
		ref_link(pool, l->next)->prev = l->prev;
}

/* ------------------------------------------------------------------ */
/* region tables                                                        */

static struct region_slot *table_bucket(const struct region_table *t, uint64_t frame)
{
	return &t->slot[((frame * 0x9e3779b97f4a7c15ull) >> t->hash_shift) * BUCKET_SLOTS];
}

static inline struct dma_region *table_find(const struct region_table *t, uint64_t frame)
{
	const struct region_slot *b = table_bucket(t, frame);
	uintptr_t r = 0;
	for (int i = 0; i < BUCKET_SLOTS; i++) /* masks, not branches: frames are unique */
		r |= (uintptr_t)b[i].region & -(uintptr_t)(b[i].frame == frame);
	return (struct dma_region *)r;
}

/* The same for dma_pool_free: a driver frees into few regions, so testing
 * the first slot with a branch is cheaper than masking both. */
static inline struct dma_region *table_find_hot(const struct region_table *t, uint64_t frame)
{
	const struct region_slot *b = table_bucket(t, frame);
	if (likely(b[0].frame == frame))
		return b[0].region;
	return b[1].frame == frame ? b[1].region : NULL;
}

/* Puts frame in its home bucket; false if the bucket is full. */
static bool table_place(struct region_table *t, uint64_t frame, struct dma_region *r)
{
	struct region_slot *b = table_bucket(t, frame);
	for (int i = 0; i < BUCKET_SLOTS; i++)
		if (b[i].frame == NO_FRAME) {
			b[i].frame = frame;
			b[i].region = r;
			t->count++;
			return true;
		}
	return false;
}

static bool table_init(struct region_table *t, uint32_t buckets)
{
	t->slot = kmalloc((size_t)buckets * BUCKET_SLOTS * sizeof(*t->slot));
	if (!t->slot)
		return false;
	for (size_t i = 0; i < (size_t)buckets * BUCKET_SLOTS; i++)
		t->slot[i] = (struct region_slot){ NO_FRAME, NULL };
	t->buckets = buckets;
	t->count = 0;
	t->hash_shift = 64 - log2_exact(buckets);
	return true;
}

/* Rebuilds the table with at least twice the buckets, doubling again until
 * every region fits in its home bucket. */
static bool table_grow(struct region_table *t)
{
	for (uint32_t buckets = t->buckets * 2; buckets; buckets *= 2) {
		struct region_table bigger;
		if (!table_init(&bigger, buckets))
			return false;
		bool fits = true;
		for (size_t i = 0; fits && i < (size_t)t->buckets * BUCKET_SLOTS; i++)
			if (t->slot[i].frame != NO_FRAME)
				fits = table_place(&bigger, t->slot[i].frame, t->slot[i].region);
		if (fits) {
			kfree(t->slot);
			*t = bigger;
			return true;
		}
		kfree(bigger.slot);
	}
	return false;
}

static bool table_insert(struct region_table *t, uint64_t frame, struct dma_region *r)
{
	if (t->count + 1 > t->buckets && !table_grow(t))
		return false;
	while (!table_place(t, frame, r))
		if (!table_grow(t))
			return false;
	return true;
}

static void table_remove(struct region_table *t, uint64_t frame)
{
	struct region_slot *b = table_bucket(t, frame);
	for (int i = 0; i < BUCKET_SLOTS; i++)
		if (b[i].frame == frame) {
			b[i] = (struct region_slot){ NO_FRAME, NULL };
			t->count--;
		}
}

static size_t table_bytes(const struct region_table *t)
{
	return (size_t)t->buckets * BUCKET_SLOTS * sizeof(*t->slot);
}

/* ------------------------------------------------------------------ */
/* regions                                                              */

static size_t region_meta_bytes(const struct dma_pool *pool)
{
	size_t units = pool->units_per_region;
	return sizeof(struct dma_region) + ALIGN_UP(2 * units, 8) +
	       units * (SLOT_WORDS * sizeof(uint64_t) + sizeof(struct unit_link));
}

static void mark_units(const struct dma_pool *pool, struct dma_region *r, uint32_t unit,
		       uint32_t n, uint8_t kind)
{
	uint8_t *k = &region_kind(pool, r)[unit];
	if (n > 8) {
		memset(k, kind, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++) /* blocks of a few units: no call */
		k[i] = kind;
}

static uint32_t units_in(const struct dma_pool *pool, unsigned order)
{
	return 1u << (order - pool->unit_shift);
}

static void push_free_block(struct dma_pool *pool, struct dma_region *r,
			    uint32_t unit, unsigned order)
{
	region_kind(pool, r)[unit] = (uint8_t)(KIND_FREE_HEAD | order);
	list_push(pool, &pool->free_head[order - pool->unit_shift], make_ref(r, unit));
	pool->free_orders |= 1u << (order - pool->unit_shift);
}

static void unlink_free_block(struct dma_pool *pool, struct dma_region *r,
			      uint32_t unit, unsigned order)
{
	list_remove(pool, &pool->free_head[order - pool->unit_shift], make_ref(r, unit));
	if (pool->free_head[order - pool->unit_shift] == NIL)
		pool->free_orders &= ~(1u << (order - pool->unit_shift));
	region_kind(pool, r)[unit] = KIND_FREE_BODY;
}

/* The first KEEP_EMPTY_REGIONS empty regions are never given back, so their
 * clock starts only when one more region empties: a hot alloc/free pair that
 * empties and refills one region reads no clock. */
#define NOT_AGING UINT64_MAX

/* Starts the clock of the empty regions that have none yet (the oldest). */
static void start_clocks(struct dma_pool *pool, uint64_t now)
{
	for (struct dma_region *e = pool->empty_head; e && e->empty_since == NOT_AGING;
	     e = e->empty_next)
		e->empty_since = now;
}

static COLD void start_aging(struct dma_pool *pool, struct dma_region *r)
{
	uint64_t now = ktime_ns();
	r->empty_since = now;
	start_clocks(pool, now);
}

static inline void empty_list_add(struct dma_pool *pool, struct dma_region *r)
{
	r->empty_since = NOT_AGING;
	if (pool->empty_regions >= KEEP_EMPTY_REGIONS)
		start_aging(pool, r);
	r->empty_next = NULL;
	r->empty_prev = pool->empty_tail;
	if (pool->empty_tail)
		pool->empty_tail->empty_next = r;
	else
		pool->empty_head = r;
	pool->empty_tail = r;
	pool->empty_regions++;
}

static void empty_list_remove(struct dma_pool *pool, struct dma_region *r)
{
	if (r->empty_prev)
		r->empty_prev->empty_next = r->empty_next;
	else
		pool->empty_head = r->empty_next;
	if (r->empty_next)
		r->empty_next->empty_prev = r->empty_prev;
	else
		pool->empty_tail = r->empty_prev;
	r->empty_prev = r->empty_next = NULL;
	pool->empty_regions--;
}

static bool empty_listed(const struct dma_pool *pool, const struct dma_region *r)
{
	return r->empty_prev || pool->empty_head == r;
}

/* The region the allocation cursor points into. It counts as in use even
 * when it holds no live chunk, so it is never on the empty list (and never
 * given back under the cursor): a hot alloc/free pair then never moves it
 * on and off the list, and the cursor path need not check. It is listed,
 * if empty, when the cursor leaves it. */
static struct dma_region *cursor_region(const struct dma_pool *pool)
{
	return pool->cursor.pc ? pool->cursor.region : NULL;
}

static void cursor_left(struct dma_pool *pool, struct dma_region *old)
{
	if (old && old != cursor_region(pool) && !old->live_chunks && !empty_listed(pool, old))
		empty_list_add(pool, old);
}

static void cursor_clear(struct dma_pool *pool)
{
	struct dma_region *old = cursor_region(pool);
	pool->cursor.pc = 0;
	cursor_left(pool, old);
}

static bool region_slot_reserve(struct dma_pool *pool, uint32_t *index)
{
	for (uint32_t i = 0; i < pool->region_cap; i++)
		if (!pool->regions[i]) {
			*index = i;
			return true;
		}
	uint32_t cap = pool->region_cap ? pool->region_cap * 2 : 1;
	if (cap > (1u << (32 - REF_UNIT_BITS)) - 1)
		return false;
	struct dma_region **bigger = kzalloc(cap * sizeof(*bigger));
	if (!bigger)
		return false;
	if (pool->regions)
		memcpy(bigger, pool->regions, pool->region_cap * sizeof(*bigger));
	kfree(pool->regions);
	pool->regions = bigger;
	*index = pool->region_cap;
	pool->region_cap = cap;
	return true;
}

static bool region_acceptable(struct dma_pool *pool, void *virt, dma_addr_t phys)
{
	size_t size = pool->cfg.region_size;
	if (!IS_ALIGNED((uintptr_t)virt, size) || !IS_ALIGNED(phys, size)) {
		pr_err("dma pool %s: page source returned a misaligned region (virt %p phys 0x%llx)\n",
		       pool->name, virt, (unsigned long long)phys);
		return false;
	}
	if (phys + size - 1 > pool->cfg.max_phys || phys + size - 1 < phys) {
		pr_err("dma pool %s: page source returned phys 0x%llx above the ceiling 0x%llx\n",
		       pool->name, (unsigned long long)phys,
		       (unsigned long long)pool->cfg.max_phys);
		return false;
	}
	if (table_find(&pool->by_virt, (uintptr_t)virt >> pool->region_shift) ||
	    table_find(&pool->by_phys, phys >> pool->region_shift)) {
		pr_err("dma pool %s: page source returned a region the pool already holds (virt %p phys 0x%llx)\n",
		       pool->name, virt, (unsigned long long)phys);
		return false;
	}
	return true;
}

/* Metadata for a new region, entered in both translation tables; NULL if
 * kernel memory ran out. */
static struct dma_region *region_register(struct dma_pool *pool, void *virt, dma_addr_t phys)
{
	struct dma_region *r = kzalloc(region_meta_bytes(pool));
	uint64_t vframe = (uintptr_t)virt >> pool->region_shift;
	if (!r || !table_insert(&pool->by_virt, vframe, r)) {
		kfree(r);
		return NULL;
	}
	if (!table_insert(&pool->by_phys, phys >> pool->region_shift, r)) {
		table_remove(&pool->by_virt, vframe);
		kfree(r);
		return NULL;
	}
	r->virt = (uintptr_t)virt;
	r->phys = phys;
	return r;
}

/* Takes a region from the source and puts its top blocks on the free lists. */
static bool region_grow(struct dma_pool *pool)
{
	const struct dma_page_source *src = pool->cfg.source;
	size_t size = pool->cfg.region_size;
	uint32_t index;
	dma_addr_t phys = 0;

	if (!region_slot_reserve(pool, &index))
		return false;
	void *virt = src->alloc_region(src->ctx, size, pool->cfg.max_phys, &phys);
	if (!virt)
		return false;
	struct dma_region *r = region_acceptable(pool, virt, phys) ? region_register(pool, virt, phys)
								   : NULL;
	if (!r) {
		src->free_region(src->ctx, virt, phys, size);
		return false;
	}
	uint32_t units = pool->units_per_region;
	r->index = index;
	pool->regions[index] = r;
	if (pool->cfg.flags & DMA_POOL_POISON)
		memset(virt, POISON_BYTE, size);
	/* pushed last to first so the region is handed out from its start */
	for (uint32_t u = units; u > 0;) {
		u -= units_in(pool, pool->top_shift);
		push_free_block(pool, r, u, pool->top_shift);
	}

	pool->nregions++;
	empty_list_add(pool, r);
	pool->st.regions_taken++;
	if (pool->nregions > pool->st.regions_peak)
		pool->st.regions_peak = pool->nregions;
	return true;
}

static void slab_release(struct dma_pool *pool, struct dma_region *r, uint32_t unit);

/* Gives an empty region back: its free blocks and cached empty slabs leave
 * the lists first. */
static void region_release(struct dma_pool *pool, struct dma_region *r)
{
	const uint8_t *kind = region_kind(pool, r);
	for (uint32_t u = 0; u < pool->units_per_region; u++)
		if (KIND_TYPE(kind[u]) == KIND_SLAB)
			slab_release(pool, r, u);
	for (uint32_t u = 0; u < pool->units_per_region; u++)
		if (KIND_TYPE(kind[u]) == KIND_FREE_HEAD)
			unlink_free_block(pool, r, u, KIND_ORDER(kind[u]));
	table_remove(&pool->by_virt, r->virt >> pool->region_shift);
	table_remove(&pool->by_phys, r->phys >> pool->region_shift);
	pool->regions[r->index] = NULL;
	pool->nregions--;
	if (empty_listed(pool, r))
		empty_list_remove(pool, r);
	pool->st.regions_returned++;
	pool->cfg.source->free_region(pool->cfg.source->ctx, (void *)r->virt, r->phys,
				      pool->cfg.region_size);
	kfree(r);
}

static void chunk_taken(struct dma_pool *pool, struct dma_region *r)
{
	if (unlikely(r->live_chunks++ == 0) && empty_listed(pool, r))
		empty_list_remove(pool, r);
}

static inline void count_live(struct class_count *cc)
{
	if (++cc->live > cc->peak)
		cc->peak = cc->live;
}

/* Hysteresis: an empty region goes back to the source only after it has
 * stayed empty for RELEASE_AFTER_NS while more than KEEP_EMPTY_REGIONS were
 * empty, and the newest KEEP_EMPTY_REGIONS never do, so a pool that empties
 * and refills in bursts keeps its memory. */
static void release_stale_regions(struct dma_pool *pool)
{
	unsigned keep = KEEP_EMPTY_REGIONS;
	const struct dma_region *c = cursor_region(pool);
	if (c && !c->live_chunks)
		keep--; /* the cursor's empty region (never listed) is one of those kept */
	if (pool->empty_regions <= keep)
		return;
	uint64_t now = ktime_ns();
	start_clocks(pool, now); /* every listed region is past the ones kept */
	while (pool->empty_regions > keep && now - pool->empty_head->empty_since >= RELEASE_AFTER_NS)
		region_release(pool, pool->empty_head);
}

/* Returns NULL (no refusal), for the free paths to return. */
static OUT_OF_LINE const char *region_emptied(struct dma_pool *pool, struct dma_region *r)
{
	if (r != cursor_region(pool))
		empty_list_add(pool, r);
	release_stale_regions(pool);
	return NULL;
}

/* The accounting of a successful free; returns NULL (no refusal). */
static inline const char *chunk_freed(struct dma_pool *pool, struct dma_region *r,
				      unsigned order)
{
	pool->count[order].live--;
	if (likely(--r->live_chunks) || (r == cursor_region(pool) && !pool->empty_regions))
		return NULL; /* the cursor's region emptying is no news unless others wait */
	return region_emptied(pool, r);
}

/* ------------------------------------------------------------------ */
/* buddy blocks of units                                                */

/* Takes a free block of 2^order bytes, splitting a larger one if needed.
 * Returns its reference, NIL if the pool has none. */
static uint32_t block_take(struct dma_pool *pool, unsigned order, uint8_t kind)
{
	uint32_t usable = pool->free_orders >> (order - pool->unit_shift);
	if (!usable)
		return NIL;
	unsigned k = order + (unsigned)__builtin_ctz(usable);
	uint32_t ref = pool->free_head[k - pool->unit_shift];
	struct dma_region *r = ref_region(pool, ref);
	uint32_t unit = ref_unit(ref);

	unlink_free_block(pool, r, unit, k);
	while (k > order) {
		k--;
		events_of(pool, k)->splits++;
		push_free_block(pool, r, unit + units_in(pool, k), k);
	}
	mark_units(pool, r, unit, units_in(pool, order), kind);
	return ref;
}

/* Returns a block to the free lists, coalescing with free buddies. */
static void block_put(struct dma_pool *pool, struct dma_region *r, uint32_t unit,
		      unsigned order)
{
	mark_units(pool, r, unit, units_in(pool, order), KIND_FREE_BODY);
	while (order < pool->top_shift) {
		uint32_t buddy = unit ^ units_in(pool, order);
		if (region_kind(pool, r)[buddy] != (KIND_FREE_HEAD | order))
			break;
		unlink_free_block(pool, r, buddy, order);
		events_of(pool, order)->merges++;
		unit &= ~units_in(pool, order);
		order++;
	}
	push_free_block(pool, r, unit, order);
}

/* ------------------------------------------------------------------ */
/* slabs: a buddy block of one or more units cut into equal chunks      */

/* A slab of chunks of 2^order bytes is a block of slab_mask[order] + 1
 * bytes (naturally aligned, like every block) holding at most 128 chunks,
 * one bit each in the slot map of its first unit. */
static unsigned slab_shift(const struct dma_pool *pool, unsigned order)
{
	return log2_exact((uint64_t)pool->slab_mask[order] + 1);
}

static unsigned slab_chunks(const struct dma_pool *pool, unsigned order)
{
	return (pool->slab_mask[order] + 1) >> order;
}

/* The first unit of the slab holding region offset off. */
static uint32_t slab_first_unit(const struct dma_pool *pool, size_t off, unsigned order)
{
	return (uint32_t)((off & ~(size_t)pool->slab_mask[order]) >> pool->unit_shift);
}

/* The chunk's bit in its slab's slot map. */
static unsigned slab_index(const struct dma_pool *pool, size_t off, unsigned order)
{
	return (unsigned)((off & pool->slab_mask[order]) >> order);
}

/* The slot map of an empty slab: a 0 per chunk; the bits past a slab of
 * fewer than 128 chunks stay 1 forever, so "full" is all ones. */
static void slab_fresh(const struct dma_pool *pool, unsigned order, uint64_t fresh[SLOT_WORDS])
{
	unsigned chunks = slab_chunks(pool, order);
	for (unsigned w = 0; w < SLOT_WORDS; w++)
		fresh[w] = chunks >= 64 * (w + 1) ? 0 : chunks <= 64 * w ? ~0ull
									   : ~0ull << (chunks % 64);
}

static bool slab_empty(const struct dma_pool *pool, const uint64_t *slots, unsigned order)
{
	uint64_t fresh[SLOT_WORDS];
	slab_fresh(pool, order, fresh);
	return slots[0] == fresh[0] && slots[1] == fresh[1];
}

static uint32_t *slab_list(struct dma_pool *pool, const struct dma_region *r, uint32_t unit)
{
	unsigned order = KIND_ORDER(region_kind(pool, r)[unit]);
	return &pool->sites[region_site(pool, r)[unit]].partial[order - pool->min_shift];
}

/* The slot-map word of a slab with a free chunk: the first, else the second. */
static unsigned slab_word_with_room(const uint64_t *slots)
{
	return ~slots[0] ? 0 : 1;
}

/* A slab is on its site's list while it has a free chunk. */
static void slab_list_add(struct dma_pool *pool, struct dma_region *r, uint32_t unit)
{
	list_push(pool, slab_list(pool, r, unit), make_ref(r, unit));
}

static void slab_list_del(struct dma_pool *pool, struct dma_region *r, uint32_t unit)
{
	list_remove(pool, slab_list(pool, r, unit), make_ref(r, unit));
}

static void slab_release(struct dma_pool *pool, struct dma_region *r, uint32_t unit)
{
	unsigned order = KIND_ORDER(region_kind(pool, r)[unit]);
	slab_list_del(pool, r, unit);
	if (pool->cursor.ref == make_ref(r, unit))
		cursor_clear(pool);
	events_of(pool, order)->merges++;
	block_put(pool, r, unit, slab_shift(pool, order));
}

/* Gives the buddy back every empty slab; done before taking a new region,
 * so coalescing wins over growth. Until then an empty slab stays on its
 * list, so allocate-all/free-all bursts and hot alloc/free pairs never
 * split and merge blocks. Returns whether any slab was released. */
static bool purge_empty_slabs(struct dma_pool *pool)
{
	bool released = false;
	for (unsigned s = 0; s <= MAX_SITES; s++)
		for (unsigned c = 0; c < MAX_SLAB_CLASSES; c++) {
			uint32_t ref = pool->sites[s].partial[c];
			while (ref != NIL) {
				struct dma_region *r = ref_region(pool, ref);
				uint32_t unit = ref_unit(ref), next = ref_link(pool, ref)->next;
				unsigned order = KIND_ORDER(region_kind(pool, r)[unit]);
				if (slab_empty(pool, unit_slots(pool, r, unit), order)) {
					slab_release(pool, r, unit);
					released = true;
				}
				ref = next;
			}
		}
	return released;
}

static COLD unsigned site_lookup(struct dma_pool *pool, uintptr_t pc)
{
	unsigned i;
	for (i = 0; i < MAX_SITES; i++)
		if (pool->sites[i].pc == pc || pool->sites[i].pc == 0)
			break;
	if (i < MAX_SITES)
		pool->sites[i].pc = pc;
	else
		i = SITE_UNTRACKED;
	pool->last_pc = pc;
	pool->last_site = i;
	return i;
}

/* Which slab set an allocation from `pc` uses; drivers allocate from a few
 * places, usually the same one many times in a row. */
static inline unsigned site_index(struct dma_pool *pool, uintptr_t pc)
{
	if (likely(pool->last_pc == pc))
		return pool->last_site;
	return site_lookup(pool, pc);
}

/* Makes a free block into a new slab for (site, order); false if the pool
 * has no block that large. */
static bool slab_open(struct dma_pool *pool, unsigned order, unsigned site)
{
	uint32_t ref = block_take(pool, slab_shift(pool, order), (uint8_t)(KIND_SLAB | order));
	if (ref == NIL)
		return false;
	struct dma_region *r = ref_region(pool, ref);
	region_site(pool, r)[ref_unit(ref)] = (uint8_t)site;
	slab_fresh(pool, order, unit_slots(pool, r, ref_unit(ref)));
	events_of(pool, order)->splits++;
	slab_list_add(pool, r, ref_unit(ref));
	return true;
}

/* Points the cursor for (pc, size) at word w, which has a free slot, of
 * slab `ref`. */
static void cursor_set(struct dma_pool *pool, uintptr_t pc, size_t size, unsigned order,
		       uint32_t ref, unsigned w)
{
	struct dma_region *old = cursor_region(pool), *r = ref_region(pool, ref);
	size_t word_off = ((size_t)ref_unit(ref) << pool->unit_shift) + ((size_t)(w * 64) << order);
	if (empty_listed(pool, r))
		empty_list_remove(pool, r);
	pool->cursor = (struct alloc_cursor){
		.pc = pc, .size = size,
		.word = &unit_slots(pool, r, ref_unit(ref))[w],
		.region = r,
		.virt = r->virt + word_off, .phys = r->phys + word_off,
		.ref = ref, .order = (uint8_t)order, .word_index = (uint8_t)w,
	};
	cursor_left(pool, old);
}

/* A free slot of the site's first slab with room, for (pc, size). The
 * cursor then points at the slab, unless it filled up: then the slab
 * leaves its list. Returns the chunk's offset in region *rp, or -1 if the
 * site has no slab with room. */
static long slab_take(struct dma_pool *pool, uintptr_t pc, size_t size, unsigned order,
		      unsigned site, struct dma_region **rp)
{
	uint32_t ref = pool->sites[site].partial[order - pool->min_shift];
	if (ref == NIL)
		return -1;
	struct dma_region *r = ref_region(pool, ref);
	uint32_t unit = ref_unit(ref);
	uint64_t *slots = unit_slots(pool, r, unit);
	unsigned w = slab_word_with_room(slots);
	unsigned leaf = (unsigned)__builtin_ctzll(~slots[w]);
	size_t off = ((size_t)unit << pool->unit_shift) + ((size_t)(w * 64 + leaf) << order);
	slots[w] |= 1ull << leaf;
	if (!~slots[w])
		w ^= 1;
	if (~slots[w]) {
		cursor_set(pool, pc, size, order, ref, w);
	} else {
		slab_list_del(pool, r, unit);
		cursor_clear(pool);
	}
	*rp = r;
	return (long)off;
}

/* The cursor's word has just filled up: go on in the other word of the
 * slab or, if the slab is full, take it off its list and go on in the next
 * slab there (none: the cursor is cleared). */
static OUT_OF_LINE void cursor_word_filled(struct dma_pool *pool)
{
	struct alloc_cursor *c = &pool->cursor;
	uint64_t *other = c->word + (c->word_index ? -1 : 1);
	if (~*other) {
		cursor_set(pool, c->pc, c->size, c->order, c->ref, c->word_index ^ 1u);
		return;
	}
	uint32_t *list = slab_list(pool, c->region, ref_unit(c->ref));
	slab_list_del(pool, c->region, ref_unit(c->ref));
	if (*list == NIL) {
		cursor_clear(pool);
		return;
	}
	const uint64_t *next = unit_slots(pool, ref_region(pool, *list), ref_unit(*list));
	cursor_set(pool, c->pc, c->size, c->order, *list, slab_word_with_room(next)); /* listed */
}

/* ------------------------------------------------------------------ */
/* misuse reports                                                       */

static COLD void report(struct dma_pool *pool, const char *op, const void *addr,
			const char *what, uintptr_t caller)
{
	char site[64];
	ksym_format(caller, site, sizeof(site));
	pool->st.misuse++;
	pr_err("dma pool %s: %s(%p) refused: %s; caller %s\n", pool->name, op, addr,
	       what, site);
}

/* Names the pool a foreign pointer belongs to, if any: the error path may
 * look at every pool. */
static const char *owner_of(const void *vaddr, const struct dma_pool *except)
{
	const char *name = NULL;
	unsigned long f = spin_lock_irqsave(&all_pools_lock);
	for (struct dma_pool *p = all_pools; p && !name; p = p->next)
		if (p != except && table_find(&p->by_virt, (uintptr_t)vaddr >> p->region_shift))
			name = p->name;
	spin_unlock_irqrestore(&all_pools_lock, f);
	return name;
}

static COLD void report_foreign(struct dma_pool *pool, const void *vaddr, uintptr_t caller)
{
	char what[64];
	const char *owner = owner_of(vaddr, pool);
	if (owner)
		ksnprintf(what, sizeof(what), "pointer belongs to pool %s", owner);
	else
		ksnprintf(what, sizeof(what), "pointer is not from this pool");
	report(pool, "dma_pool_free", vaddr, what, caller);
}

/* ------------------------------------------------------------------ */
/* allocation and free                                                  */

static COLD void check_poison(struct dma_pool *pool, const uint8_t *p, size_t size,
			      dma_addr_t phys, uintptr_t caller)
{
	for (size_t i = 0; i < size; i++) {
		if (p[i] == POISON_BYTE)
			continue;
		char site[64];
		ksym_format(caller, site, sizeof(site));
		pool->st.poison_hits++;
		pr_err("dma pool %s: chunk phys 0x%llx (%zu bytes) was written after free: byte 0x%x at offset %zu; now handed to %s\n",
		       pool->name, (unsigned long long)phys, size, p[i], i, site);
		return;
	}
}

/* A buddy block for a chunk of a unit or more (common, so out of line but
 * not cold). Returns its region offset, or -1 if no free block is large
 * enough. */
static OUT_OF_LINE long block_alloc(struct dma_pool *pool, unsigned order, uintptr_t caller,
				    struct dma_region **rp)
{
	uint32_t ref = block_take(pool, order, (uint8_t)(KIND_ALLOC | order));
	if (ref == NIL)
		return -1;
	*rp = ref_region(pool, ref);
	region_site(pool, *rp)[ref_unit(ref)] = (uint8_t)site_index(pool, caller);
	return (long)((size_t)ref_unit(ref) << pool->unit_shift);
}

/* A slot of one of the caller's slabs, opening a slab if it has none with
 * room. Returns the region offset, or -1 if the pool has no free block for
 * a new slab. */
static long slab_alloc(struct dma_pool *pool, size_t size, unsigned order, uintptr_t caller,
		       struct dma_region **rp)
{
	unsigned site = site_index(pool, caller);
	long off = slab_take(pool, caller, size, order, site, rp);
	if (off < 0 && slab_open(pool, order, site))
		off = slab_take(pool, caller, size, order, site, rp);
	return off;
}

struct handout {
	void *chunk;  /* NULL: refused (bytes = the size asked for) or out of memory (0) */
	size_t bytes;
};

/* When the caller's slabs and the free lists have nothing: a new slab, or
 * kept empty slabs merged back, or a new region. Returns the chunk's region
 * offset or -1. */
static COLD long alloc_grow(struct dma_pool *pool, size_t size, unsigned order,
			    uintptr_t caller, struct dma_region **rp)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		long off = order < pool->unit_shift ? slab_alloc(pool, size, order, caller, rp)
						    : block_alloc(pool, order, caller, rp);
		if (off >= 0)
			return off;
		if (!purge_empty_slabs(pool) && !region_grow(pool))
			break;
	}
	events_of(pool, order)->failed++;
	return -1;
}

/* Every allocation the cursor does not serve, under the lock: a slot of one
 * of the caller's slabs, or a buddy block. */
static OUT_OF_LINE struct handout alloc_uncached(struct dma_pool *pool, size_t size,
						 uintptr_t caller, dma_addr_t *phys)
{
	if (unlikely(size > pool->cfg.max_chunk))
		return (struct handout){ NULL, size };
	unsigned order = order_for_size(pool, size);
	struct dma_region *r = NULL;
	long off = order < pool->unit_shift
			   ? slab_take(pool, caller, size, order, site_index(pool, caller), &r)
			   : block_alloc(pool, order, caller, &r);
	if (unlikely(off < 0))
		off = alloc_grow(pool, size, order, caller, &r);
	if (unlikely(off < 0))
		return (struct handout){ NULL, 0 };
	chunk_taken(pool, r);
	count_live(&pool->count[order]);
	*phys = r->phys + (size_t)off;
	return (struct handout){ (void *)(r->virt + (size_t)off), (size_t)1 << order };
}

/* The part of dma_pool_alloc under the lock. The cursor path is a bit
 * search in one word and a few counters; everything else is out of line,
 * so the compiler keeps the path short. */
static inline struct handout alloc_locked(struct dma_pool *pool, size_t size,
					       uintptr_t caller, dma_addr_t *phys)
{
	struct alloc_cursor *c = &pool->cursor;
	if (unlikely(c->pc != caller || c->size != size))
		return alloc_uncached(pool, size, caller, phys);
	uint64_t *word = c->word, w = *word; /* never all ones: see struct alloc_cursor */
	unsigned order = c->order;
	size_t delta = (size_t)__builtin_ctzll(~w) << order;
	w |= w + 1; /* sets the lowest clear bit, the one just found */
	*word = w;
	c->region->live_chunks++; /* never on the empty list */
	count_live(&pool->count[order]);
	*phys = c->phys + delta;
	struct handout h = { (void *)(c->virt + delta), (size_t)1 << order };
	if (unlikely(w == ~0ull))
		cursor_word_filled(pool); /* out of line */
	return h;
}

static COLD void *refuse_oversize(struct dma_pool *pool, size_t size, uintptr_t caller)
{
	char what[64];
	ksnprintf(what, sizeof(what), "%zu bytes is above max_chunk %zu", size,
		  pool->cfg.max_chunk);
	report(pool, "dma_pool_alloc", NULL, what, caller);
	return NULL;
}

/* Chunks of up to 64 bytes, most descriptors, are zeroed with a few aligned
 * stores: a memset call costs more than the stores (measured: 16- and
 * 64-byte zeroed allocation ratios 1.25 with memset, 1.12-1.16 with these). */
static inline void zero_chunk(void *chunk, size_t bytes)
{
	if (bytes > 64) {
		memset(chunk, 0, bytes);
		return;
	}
	uint64_t *q = chunk;
	for (size_t i = 0; i < bytes / sizeof(*q); i += 2) {
		q[i] = 0;
		q[i + 1] = 0;
	}
}

void *dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys)
{
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	struct handout h = alloc_locked(pool, size, caller, phys);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (unlikely(!h.chunk))
		return h.bytes ? refuse_oversize(pool, size, caller) : NULL;
	if (unlikely(pool->cfg.flags & DMA_POOL_POISON))
		check_poison(pool, h.chunk, h.bytes, *phys, caller);
	if (likely(!(pool->cfg.flags & DMA_POOL_NO_ZERO)))
		zero_chunk(h.chunk, h.bytes);
	return h.chunk;
}

static const char *const NOT_ALLOCATED = "double free (chunk is not allocated)";
static const char *const INTERIOR = "interior or misaligned pointer";

static void poison(struct dma_pool *pool, struct dma_region *r, size_t off, unsigned order)
{
	if (unlikely(pool->cfg.flags & DMA_POOL_POISON))
		memset((void *)(r->virt + off), POISON_BYTE, (size_t)1 << order);
}

/* Frees a chunk of a buddy block, or says why vaddr is not one. */
static OUT_OF_LINE const char *block_free(struct dma_pool *pool, struct dma_region *r, size_t off,
					  uint32_t unit, uint8_t kind)
{
	unsigned order = KIND_ORDER(kind);
	if (KIND_TYPE(kind) != KIND_ALLOC)
		return IS_ALIGNED(off, (size_t)1 << pool->min_shift) ? NOT_ALLOCATED
								     : "pointer into free memory";
	if (off & (((size_t)1 << order) - 1))
		return INTERIOR;
	poison(pool, r, off, order);
	block_put(pool, r, unit, order);
	return chunk_freed(pool, r, order);
}

/* What the slab free path leaves out of line: poisoning, a full slab that
 * has room again. */
static OUT_OF_LINE const char *slab_free_followup(struct dma_pool *pool, struct dma_region *r,
						  size_t off, uint32_t unit, bool was_full)
{
	unsigned order = KIND_ORDER(region_kind(pool, r)[unit]);
	poison(pool, r, off, order);
	if (was_full) /* a slab that empties stays listed: see purge_empty_slabs */
		slab_list_add(pool, r, unit);
	return chunk_freed(pool, r, order);
}

static const char *const FOREIGN = "pointer is not from this pool";

/* Validates vaddr as the start of a live chunk and frees it. Returns NULL
 * or the reason for refusing. Every check is a few loads and compares;
 * everything rarer than a slab chunk's free is out of line. */
static inline const char *free_locked(struct dma_pool *pool, uintptr_t vaddr)
{
	struct dma_region *r = table_find_hot(&pool->by_virt, vaddr >> pool->region_shift);
	if (unlikely(!r))
		return FOREIGN;
	size_t off = vaddr & (pool->cfg.region_size - 1);
	uint32_t unit = (uint32_t)(off >> pool->unit_shift);
	uint8_t kind = region_kind(pool, r)[unit];
	/* A slab unit's order, 64 or more for every other kind: one compare
	 * checks the kind and the chunk alignment (vaddr is not 0: regions
	 * never start at 0). */
	unsigned order = (uint8_t)(kind - KIND_SLAB);
	if (unlikely((unsigned)__builtin_ctzll(vaddr) < order))
		return KIND_TYPE(kind) == KIND_SLAB ? INTERIOR : block_free(pool, r, off, unit, kind);
	uint32_t first = slab_first_unit(pool, off, order);
	unsigned index = slab_index(pool, off, order);
	uint64_t *slots = unit_slots(pool, r, first);
	uint64_t *word = &slots[index / 64], bit = 1ull << (index % 64), old = *word;
	if (unlikely(!(old & bit)))
		return NOT_ALLOCATED;
	*word = old & ~bit;
	/* the other word is read only when this one was full */
	bool was_full = old == ~0ull && slots[(index / 64) ^ 1] == ~0ull;
	if (unlikely(was_full || (pool->cfg.flags & DMA_POOL_POISON)))
		return slab_free_followup(pool, r, off, first, was_full);
	return chunk_freed(pool, r, order);
}

static COLD void refuse_free(struct dma_pool *pool, void *vaddr, const char *why,
			     uintptr_t caller)
{
	if (why == FOREIGN)
		report_foreign(pool, vaddr, caller);
	else
		report(pool, "dma_pool_free", vaddr, why, caller);
}

void dma_pool_free(struct dma_pool *pool, void *vaddr)
{
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	const char *why = free_locked(pool, (uintptr_t)vaddr);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (unlikely(why))
		refuse_free(pool, vaddr, why, (uintptr_t)__builtin_return_address(0));
}

/* ------------------------------------------------------------------ */
/* translation                                                          */

static inline bool offset_is_live(const struct dma_pool *pool, const struct dma_region *r,
				  size_t off)
{
	uint32_t unit = (uint32_t)(off >> pool->unit_shift);
	uint8_t kind = region_kind(pool, r)[unit];
	if (KIND_TYPE(kind) == KIND_SLAB) {
		unsigned order = KIND_ORDER(kind);
		unsigned index = slab_index(pool, off, order);
		const uint64_t *slots = unit_slots(pool, r, slab_first_unit(pool, off, order));
		return slots[index / 64] >> (index % 64) & 1;
	}
	return KIND_TYPE(kind) == KIND_ALLOC;
}

void *dma_pool_phys_to_virt_irqoff(struct dma_pool *pool, dma_addr_t phys)
{
	struct dma_region *r = table_find(&pool->by_phys, phys >> pool->region_shift);
	size_t off = phys & (pool->cfg.region_size - 1); /* regions are naturally aligned */
	if (!r || !offset_is_live(pool, r, off))
		return NULL;
	return (void *)(r->virt + off);
}

dma_addr_t dma_pool_virt_to_phys_irqoff(struct dma_pool *pool, const void *vaddr)
{
	uintptr_t v = (uintptr_t)vaddr;
	struct dma_region *r = table_find(&pool->by_virt, v >> pool->region_shift);
	size_t off = v & (pool->cfg.region_size - 1);
	if (!r || !offset_is_live(pool, r, off))
		return 0;
	return r->phys + off;
}

void *dma_pool_phys_to_virt(struct dma_pool *pool, dma_addr_t phys)
{
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	void *v = dma_pool_phys_to_virt_irqoff(pool, phys);
	spin_unlock_irqrestore(&pool->lock, flags);
	return v;
}

/* A pointer that is not inside a live chunk is a driver bug (unlike a
 * hardware link pointer), so it is reported; the result is 0. */
dma_addr_t dma_pool_virt_to_phys(struct dma_pool *pool, const void *vaddr)
{
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	dma_addr_t phys = dma_pool_virt_to_phys_irqoff(pool, vaddr);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (!phys)
		report(pool, "dma_pool_virt_to_phys", vaddr, "not inside a live chunk", caller);
	return phys;
}

/* ------------------------------------------------------------------ */
/* creation, statistics, destruction                                    */

static const char *config_error(const struct dma_pool_config *c)
{
	if (!c || !c->source || !c->source->alloc_region || !c->source->free_region)
		return "no page source";
	if (!is_pow2(c->min_chunk) || c->min_chunk < 16)
		return "min_chunk must be a power of two >= 16";
	if (!is_pow2(c->max_chunk) || c->max_chunk < c->min_chunk)
		return "max_chunk must be a power of two >= min_chunk";
	if (!is_pow2(c->region_size) || c->region_size < 4096 ||
	    c->region_size > MAX_REGION_SIZE)
		return "region_size must be a power of two from 4 KiB to 4 MiB";
	if (c->max_chunk > c->region_size)
		return "max_chunk must not exceed region_size";
	if (c->max_phys < c->region_size - 1)
		return "max_phys is below the first region";
	if (c->flags & ~(DMA_POOL_NO_ZERO | DMA_POOL_POISON))
		return "unknown flags";
	return NULL;
}

static void pool_init_shape(struct dma_pool *pool, const char *name)
{
	const struct dma_pool_config *c = &pool->cfg;
	size_t i;
	for (i = 0; name[i] && i < sizeof(pool->name) - 1; i++)
		pool->name[i] = name[i];
	pool->lock = (spinlock_t)SPINLOCK_INIT("dma_pool");
	pool->min_shift = log2_exact(c->min_chunk);
	pool->max_shift = log2_exact(c->max_chunk);
	pool->region_shift = log2_exact(c->region_size);
	pool->unit_shift = MIN(pool->min_shift + UNIT_SLOTS_SHIFT, pool->region_shift);
	/* the largest block: max_chunk, or a unit if that is larger */
	pool->top_shift = MAX(pool->max_shift, pool->unit_shift);
	pool->units_per_region = 1u << (pool->region_shift - pool->unit_shift);
	pool->slots_offset = (uint32_t)(sizeof(struct dma_region) + ALIGN_UP(2 * pool->units_per_region, 8));
	pool->links_offset = pool->slots_offset +
			     pool->units_per_region * SLOT_WORDS * (uint32_t)sizeof(uint64_t);
	memset(pool->free_head, 0xff, sizeof(pool->free_head));
	for (i = 0; i <= MAX_SITES; i++)
		memset(pool->sites[i].partial, 0xff, sizeof(pool->sites[i].partial));
	pool->nclasses = pool->top_shift - pool->min_shift + 1;
	for (unsigned order = pool->min_shift; order < pool->unit_shift; order++)
		pool->slab_mask[order] = (1u << MIN(MIN(order + SLAB_CHUNKS_SHIFT, pool->top_shift),
						     MAX(pool->unit_shift, SLAB_MAX_SHIFT))) - 1;
}

struct dma_pool *dma_pool_create(const char *name, const struct dma_pool_config *cfg)
{
	const char *err = config_error(cfg);
	if (err) {
		pr_err("dma_pool_create(%s): %s\n", name, err);
		return NULL;
	}
	struct dma_pool *pool = kzalloc(sizeof(*pool));
	if (!pool || !table_init(&pool->by_virt, 2) || !table_init(&pool->by_phys, 2)) {
		pr_err("dma_pool_create(%s): out of memory for the pool's metadata\n", name);
		if (pool) {
			kfree(pool->by_virt.slot);
			kfree(pool);
		}
		return NULL;
	}
	pool->cfg = *cfg;
	pool_init_shape(pool, name);
	pool->events = kzalloc(pool->nclasses * sizeof(*pool->events));
	if (!pool->events) {
		pr_err("dma_pool_create(%s): out of memory for the pool's metadata\n", name);
		kfree(pool->by_virt.slot);
		kfree(pool->by_phys.slot);
		kfree(pool);
		return NULL;
	}

	unsigned long f = spin_lock_irqsave(&all_pools_lock);
	struct dma_pool **tail = &all_pools;
	while (*tail)
		tail = &(*tail)->next;
	*tail = pool;
	spin_unlock_irqrestore(&all_pools_lock, f);
	return pool;
}

void dma_pool_stats(struct dma_pool *pool, struct dma_pool_stats *out)
{
	unsigned long flags = spin_lock_irqsave(&pool->lock);
	memset(out, 0, sizeof(*out));
	memcpy(out->name, pool->name, sizeof(out->name));
	out->region_size = pool->cfg.region_size;
	out->max_phys = pool->cfg.max_phys;
	out->nclasses = pool->nclasses;
	for (unsigned i = 0; i < out->nclasses; i++) {
		const struct class_count *cc = &pool->count[pool->min_shift + i];
		const struct class_events *ev = &pool->events[i];
		out->cls[i] = (struct dma_pool_class_stats){
			.size = pool->cfg.min_chunk << i, .live = cc->live, .peak = cc->peak,
			.splits = ev->splits, .merges = ev->merges, .failed = ev->failed,
		};
	}
	out->regions_peak = pool->st.regions_peak;
	out->regions_taken = pool->st.regions_taken;
	out->regions_returned = pool->st.regions_returned;
	out->misuse = pool->st.misuse;
	out->poison_hits = pool->st.poison_hits;
	out->regions = pool->nregions;
	out->managed_bytes = (uint64_t)pool->nregions * pool->cfg.region_size;
	out->live_bytes = 0;
	for (unsigned i = 0; i < out->nclasses; i++)
		out->live_bytes += out->cls[i].live * out->cls[i].size;
	out->metadata_bytes = sizeof(*pool) + pool->nclasses * sizeof(*pool->events) +
			      table_bytes(&pool->by_virt) +
			      table_bytes(&pool->by_phys) +
			      pool->region_cap * sizeof(*pool->regions) +
			      (uint64_t)pool->nregions * region_meta_bytes(pool);
	out->region_metadata_bytes = region_meta_bytes(pool) +
				     2 * BUCKET_SLOTS * sizeof(struct region_slot);
	spin_unlock_irqrestore(&pool->lock, flags);
}

unsigned dma_pool_metadata_bp(const struct dma_pool_stats *st)
{
	if (!st->managed_bytes)
		return 0;
	return (unsigned)((st->metadata_bytes * 10000 + st->managed_bytes - 1) / st->managed_bytes);
}

void dma_pool_stats_print(const struct dma_pool_stats *st)
{
	unsigned bp = dma_pool_metadata_bp(st);
	unsigned region_bp = (unsigned)((st->region_metadata_bytes * 10000 + st->region_size - 1) /
					st->region_size);
	kprintf("pool %s: %llu regions of %zu KiB (peak %llu, taken %llu, returned %llu), max_phys 0x%llx\n",
		st->name, (unsigned long long)st->regions, st->region_size / 1024,
		(unsigned long long)st->regions_peak, (unsigned long long)st->regions_taken,
		(unsigned long long)st->regions_returned, (unsigned long long)st->max_phys);
	kprintf("  managed %llu KiB, live %llu bytes, misuse %llu, poison hits %llu\n",
		(unsigned long long)(st->managed_bytes / 1024), (unsigned long long)st->live_bytes,
		(unsigned long long)st->misuse, (unsigned long long)st->poison_hits);
	kprintf("  metadata %llu bytes = %u.%02u%% of managed (%llu bytes = %u.%02u%% per region, the rest per pool)\n",
		(unsigned long long)st->metadata_bytes, bp / 100, bp % 100,
		(unsigned long long)st->region_metadata_bytes, region_bp / 100, region_bp % 100);
	kprintf("  %8s %10s %10s %10s %10s %8s\n", "size", "live", "peak", "splits", "merges",
		"failed");
	for (unsigned i = 0; i < st->nclasses; i++) {
		const struct dma_pool_class_stats *c = &st->cls[i];
		kprintf("  %8zu %10llu %10llu %10llu %10llu %8llu\n", c->size,
			(unsigned long long)c->live, (unsigned long long)c->peak,
			(unsigned long long)c->splits, (unsigned long long)c->merges,
			(unsigned long long)c->failed);
	}
}

void dma_pool_print_stats(struct dma_pool *pool)
{
	struct dma_pool_stats st;
	dma_pool_stats(pool, &st);
	dma_pool_stats_print(&st);
}

void dma_pool_for_each(void (*fn)(struct dma_pool *pool, void *ctx), void *ctx)
{
	unsigned long f = spin_lock_irqsave(&all_pools_lock);
	for (struct dma_pool *p = all_pools; p; p = p->next)
		fn(p, ctx);
	spin_unlock_irqrestore(&all_pools_lock, f);
}

static void leak_line(struct dma_pool *pool, struct dma_region *r, uint32_t unit,
		      size_t off, unsigned order)
{
	char site[64];
	const struct alloc_site *s = &pool->sites[region_site(pool, r)[unit]];
	if (s->pc)
		ksym_format(s->pc, site, sizeof(site));
	else
		ksnprintf(site, sizeof(site), "(untracked: more than %d sites)", MAX_SITES);
	pr_err("  leak: %zu bytes at phys 0x%llx, allocated by %s\n", (size_t)1 << order,
	       (unsigned long long)(r->phys + off), site);
}

/* Prints every live chunk of a region; returns how many there were. */
static uint32_t region_leaks(struct dma_pool *pool, struct dma_region *r)
{
	uint32_t n = 0;
	for (uint32_t u = 0; u < pool->units_per_region; u++) {
		uint8_t kind = region_kind(pool, r)[u];
		unsigned order = KIND_ORDER(kind);
		size_t base = (size_t)u << pool->unit_shift;
		if (KIND_TYPE(kind) == KIND_ALLOC && !(u & (units_in(pool, order) - 1))) {
			leak_line(pool, r, u, base, order);
			n++;
		} else if (KIND_TYPE(kind) == KIND_SLAB && slab_first_unit(pool, base, order) == u) {
			const uint64_t *slots = unit_slots(pool, r, u);
			for (unsigned i = 0; i < slab_chunks(pool, order); i++)
				if (slots[i / 64] >> (i % 64) & 1) {
					leak_line(pool, r, u, base + ((size_t)i << order), order);
					n++;
				}
		}
	}
	return n;
}

/* Regions that still hold live chunks are never given back: a device may
 * still be writing into them. Everything else is. */
void dma_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	unsigned long f = spin_lock_irqsave(&all_pools_lock);
	struct dma_pool **pp = &all_pools;
	while (*pp && *pp != pool)
		pp = &(*pp)->next;
	if (*pp)
		*pp = pool->next;
	spin_unlock_irqrestore(&all_pools_lock, f);

	unsigned long flags = spin_lock_irqsave(&pool->lock);
	uint32_t leaked_chunks = 0, kept_regions = 0;
	for (uint32_t i = 0; i < pool->region_cap; i++) {
		struct dma_region *r = pool->regions[i];
		if (r && !r->live_chunks)
			region_release(pool, r);
	}
	for (uint32_t i = 0; i < pool->region_cap; i++) {
		struct dma_region *r = pool->regions[i];
		if (!r)
			continue;
		if (!leaked_chunks)
			pr_err("dma pool %s destroyed with live chunks:\n", pool->name);
		leaked_chunks += region_leaks(pool, r);
		kept_regions++;
		kfree(r);
	}
	if (leaked_chunks)
		pr_err("dma pool %s: %u live chunks leaked; %u regions (%zu KiB) kept from the page source\n",
		       pool->name, leaked_chunks, kept_regions,
		       kept_regions * pool->cfg.region_size / 1024);
	spin_unlock_irqrestore(&pool->lock, flags);
	kfree(pool->regions);
	kfree(pool->by_virt.slot);
	kfree(pool->by_phys.slot);
	kfree(pool->events);
	kfree(pool);
}
