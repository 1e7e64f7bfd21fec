/*
 * Host benchmark of the vmap range allocator (mm/vrange.c) against the
 * design it replaced, a sorted array searched first-fit from the bottom
 * (tests/unit/test_vrange_ref.c, which the model checker trusts): one
 * reserve + free pair of 2 to 8 pages with 10 to 100,000 ranges live. The
 * live ranges alternate 1-page and 4-page sizes and every 1-page range is
 * freed, so the area is riddled with holes too small for the request:
 * first fit must look past all of them, the tree skips them by its
 * subtree summaries. Prints ns per pair (best of ROUNDS) and the ratio
 * tree/array.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "test_vrange_ref.h"

#define PAIRS 5000
#define ROUNDS 3

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t request_pages(unsigned i) { return 2 + i % 7; }

static double tree_ns(unsigned live)
{
	static struct vrange_area area;
	struct vrange *nodes = calloc(2 * live, sizeof(*nodes)), extra;
	vrange_init(&area, VMAP_BASE, VMAP_SIZE);
	for (unsigned i = 0; i < 2 * live; i++)
		vrange_reserve(&area, &nodes[i], i % 2 ? 4 : 1);
	for (unsigned i = 0; i < 2 * live; i += 2)
		vrange_remove(&area, &nodes[i]);
	uint64_t start = now_ns();
	for (unsigned i = 0; i < PAIRS; i++) {
		vrange_reserve(&area, &extra, request_pages(i));
		vrange_remove(&area, &extra);
	}
	double ns = (double)(now_ns() - start) / PAIRS;
	free(nodes);
	return ns;
}

static double array_ns(unsigned live)
{
	struct vrange_ref ref;
	ref_init(&ref, VMAP_BASE, VMAP_SIZE, live + 1);
	for (unsigned i = 0; i < live; i++) { /* where the tree's 4-page ranges are */
		ref.live[i] = (struct ref_range){ VMAP_BASE + (7 * i + 2) * PAGE_SIZE, 4, NULL };
		ref.n++;
	}
	uint64_t start = now_ns();
	for (unsigned i = 0; i < PAIRS; i++) {
		uintptr_t at = ref_first_fit(&ref, request_pages(i));
		ref_insert(&ref, at, request_pages(i), NULL);
		for (unsigned j = ref.n; j-- > 0;)
			if (ref.live[j].start == at) {
				ref_remove(&ref, j);
				break;
			}
	}
	double ns = (double)(now_ns() - start) / PAIRS;
	ref_free_all(&ref);
	return ns;
}

int main(void)
{
	static const unsigned lives[] = { 10, 1000, 10000, 100000 };
	printf("vmap range allocator: reserve+free of 2-8 pages among live ranges with "
	       "1-page holes, %u pairs, best of %u\n", PAIRS, ROUNDS);
	printf("  %8s %14s %16s %8s\n", "live", "tree ns/pair", "array ns/pair", "ratio");
	for (unsigned i = 0; i < sizeof(lives) / sizeof(lives[0]); i++) {
		double t = 1e30, a = 1e30;
		for (unsigned r = 0; r < ROUNDS; r++) {
			t = MIN(t, tree_ns(lives[i]));
			a = MIN(a, array_ns(lives[i]));
		}
		printf("  %8u %14.1f %16.1f %7.3fx\n", lives[i], t, a, t / a);
	}
	return 0;
}
