/*
 * Reference model of the range allocator (see test_vrange_ref.h) and the
 * step that runs one operation against it and the real allocator.
 */
#include <stdlib.h>
#include <string.h>

#include "test_vrange_ref.h"

void ref_init(struct vrange_ref *m, uintptr_t base, uint64_t size, unsigned max_live)
{
	*m = (struct vrange_ref){ base, base + size, calloc(max_live, sizeof(struct ref_range)),
				  0, max_live };
}

void ref_free_all(struct vrange_ref *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->live[i].node);
	free(m->live);
	m->live = NULL;
	m->n = 0;
}

static uintptr_t ref_end(const struct ref_range *r) { return r->start + (r->pages + 1) * PAGE_SIZE; }

uintptr_t ref_first_fit(const struct vrange_ref *m, uint64_t pages)
{
	uint64_t need = (pages + 1) * PAGE_SIZE;
	uintptr_t prev_end = m->base;
	for (unsigned i = 0; i < m->n; i++) {
		if (m->live[i].start - prev_end >= need)
			return prev_end;
		prev_end = ref_end(&m->live[i]);
	}
	return m->end - prev_end >= need ? prev_end : 0;
}

void ref_insert(struct vrange_ref *m, uintptr_t start, uint64_t pages, struct vrange *node)
{
	unsigned i = 0;
	while (i < m->n && m->live[i].start < start)
		i++;
	memmove(&m->live[i + 1], &m->live[i], (m->n - i) * sizeof(m->live[0]));
	m->live[i] = (struct ref_range){ start, pages, node };
	m->n++;
}

void ref_remove(struct vrange_ref *m, unsigned i)
{
	free(m->live[i].node);
	memmove(&m->live[i], &m->live[i + 1], (m->n - i - 1) * sizeof(m->live[0]));
	m->n--;
}

const struct ref_range *ref_find(const struct vrange_ref *m, uintptr_t va)
{
	for (unsigned i = 0; i < m->n; i++)
		if (va >= m->live[i].start && va < ref_end(&m->live[i]))
			return &m->live[i];
	return NULL;
}

const struct ref_range *ref_from(const struct vrange_ref *m, uintptr_t va)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->live[i].start >= va)
			return &m->live[i];
	return NULL;
}

/* Mostly small ranges, some medium, a few larger than most holes. */
static uint64_t size_from(uint64_t x)
{
	switch (x % 16) {
	case 0: return 1 + (x >> 4) % 512;
	case 1: case 2: case 3: case 4: return 1 + (x >> 4) % 64;
	default: return 1 + (x >> 4) % 8;
	}
}

static const char *step_reserve(struct vrange_area *a, struct vrange_ref *m, uint64_t x)
{
	if (m->n == m->max)
		return NULL;
	uint64_t pages = size_from(x);
	uintptr_t expect = ref_first_fit(m, pages);
	struct vrange *node = malloc(sizeof(*node));
	uintptr_t got = vrange_reserve(a, node, pages);
	if (got != (expect ? expect + PAGE_SIZE : 0)) {
		if (got)
			vrange_remove(a, node);
		free(node);
		return "reserve placed a range somewhere other than the lowest hole that fits";
	}
	if (!got) {
		free(node);
		return NULL;
	}
	ref_insert(m, expect, pages, node);
	return NULL;
}

static const char *step_free(struct vrange_area *a, struct vrange_ref *m, uint64_t x)
{
	if (m->n == 0)
		return NULL;
	unsigned i = (unsigned)(x % m->n);
	uintptr_t inside = m->live[i].start + (x >> 8) % ((m->live[i].pages + 1) * PAGE_SIZE);
	struct vrange *found = vrange_find(a, inside);
	if (found != m->live[i].node)
		return "find missed a live range before freeing it";
	vrange_remove(a, found);
	ref_remove(m, i);
	return NULL;
}

const char *ref_step(struct vrange_area *a, struct vrange_ref *m, unsigned op, uint64_t x)
{
	uintptr_t va = a->base + x % (a->end - a->base + 2 * PAGE_SIZE) - PAGE_SIZE;
	const struct ref_range *r;
	switch (op % 4) {
	case 0: return step_reserve(a, m, x);
	case 1: return step_free(a, m, x);
	case 2:
		r = ref_find(m, va);
		return vrange_find(a, va) != (r ? r->node : NULL) ? "find disagrees" : NULL;
	default:
		r = ref_from(m, va);
		return vrange_from(a, va) != (r ? r->node : NULL) ? "from disagrees" : NULL;
	}
}
