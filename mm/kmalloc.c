/*
 * kmalloc: power-of-two size classes (16 to 2048 bytes) carved from slabs of
 * PMM pages; larger requests are whole PMM blocks.
 *
 * A slab is one PMM block with a 64-byte header at its start: class, the
 * count of objects in use and a bitmap of allocated objects. kfree never
 * trusts the pointer: it asks the PMM which allocated block contains it and
 * who owns that block (an out-of-band tag in the frame table), then checks
 * that the pointer is the start of an object whose bitmap bit is set. So a
 * double free, a pointer into the middle of an object, a pointer to memory
 * kmalloc never handed out, or one outside RAM is reported and refused in
 * O(1) instead of corrupting a free list.
 *
 * Free objects are filled with KMALLOC_POISON; allocation checks the poison
 * and reports a write after free. Each class keeps at most one empty slab
 * (so alloc/free at a slab boundary does not churn the PMM); the rest go
 * straight back, and kmalloc_trim() returns the cached ones too.
 *
 * IRQ-safe: one spinlock (taken before the PMM's, never the other way).
 */
#include "kstring.h"
#include "list.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define SLAB_MAGIC 0x51ab51abu
#define SLAB_HEADER 64u
#define SLAB_MAX_OBJECTS 256u

struct slab {
	struct list_node node; /* on the class's list of slabs with free objects */
	uint32_t magic;
	uint16_t class_idx, inuse, capacity;
	uint64_t used[SLAB_MAX_OBJECTS / 64]; /* 1 = object allocated */
};
_Static_assert(sizeof(struct slab) <= SLAB_HEADER, "slab header must fit 64 bytes");

struct size_class {
	uint32_t size;
	uint8_t order; /* slab block order */
	struct list_node partial;
	uint64_t slabs, inuse;
	bool empty_cached; /* one slab on `partial` has no object in use */
};

static struct size_class classes[KMALLOC_CLASSES];
static struct {
	uint64_t large_blocks, large_bytes, large_pages;
} large;
static spinlock_t kmalloc_lock = SPINLOCK_INIT("kmalloc");

static void setup_classes(void)
{
	for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
		uint32_t size = KMALLOC_MIN_SIZE << i;
		uint8_t order = 0;
		/* at least 7 objects per slab keeps the header overhead small */
		while ((PAGE_SIZE << order) - SLAB_HEADER < 7u * size)
			order++;
		classes[i] = (struct size_class){ .size = size, .order = order };
		list_node_init(&classes[i].partial);
	}
}

void kmalloc_init(void)
{
	setup_classes();
	large.large_blocks = large.large_bytes = large.large_pages = 0;
}

static unsigned class_for(size_t size)
{
	unsigned i = 0;
	while ((size_t)classes[i].size < size)
		i++;
	return i;
}

static unsigned order_for_bytes(size_t bytes)
{
	unsigned order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static char *object_at(struct slab *s, unsigned idx)
{
	return (char *)s + SLAB_HEADER + (size_t)idx * classes[s->class_idx].size;
}

static struct slab *slab_create(unsigned ci)
{
	struct size_class *c = &classes[ci];
	phys_addr_t phys = alloc_pages(c->order, PHYS_LIMIT_ANY, 0);
	if (phys == 0)
		return NULL;
	pmm_set_owner(phys, PMM_OWNER_KMALLOC_SLAB, ci);
	struct slab *s = phys_to_virt(phys);
	memset(s, 0, SLAB_HEADER);
	s->magic = SLAB_MAGIC;
	s->class_idx = (uint16_t)ci;
	s->capacity = (uint16_t)(((PAGE_SIZE << c->order) - SLAB_HEADER) / c->size);
	memset(object_at(s, 0), KMALLOC_POISON, (size_t)s->capacity * c->size);
	c->slabs++;
	c->empty_cached = true;
	list_push_front(&c->partial, &s->node);
	return s;
}

static void slab_destroy(struct size_class *c, struct slab *s)
{
	list_remove(&s->node);
	s->magic = 0;
	c->slabs--;
	free_pages(virt_to_phys(s), c->order);
}

static unsigned first_clear_bit(const struct slab *s)
{
	for (unsigned w = 0; w < SLAB_MAX_OBJECTS / 64; w++)
		if (~s->used[w])
			return w * 64 + (unsigned)__builtin_ctzll(~s->used[w]);
	return SLAB_MAX_OBJECTS;
}

/* Word-at-a-time scan (objects are 16-byte aligned, sizes multiples of 16),
 * then the byte that differs for the report. */
static void check_poison(const struct slab *s, const char *obj, uint32_t size)
{
	const uint64_t pattern = 0x0101010101010101ull * KMALLOC_POISON;
	const uint64_t *w = (const uint64_t *)obj;
	uint32_t words = size / 8, i = 0;
	while (i < words && w[i] == pattern)
		i++;
	if (i == words)
		return;
	for (i *= 8; i < size; i++) {
		if ((unsigned char)obj[i] != KMALLOC_POISON) {
			pr_err("kmalloc: %u-byte object %p was written after it was freed "
			       "(offset %u holds 0x%x)\n",
			       size, obj, i, (unsigned char)obj[i]);
			return;
		}
	}
}

static void *slab_alloc(unsigned ci)
{
	struct size_class *c = &classes[ci];
	struct slab *s = list_first_entry_or_null(&c->partial, struct slab, node);
	if (!s)
		s = slab_create(ci);
	if (!s)
		return NULL;
	unsigned idx = first_clear_bit(s);
	if (s->inuse == 0)
		c->empty_cached = false;
	s->used[idx / 64] |= 1ull << (idx % 64);
	if (++s->inuse == s->capacity)
		list_remove(&s->node);
	c->inuse++;
	char *obj = object_at(s, idx);
	check_poison(s, obj, c->size);
	return obj;
}

static void *large_alloc(size_t size)
{
	unsigned order = order_for_bytes(size);
	if (order > PMM_MAX_ORDER || size > UINT32_MAX) {
		pr_err("kmalloc: %zu bytes is above the largest block (%llu KiB)\n", size,
		       (unsigned long long)((PAGE_SIZE << PMM_MAX_ORDER) / KiB));
		return NULL;
	}
	phys_addr_t phys = alloc_pages(order, PHYS_LIMIT_ANY, 0);
	if (phys == 0)
		return NULL;
	pmm_set_owner(phys, PMM_OWNER_KMALLOC_LARGE, (uint32_t)size);
	/* never hand out a previous owner's data */
	memset(phys_to_virt(phys), KMALLOC_POISON, PAGE_SIZE << order);
	large.large_blocks++;
	large.large_bytes += size;
	large.large_pages += 1ull << order;
	return phys_to_virt(phys);
}

void *kmalloc(size_t size)
{
	if (size == 0)
		return NULL;
	unsigned long irq = spin_lock_irqsave(&kmalloc_lock);
	void *p = size > KMALLOC_MAX_SIZE ? large_alloc(size) : slab_alloc(class_for(size));
	spin_unlock_irqrestore(&kmalloc_lock, irq);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

/* --- kfree ---------------------------------------------------------------- */

static void refuse(const void *ptr, const char *why, uint32_t size)
{
	if (size)
		pr_err("kfree(%p): %s (%u-byte object); refused\n", ptr, why, size);
	else
		pr_err("kfree(%p): %s; refused\n", ptr, why);
}

static void slab_free(const void *ptr, const struct pmm_block *blk)
{
	struct slab *s = phys_to_virt(blk->head);
	if (s->magic != SLAB_MAGIC || blk->aux >= KMALLOC_CLASSES || s->class_idx != blk->aux) {
		refuse(ptr, "slab header is corrupted", 0);
		return;
	}
	struct size_class *c = &classes[s->class_idx];
	uintptr_t off = (uintptr_t)ptr - (uintptr_t)object_at(s, 0);
	unsigned idx = (unsigned)(off / c->size);
	if ((uintptr_t)ptr < (uintptr_t)object_at(s, 0) || off % c->size || idx >= s->capacity) {
		refuse(ptr, "not the start of an object", c->size);
		return;
	}
	uint64_t bit = 1ull << (idx % 64);
	if (!(s->used[idx / 64] & bit)) {
		refuse(ptr, "double free", c->size);
		return;
	}
	s->used[idx / 64] &= ~bit;
	memset((void *)ptr, KMALLOC_POISON, c->size);
	c->inuse--;
	if (s->inuse-- == s->capacity)
		list_push_front(&c->partial, &s->node);
	if (s->inuse == 0) {
		if (c->empty_cached)
			slab_destroy(c, s);
		else
			c->empty_cached = true;
	}
}

static void large_free(const void *ptr, const struct pmm_block *blk)
{
	if (ptr != phys_to_virt(blk->head)) {
		refuse(ptr, "points inside a large allocation, not at its start", 0);
		return;
	}
	large.large_blocks--;
	large.large_bytes -= blk->aux;
	large.large_pages -= 1ull << blk->order;
	free_pages(blk->head, blk->order);
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	phys_addr_t phys = virt_to_phys(ptr);
	struct pmm_block blk;
	unsigned long irq = spin_lock_irqsave(&kmalloc_lock);
	if (phys == PHYS_INVALID)
		refuse(ptr, "not a kmalloc pointer (outside the direct map)", 0);
	else if (!pmm_lookup(phys, &blk))
		refuse(ptr, "memory is not allocated (double free of a large block, "
			    "or never allocated)", 0);
	else if (blk.owner == PMM_OWNER_KMALLOC_SLAB)
		slab_free(ptr, &blk);
	else if (blk.owner == PMM_OWNER_KMALLOC_LARGE)
		large_free(ptr, &blk);
	else
		refuse(ptr, "page was allocated by alloc_pages, not kmalloc", 0);
	spin_unlock_irqrestore(&kmalloc_lock, irq);
}

void kmalloc_trim(void)
{
	unsigned long irq = spin_lock_irqsave(&kmalloc_lock);
	for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
		struct size_class *c = &classes[i];
		struct slab *s, *next;
		list_for_each_entry_safe(s, next, &c->partial, node)
			if (s->inuse == 0)
				slab_destroy(c, s);
		c->empty_cached = false;
	}
	spin_unlock_irqrestore(&kmalloc_lock, irq);
}

/* --- statistics ------------------------------------------------------------ */

void kmalloc_get_stats(struct kmalloc_stats *out)
{
	memset(out, 0, sizeof(*out));
	unsigned long irq = spin_lock_irqsave(&kmalloc_lock);
	for (unsigned i = 0; i < KMALLOC_CLASSES; i++) {
		const struct size_class *c = &classes[i];
		out->cls[i].size = c->size;
		out->cls[i].slabs = c->slabs;
		out->cls[i].inuse = c->inuse;
		out->cls[i].capacity =
			c->slabs * (((PAGE_SIZE << c->order) - SLAB_HEADER) / c->size);
		out->pages += c->slabs << c->order;
	}
	out->large_blocks = large.large_blocks;
	out->large_bytes = large.large_bytes;
	out->pages += large.large_pages;
	spin_unlock_irqrestore(&kmalloc_lock, irq);
}
