/*
 * Virtual range allocator (mm/vrange.h): the live ranges of an area sit in
 * a treap (a binary search tree by start address that is also a heap on a
 * per-node priority; with priorities that behave like random numbers its
 * depth stays O(log n), Seidel and Aragon 1996). Free space is not stored
 * at all: it is the holes between live ranges, so freeing a range merges
 * its space with the holes on both sides by construction. Each node
 * summarises its subtree (lowest start, highest end, largest hole inside),
 * which is the size index: the lowest hole that fits is found in one walk
 * from the root, never a scan. docs/mm.md explains the choice.
 */
#include "printk.h"
#include "vrange.h"

/* splitmix64's finaliser (Steele et al. 2014): priorities from addresses
 * that look random, and replay exactly. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void summarise(struct vrange *t)
{
	uint64_t gap = 0;
	t->lo = t->left ? t->left->lo : t->start;
	t->hi = t->right ? t->right->hi : vrange_end(t);
	if (t->left)
		gap = MAX(t->left->gap, t->start - t->left->hi);
	if (t->right)
		gap = MAX(gap, MAX(t->right->gap, t->right->lo - vrange_end(t)));
	t->gap = gap;
}

/* Splits t into the ranges starting below key (*below) and the rest. */
static void split(struct vrange *t, uintptr_t key, struct vrange **below, struct vrange **rest)
{
	if (!t) {
		*below = *rest = NULL;
		return;
	}
	if (t->start < key) {
		split(t->right, key, &t->right, rest);
		*below = t;
	} else {
		split(t->left, key, below, &t->left);
		*rest = t;
	}
	summarise(t);
}

/* Joins two treaps where every range of a lies below every range of b. */
static struct vrange *merge(struct vrange *a, struct vrange *b)
{
	if (!a || !b)
		return a ? a : b;
	if (a->prio >= b->prio) {
		a->right = merge(a->right, b);
		summarise(a);
		return a;
	}
	b->left = merge(a, b->left);
	summarise(b);
	return b;
}

/* Whether subtree t, which follows address prev_end, has a hole >= need. */
static bool holds(const struct vrange *t, uintptr_t prev_end, uint64_t need)
{
	return t && (t->lo - prev_end >= need || t->gap >= need);
}

/* The lowest hole >= need in t (which holds one), as its start address. */
static uintptr_t lowest_fit(const struct vrange *t, uintptr_t prev_end, uint64_t need)
{
	for (;;) {
		if (holds(t->left, prev_end, need)) {
			t = t->left;
			continue;
		}
		uintptr_t left_end = t->left ? t->left->hi : prev_end;
		if (t->start - left_end >= need)
			return left_end;
		prev_end = vrange_end(t);
		t = t->right;
	}
}

void vrange_init(struct vrange_area *a, uintptr_t base, uint64_t size)
{
	*a = (struct vrange_area){ base, base + size, NULL, 0, 0 };
}

uintptr_t vrange_reserve(struct vrange_area *a, struct vrange *r, uint64_t pages)
{
	uint64_t span = a->end - a->base;
	if (pages == 0 || pages >= span / PAGE_SIZE)
		return 0;
	uint64_t need = (pages + 1) * PAGE_SIZE;
	uintptr_t at;
	if (holds(a->root, a->base, need))
		at = lowest_fit(a->root, a->base, need);
	else if (a->end - (a->root ? a->root->hi : a->base) >= need)
		at = a->root ? a->root->hi : a->base;
	else
		return 0;
	*r = (struct vrange){ .start = at, .pages = pages, .prio = mix(at) };
	struct vrange *below, *rest;
	split(a->root, at, &below, &rest);
	summarise(r);
	a->root = merge(merge(below, r), rest);
	a->count++;
	a->pages += pages;
	return vrange_first_page(r);
}

struct vrange *vrange_find(const struct vrange_area *a, uintptr_t va)
{
	struct vrange *t = a->root;
	while (t) {
		if (va < t->start)
			t = t->left;
		else if (va >= vrange_end(t))
			t = t->right;
		else
			return t;
	}
	return NULL;
}

struct vrange *vrange_from(const struct vrange_area *a, uintptr_t va)
{
	struct vrange *t = a->root, *best = NULL;
	while (t) {
		if (t->start >= va) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

static struct vrange *unlink_node(struct vrange *t, struct vrange *r)
{
	if (t == r)
		return merge(r->left, r->right);
	if (r->start < t->start)
		t->left = unlink_node(t->left, r);
	else
		t->right = unlink_node(t->right, r);
	summarise(t);
	return t;
}

void vrange_remove(struct vrange_area *a, struct vrange *r)
{
	a->root = unlink_node(a->root, r);
	a->count--;
	a->pages -= r->pages;
	r->left = r->right = NULL;
}

/* --- invariants (tests) -------------------------------------------------- */

struct check_walk {
	const struct vrange_area *a;
	uintptr_t prev_end;
	uint64_t count, pages;
};

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			pr_err("vrange: invariant: " __VA_ARGS__); \
			return false;                             \
		}                                                 \
	} while (0)

static bool check_node(const struct vrange *t, struct check_walk *w)
{
	if (!t)
		return true;
	if (!check_node(t->left, w))
		return false;
	CHECK(t->start >= w->prev_end && vrange_end(t) <= w->a->end && t->pages,
	      "range 0x%llx (%llu pages) overlaps or leaves the area\n",
	      (unsigned long long)t->start, (unsigned long long)t->pages);
	CHECK((!t->left || t->left->prio <= t->prio) && (!t->right || t->right->prio <= t->prio),
	      "heap order broken at 0x%llx\n", (unsigned long long)t->start);
	struct vrange copy = *t;
	summarise(&copy);
	CHECK(copy.lo == t->lo && copy.hi == t->hi && copy.gap == t->gap,
	      "stale subtree summary at 0x%llx\n", (unsigned long long)t->start);
	w->prev_end = vrange_end(t);
	w->count++;
	w->pages += t->pages;
	return check_node(t->right, w);
}

bool vrange_check(const struct vrange_area *a)
{
	struct check_walk w = { a, a->base, 0, 0 };
	if (!check_node(a->root, &w))
		return false;
	CHECK(w.count == a->count && w.pages == a->pages,
	      "counters say %llu ranges / %llu pages, tree holds %llu / %llu\n",
	      (unsigned long long)a->count, (unsigned long long)a->pages,
	      (unsigned long long)w.count, (unsigned long long)w.pages);
	return true;
}
