/*
 * xHCI ring producer (xHCI 4.9.2, 4.11.5.1), see xhci_ring.h. A ring grows
 * by a segment inserted after the enqueue segment: the controller cannot
 * be there, so no stop is needed.
 */
#include "dma_pool.h"
#include "hw.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "usb_hcd.h"
#include "xhci_ring.h"

static void write_link(struct xhci_seg *seg, unsigned seg_trbs, uint32_t flags)
{
	struct xhci_trb *link = &seg->trbs[seg_trbs - 1];

	link->param = seg->next->dma;
	link->status = 0;
	link->control = TRB_TYPE(TRB_LINK) | (seg->last ? TRB_TC : 0) | flags;
}

static void seg_free(struct xhci_ring *r, struct xhci_seg *seg)
{
	if (seg->trbs)
		dma_pool_free(r->pool, seg->trbs);
	kfree(seg->notes);
	kfree(seg);
}

static struct xhci_seg *seg_alloc(struct xhci_ring *r, uint32_t idle_cycle)
{
	struct xhci_seg *seg = kzalloc(sizeof(*seg));

	if (!seg)
		return NULL;
	seg->notes = kzalloc(r->seg_trbs * sizeof(*seg->notes));
	seg->trbs = dma_pool_alloc(r->pool, r->seg_trbs * sizeof(struct xhci_trb), &seg->dma);
	if (!seg->notes || !seg->trbs) {
		seg_free(r, seg);
		return NULL;
	}
	/* Not yet written in this lap: the controller must see them as old. */
	for (unsigned i = 0; i < r->seg_trbs && idle_cycle; i++)
		seg->trbs[i].control = TRB_CYCLE;
	return seg;
}

int xhci_ring_init(struct xhci_ring *r, struct dma_pool *pool, unsigned seg_trbs,
		   unsigned max_segs)
{
	memset(r, 0, sizeof(*r));
	r->pool = pool;
	r->seg_trbs = seg_trbs;
	r->max_segs = max_segs;
	r->first = seg_alloc(r, 0);
	if (!r->first) {
		pr_err("xhci: out of DMA memory for a ring\n");
		return USB_ERR_NOMEM;
	}
	r->first->next = r->first;
	r->first->last = true;
	r->nsegs = 1;
	xhci_ring_reset(r);
	return 0;
}

void xhci_ring_free(struct xhci_ring *r)
{
	struct xhci_seg *seg = r->first;

	for (unsigned i = 0; seg && i < r->nsegs; i++) {
		struct xhci_seg *next = seg->next;
		seg_free(r, seg);
		seg = next;
	}
	r->first = NULL;
	r->nsegs = 0;
}

void xhci_ring_reset(struct xhci_ring *r)
{
	struct xhci_seg *seg = r->first;

	for (unsigned i = 0; i < r->nsegs; i++, seg = seg->next) {
		memset(seg->trbs, 0, r->seg_trbs * sizeof(struct xhci_trb));
		memset(seg->notes, 0, r->seg_trbs * sizeof(*seg->notes));
		write_link(seg, r->seg_trbs, 0);
	}
	r->enq_seg = r->first;
	r->enq = 0;
	r->cycle = 1;
	r->free = r->nsegs * (r->seg_trbs - 1);
	r->td_first = NULL;
}

static int grow(struct xhci_ring *r)
{
	struct xhci_seg *seg = seg_alloc(r, r->cycle ^ 1);

	if (!seg)
		return USB_ERR_NOMEM;
	seg->next = r->enq_seg->next;
	seg->last = r->enq_seg->last;
	r->enq_seg->next = seg;
	r->enq_seg->last = false;
	/* The enqueue segment's Link TRB is rewritten with the new pointer
	 * when the producer crosses it; only the pointer changes now. */
	r->enq_seg->trbs[r->seg_trbs - 1].param = seg->dma;
	seg->trbs[r->seg_trbs - 1].param = seg->next->dma;
	r->nsegs++;
	r->free += r->seg_trbs - 1;
	return 0;
}

int xhci_ring_reserve(struct xhci_ring *r, unsigned n)
{
	while (r->free < n) {
		if (r->nsegs >= r->max_segs)
			return USB_ERR_NOMEM;
		if (grow(r)) {
			pr_err("xhci: out of DMA memory growing a ring\n");
			return USB_ERR_NOMEM;
		}
	}
	return 0;
}

/* Crosses the Link TRB at the end of the enqueue segment: it takes the
 * chain flag of the TRB before it, so a TD may span segments. */
static void cross_link(struct xhci_ring *r, uint32_t chain)
{
	struct xhci_seg *seg = r->enq_seg;

	write_link(seg, r->seg_trbs, chain | r->cycle);
	if (seg->last) {
		r->cycle ^= 1;
		r->laps++;
	}
	r->enq_seg = seg->next;
	r->enq = 0;
}

struct xhci_ring_pos xhci_ring_push(struct xhci_ring *r, const struct xhci_trb *trb,
				    void *owner, uint32_t end)
{
	struct xhci_ring_pos pos = { r->enq_seg, r->enq };
	struct xhci_trb *slot = &r->enq_seg->trbs[r->enq];
	uint32_t control = (trb->control & ~TRB_CYCLE) | r->cycle;

	r->enq_seg->notes[r->enq] = (struct xhci_trb_note){ owner, end };
	slot->param = trb->param;
	slot->status = trb->status;
	if (!r->td_first) {
		r->td_first = slot;
		r->td_first_cycle = r->cycle;
		control ^= TRB_CYCLE; /* held back until commit */
	}
	*(volatile uint32_t *)&slot->control = control;
	r->free--;
	if (++r->enq == r->seg_trbs - 1)
		cross_link(r, trb->control & TRB_CH);
	return pos;
}

void xhci_ring_commit(struct xhci_ring *r)
{
	struct xhci_trb *first = r->td_first;

	if (!first)
		return;
	dma_wmb(); /* every other TRB of the TD before the first one turns valid */
	uint32_t control = (first->control & ~TRB_CYCLE) | r->td_first_cycle;
	*(volatile uint32_t *)&first->control = control;
	r->td_first = NULL;
}

static void pos_next(const struct xhci_ring *r, struct xhci_ring_pos *pos)
{
	if (++pos->idx == r->seg_trbs - 1) {
		pos->seg = pos->seg->next;
		pos->idx = 0;
	}
}

void xhci_ring_release(struct xhci_ring *r, struct xhci_ring_pos pos, unsigned n)
{
	for (unsigned i = 0; i < n; i++, pos_next(r, &pos))
		pos.seg->notes[pos.idx].owner = NULL;
	r->free += n;
}

uint64_t xhci_ring_enqueue_dma(const struct xhci_ring *r)
{
	return (r->enq_seg->dma + r->enq * sizeof(struct xhci_trb)) | r->cycle;
}

dma_addr_t xhci_ring_pos_dma(const struct xhci_ring_pos *pos)
{
	return pos->seg->dma + pos->idx * sizeof(struct xhci_trb);
}

struct xhci_trb_note *xhci_ring_note(const struct xhci_ring *r, dma_addr_t phys)
{
	size_t seg_bytes = r->seg_trbs * sizeof(struct xhci_trb);
	uintptr_t v = (uintptr_t)dma_pool_phys_to_virt(r->pool, phys);
	struct xhci_seg *seg = r->first;

	if (!v || (phys & (sizeof(struct xhci_trb) - 1)))
		return NULL;
	/* Segments are naturally aligned pool chunks: the base is a mask away. */
	uintptr_t base = v & ~(uintptr_t)(seg_bytes - 1);
	for (unsigned i = 0; i < r->nsegs; i++, seg = seg->next) {
		if ((uintptr_t)seg->trbs != base)
			continue;
		unsigned idx = (unsigned)((v - base) / sizeof(struct xhci_trb));
		return idx == r->seg_trbs - 1 ? NULL : &seg->notes[idx];
	}
	return NULL;
}
