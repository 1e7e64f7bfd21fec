/*
 * Host tests of the range allocator (mm/vrange.c): guard pages between
 * ranges, lowest-fit placement, holes merging on free, lookups of guard
 * pages and of addresses around ranges, exhaustion, and a tree that stays
 * shallow with ten thousand ranges. test_vrange_model.c checks random
 * sequences against a reference model.
 */
#include <stdlib.h>

#include "harness.h"
#include "vrange.h"

#define BASE 0xffffc00000000000ull
#define P PAGE_SIZE

static struct vrange_area area;
static struct vrange nodes[10000];

TEST(ranges_follow_each_other_with_one_guard_page_between)
{
	vrange_init(&area, BASE, 64 * P);
	CHECK_EQ(vrange_reserve(&area, &nodes[0], 3), BASE + P);
	CHECK_EQ(vrange_reserve(&area, &nodes[1], 1), BASE + 5 * P);
	CHECK_EQ(vrange_find(&area, BASE), &nodes[0]); /* the guard page belongs to its range */
	CHECK_EQ(vrange_find(&area, BASE + 4 * P - 1), &nodes[0]);
	CHECK_EQ(vrange_find(&area, BASE + 4 * P), &nodes[1]);
	CHECK_EQ(vrange_find(&area, BASE + 6 * P), NULL);
	CHECK_EQ(area.count, 2);
	CHECK_EQ(area.pages, 4);
	CHECK(vrange_check(&area));
}

TEST(freed_neighbours_merge_into_one_hole)
{
	vrange_init(&area, BASE, 64 * P);
	for (int i = 0; i < 4; i++)
		vrange_reserve(&area, &nodes[i], 2); /* guards at 0, 3, 6, 9 */
	vrange_remove(&area, &nodes[1]);
	vrange_remove(&area, &nodes[2]);
	/* 6 pages free between nodes[0] and nodes[3]: exactly 5 + a guard fit */
	CHECK_EQ(vrange_reserve(&area, &nodes[4], 5), BASE + 4 * P);
	CHECK_EQ(vrange_reserve(&area, &nodes[5], 1), BASE + 13 * P); /* after nodes[3] */
	CHECK(vrange_check(&area));
}

TEST(lowest_hole_that_fits_wins_over_lower_smaller_holes)
{
	vrange_init(&area, BASE, 64 * P);
	for (int i = 0; i < 6; i++)
		vrange_reserve(&area, &nodes[i], 1 + (unsigned)i % 2 * 3); /* 1, 4, 1, 4, 1, 4 */
	vrange_remove(&area, &nodes[0]); /* a 2-page hole at the bottom */
	vrange_remove(&area, &nodes[3]); /* a 5-page hole higher up */
	CHECK_EQ(vrange_reserve(&area, &nodes[6], 3), nodes[2].start + 3 * P);
	CHECK_EQ(vrange_reserve(&area, &nodes[7], 1), BASE + P);
	CHECK(vrange_check(&area));
}

TEST(a_full_area_refuses_and_recovers)
{
	vrange_init(&area, BASE, 8 * P);
	CHECK_EQ(vrange_reserve(&area, &nodes[0], 0), 0);
	CHECK_EQ(vrange_reserve(&area, &nodes[0], 8), 0); /* no room for its guard */
	CHECK_EQ(vrange_reserve(&area, &nodes[0], 7), BASE + P);
	CHECK_EQ(vrange_reserve(&area, &nodes[1], 1), 0);
	vrange_remove(&area, &nodes[0]);
	CHECK_EQ(area.count, 0);
	CHECK_EQ(vrange_reserve(&area, &nodes[1], 1), BASE + P);
	CHECK(vrange_check(&area));
}

TEST(iteration_visits_ranges_in_address_order)
{
	vrange_init(&area, BASE, 1024 * P);
	for (int i = 0; i < 8; i++)
		vrange_reserve(&area, &nodes[i], 1 + (unsigned)i);
	vrange_remove(&area, &nodes[3]);
	int seen = 0;
	uintptr_t last = 0;
	for (struct vrange *r = vrange_from(&area, 0); r; r = vrange_from(&area, vrange_end(r))) {
		CHECK(r->start > last);
		CHECK(r != &nodes[3]);
		last = r->start;
		seen++;
	}
	CHECK_EQ(seen, 7);
}

static unsigned depth(const struct vrange *t)
{
	if (!t)
		return 0;
	unsigned l = depth(t->left), r = depth(t->right);
	return 1 + (l > r ? l : r);
}

TEST(ten_thousand_ranges_keep_the_tree_shallow)
{
	vrange_init(&area, BASE, VMAP_SIZE);
	for (int i = 0; i < 10000; i++)
		CHECK(vrange_reserve(&area, &nodes[i], 1 + (unsigned)i % 7) != 0);
	for (int i = 0; i < 10000; i += 2)
		vrange_remove(&area, &nodes[i]);
	for (int i = 0; i < 10000; i += 2) /* the same sizes refill the same holes */
		CHECK(vrange_reserve(&area, &nodes[i], 1 + (unsigned)i % 7) < nodes[9999].start);
	CHECK(vrange_check(&area));
	/* a balanced tree of 10^4 nodes has depth 14; a treap's is about 2.5 times that */
	CHECK(depth(area.root) < 60);
	CHECK_EQ(area.count, 10000);
}
