/*
 * libFuzzer harness for kmalloc over the real PMM on the unit tests' fake
 * physical memory. Each input is a sequence of 3-byte operations: allocate
 * (sizes across every class and large blocks), free a live object, or hand
 * kfree a bad pointer derived from the input (inside an object, just past
 * one, already freed, into a page from alloc_pages, a stack address). Live
 * objects keep a fill pattern that must survive every operation; bad frees
 * must be refused without changing any counter; freeing everything must
 * give every page back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "seams/fake_mm.h"
#include "seams/seams.h"

#define MAX_LIVE 128

struct object {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static struct object live[MAX_LIVE];
static unsigned live_n;
static unsigned char *freed_ptr; /* last freed object, for double frees */
static phys_addr_t foreign_page; /* from alloc_pages, not kmalloc */

static void require(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_kmalloc: %s\n%s", what, seam_log());
		abort();
	}
}

static bool intact(const struct object *o)
{
	for (size_t i = 0; i < o->size; i++)
		if (o->p[i] != o->fill)
			return false;
	return true;
}

static bool is_live(const unsigned char *p)
{
	for (unsigned i = 0; i < live_n; i++)
		if (live[i].p == p)
			return true;
	return false;
}

static void op_alloc(uint8_t a, uint8_t b)
{
	static const size_t bases[] = { 1, 16, 17, 100, 512, 1000, 2048, 2049, 5000, 70000 };
	size_t size = bases[a % ARRAY_SIZE(bases)] + (b & 0x3f);
	if (live_n == MAX_LIVE)
		return;
	struct object o = { kmalloc(size), size, b };
	require(o.p != NULL, "kmalloc failed with plenty of memory");
	for (unsigned i = 0; i < live_n; i++)
		require(o.p + size <= live[i].p || live[i].p + live[i].size <= o.p,
			"two live objects overlap");
	memset(o.p, o.fill, size);
	live[live_n++] = o;
}

static void op_free(uint8_t a)
{
	if (live_n == 0)
		return;
	unsigned i = a % live_n;
	require(intact(&live[i]), "a live object was overwritten");
	kfree(live[i].p);
	freed_ptr = live[i].p;
	live[i] = live[--live_n];
}

static void op_bad_free(uint8_t a, uint8_t b)
{
	int on_stack;
	unsigned char *p;
	switch (a % 5) {
	case 0: p = live_n ? live[b % live_n].p + 1 + b % 15 : NULL; break;
	case 1: p = live_n ? live[b % live_n].p + live[b % live_n].size + 16 * (b % 3) : NULL; break;
	case 2: p = freed_ptr; break;
	case 3: p = (unsigned char *)phys_to_virt(foreign_page) + 16 * (b % 8); break;
	default: p = (unsigned char *)&on_stack; break;
	}
	if (!p || is_live(p))
		return; /* not bad after all: the slot was reused */
	struct kmalloc_stats before, after;
	uint64_t free_before = pmm_free_bytes();
	kmalloc_get_stats(&before);
	seam_log_clear();
	kfree(p);
	kmalloc_get_stats(&after);
	require(seam_log_contains("refused"), "bad kfree not refused");
	require(memcmp(&before, &after, sizeof(before)) == 0, "bad kfree changed kmalloc");
	require(pmm_free_bytes() == free_before, "bad kfree changed the PMM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	static uint64_t boot_free;
	if (!foreign_page) {
		fake_mm_boot_default(&bi);
		pmm_init(&bi);
		kmalloc_init();
		foreign_page = alloc_pages(0, PHYS_LIMIT_ANY, 0);
		boot_free = pmm_free_bytes();
	}
	for (size_t i = 0; i + 3 <= size; i += 3) {
		switch (data[i] % 3) {
		case 0: op_alloc(data[i + 1], data[i + 2]); break;
		case 1: op_free(data[i + 1]); break;
		default: op_bad_free(data[i + 1], data[i + 2]); break;
		}
	}
	while (live_n)
		op_free(0);
	freed_ptr = NULL;
	kmalloc_trim();
	require(pmm_free_bytes() == boot_free, "pages not returned after freeing everything");
	seam_log_clear();
	return 0;
}
