/*
 * Host tests for the xHCI ring producer (usb/xhci/xhci_ring.c) against a
 * consumer that reads the ring the way a controller does (xHCI 4.9.2):
 * by physical address through the DMA arena, taking a TRB only when its
 * cycle bit matches, following Link TRBs and toggling its cycle state on
 * TC. Every TRB pushed must reach the consumer once, in order, after any
 * number of wraps and growths, and a TD's first TRB must stay invisible
 * until commit. Note lookup must refuse addresses that are not TRBs of
 * the ring.
 */
#include <string.h>

#include "../../usb/xhci/xhci_ring.h"
#include "dma_pool.h"
#include "harness.h"
#include "seams/fake_dma_source.h"
#include "usb_hcd.h"

void dma_wmb(void) { __sync_synchronize(); }
void dma_rmb(void) { __sync_synchronize(); }

struct fixture {
	struct fake_dma_arena *arena;
	struct dma_page_source src;
	struct dma_pool *pool;
};

static void setup(struct fixture *f)
{
	f->arena = fake_dma_arena_create(0x80000000ull, 8u << 20, 7);
	f->src = fake_dma_source(f->arena);
	const struct dma_pool_config cfg = { .min_chunk = 64, .max_chunk = 64 * 1024,
					     .region_size = 256 * 1024, .max_phys = ~0ull,
					     .source = &f->src };
	f->pool = dma_pool_create("xhci-test", &cfg);
	CHECK(f->pool != NULL);
}

static void teardown(struct fixture *f)
{
	struct dma_pool_stats st;

	dma_pool_stats(f->pool, &st);
	CHECK_EQ(st.live_bytes, 0);
	CHECK_EQ(st.misuse, 0);
	dma_pool_destroy(f->pool);
	fake_dma_arena_destroy(f->arena);
}

/* The controller's view: dequeue pointer and consumer cycle state. */
struct consumer {
	struct fake_dma_arena *arena;
	dma_addr_t deq;
	uint32_t ccs;
	unsigned links;
};

/* The next TRB the controller would process, or NULL if none is valid. */
static struct xhci_trb *consume(struct consumer *c)
{
	for (unsigned hops = 0; hops < 64; hops++) {
		struct xhci_trb *t = fake_dma_arena_device_ptr(c->arena, c->deq);
		CHECK(t != NULL);
		if (!t || (t->control & TRB_CYCLE) != c->ccs)
			return NULL;
		if (TRB_GET_TYPE(t->control) != TRB_LINK) {
			c->deq += sizeof(*t);
			return t;
		}
		if (t->control & TRB_TC)
			c->ccs ^= 1;
		c->deq = t->param;
		c->links++;
	}
	CHECK(!"a loop of Link TRBs");
	return NULL;
}

static struct xhci_trb normal(uint32_t tag, bool chain)
{
	return (struct xhci_trb){ .param = tag, .status = tag,
				  .control = TRB_TYPE(TRB_NORMAL) | (chain ? TRB_CH : 0) };
}

TEST(td_stays_invisible_until_commit_then_arrives_whole)
{
	struct fixture f;
	struct xhci_ring r;
	setup(&f);
	CHECK_EQ(xhci_ring_init(&r, f.pool, 16, 1), 0);
	struct consumer c = { f.arena, r.first->dma, 1, 0 };
	for (uint32_t i = 0; i < 3; i++) {
		struct xhci_trb t = normal(i, i < 2);
		xhci_ring_push(&r, &t, &r, i);
	}
	CHECK(consume(&c) == NULL);
	xhci_ring_commit(&r);
	for (uint32_t i = 0; i < 3; i++) {
		struct xhci_trb *t = consume(&c);
		CHECK(t && t->param == i);
	}
	CHECK(consume(&c) == NULL);
	CHECK_EQ(r.free, 15 - 3);
	xhci_ring_free(&r);
	teardown(&f);
}

/* Pushes TDs of random sizes, consumes them, releases: many laps. */
static void run_laps(struct fixture *f, struct xhci_ring *r, unsigned tds, bool grow_sometimes)
{
	struct consumer c = { f->arena, r->first->dma, 1, 0 };
	uint32_t seed = 99, tag = 0, next = 0;

	for (unsigned td = 0; td < tds; td++) {
		seed = seed * 1103515245u + 12345u;
		unsigned n = 1 + (seed >> 16) % 9;
		if (grow_sometimes && (seed >> 8) % 50 == 0 && r->nsegs < r->max_segs)
			n = r->free + 5; /* does not fit: the ring grows */
		CHECK_EQ(xhci_ring_reserve(r, n), 0);
		struct xhci_ring_pos first = { 0 };
		for (unsigned i = 0; i < n; i++) {
			struct xhci_trb t = normal(tag, i + 1 < n);
			struct xhci_ring_pos pos = xhci_ring_push(r, &t, r, tag);
			if (i == 0)
				first = pos;
			struct xhci_trb_note *note = xhci_ring_note(r, xhci_ring_pos_dma(&pos));
			CHECK(note && note->end == tag && note->owner == r);
			tag++;
		}
		xhci_ring_commit(r);
		for (unsigned i = 0; i < n; i++) {
			struct xhci_trb *t = consume(&c);
			CHECK(t && t->param == next);
			if (t && i + 1 < n)
				CHECK(t->control & TRB_CH);
			next++;
		}
		CHECK(consume(&c) == NULL);
		xhci_ring_release(r, first, n);
		CHECK(xhci_ring_note(r, xhci_ring_pos_dma(&first))->owner == NULL);
	}
	CHECK(r->laps > 20);
	CHECK_EQ(c.ccs, r->cycle);
	CHECK_EQ(r->free, r->nsegs * (r->seg_trbs - 1));
}

/* Runs `laps` laps on a fresh ring of 16-TRB segments that may grow to
 * max_segs; returns how many segments it ended with. */
static unsigned laps_on_new_ring(unsigned max_segs, unsigned laps, bool grow)
{
	struct fixture f;
	struct xhci_ring r;
	setup(&f);
	CHECK_EQ(xhci_ring_init(&r, f.pool, 16, max_segs), 0);
	run_laps(&f, &r, laps, grow);
	unsigned nsegs = r.nsegs;
	xhci_ring_free(&r);
	teardown(&f);
	return nsegs;
}

TEST(many_laps_keep_order_and_cycle_in_step)
{
	laps_on_new_ring(1, 400, false);
}

TEST(growth_mid_lap_is_followed_by_the_consumer)
{
	CHECK(laps_on_new_ring(8, 600, true) > 1);
}

TEST(a_td_spanning_a_link_chains_through_it)
{
	struct fixture f;
	struct xhci_ring r;
	setup(&f);
	CHECK_EQ(xhci_ring_init(&r, f.pool, 16, 2), 0);
	CHECK_EQ(xhci_ring_reserve(&r, 20), 0); /* two segments */
	CHECK_EQ(r.nsegs, 2);
	for (uint32_t i = 0; i < 20; i++) {
		struct xhci_trb t = normal(i, i < 19);
		xhci_ring_push(&r, &t, &r, i);
	}
	xhci_ring_commit(&r);
	struct xhci_trb *link = &r.first->trbs[15];
	CHECK_EQ(TRB_GET_TYPE(link->control), TRB_LINK);
	CHECK(link->control & TRB_CH);
	CHECK(!(link->control & TRB_TC));
	CHECK_EQ(link->param, r.first->next->dma);
	CHECK_EQ(xhci_ring_reserve(&r, 20), USB_ERR_NOMEM); /* 10 left, max 2 segments */
	xhci_ring_free(&r);
	teardown(&f);
}

TEST(note_lookup_refuses_what_is_not_a_trb_of_the_ring)
{
	struct fixture f;
	struct xhci_ring r, other;
	setup(&f);
	CHECK_EQ(xhci_ring_init(&r, f.pool, 16, 1), 0);
	CHECK_EQ(xhci_ring_init(&other, f.pool, 16, 1), 0);
	struct xhci_trb t = normal(1, false);
	struct xhci_ring_pos pos = xhci_ring_push(&r, &t, &r, 5);
	dma_addr_t at = xhci_ring_pos_dma(&pos);
	CHECK(xhci_ring_note(&r, at) == &pos.seg->notes[pos.idx]);
	CHECK(xhci_ring_note(&r, at + 8) == NULL);            /* misaligned */
	CHECK(xhci_ring_note(&r, r.first->dma + 15 * 16) == NULL); /* Link TRB */
	CHECK(xhci_ring_note(&r, other.first->dma) == NULL);   /* another ring */
	CHECK(xhci_ring_note(&r, 0x1000) == NULL);             /* outside the pool */
	CHECK(xhci_ring_note(&r, ~0ull) == NULL);
	xhci_ring_free(&other);
	xhci_ring_free(&r);
	teardown(&f);
}

TEST(reset_empties_the_ring_and_restarts_at_cycle_one)
{
	struct fixture f;
	struct xhci_ring r;
	setup(&f);
	CHECK_EQ(xhci_ring_init(&r, f.pool, 16, 1), 0);
	for (uint32_t i = 0; i < 20; i++) { /* one lap: cycle 0 */
		struct xhci_trb t = normal(i, false);
		struct xhci_ring_pos pos = xhci_ring_push(&r, &t, &r, i);
		xhci_ring_commit(&r);
		xhci_ring_release(&r, pos, 1);
	}
	CHECK_EQ(r.cycle, 0);
	xhci_ring_reset(&r);
	CHECK_EQ(r.cycle, 1);
	CHECK_EQ(xhci_ring_enqueue_dma(&r), r.first->dma | 1);
	CHECK(xhci_ring_note(&r, r.first->dma)->owner == NULL);
	struct consumer c = { f.arena, r.first->dma, 1, 0 };
	CHECK(consume(&c) == NULL);
	xhci_ring_free(&r);
	teardown(&f);
}
