/*
 * xHCI rings as the producer sees them (xHCI 4.9): segments of TRBs from
 * the DMA pool, linked in a circle by Link TRBs whose toggle-cycle flag
 * sits on the last one. The rules for enqueueing, the cycle bit and
 * crossing a Link TRB live here only, for the command ring and every
 * transfer ring. Each TRB has a note kept outside device-visible memory
 * (which transfer it belongs to, how many of its bytes end there), found
 * again from the physical address an event hands back. Pure memory code:
 * it runs unchanged in host unit tests.
 */
#ifndef TERN_XHCI_RING_H
#define TERN_XHCI_RING_H

#include "types.h"
#include "xhci_hw.h"

struct dma_pool;

struct xhci_trb_note {
	void *owner;          /* the transfer (or command) that owns the TRB */
	uint32_t end;         /* its data bytes up to and including this TRB */
};

struct xhci_seg {
	struct xhci_trb *trbs;
	dma_addr_t dma;
	struct xhci_seg *next;    /* circular, in the controller's order */
	struct xhci_trb_note *notes;
	bool last;                /* its Link TRB toggles the cycle */
};

struct xhci_ring {
	struct dma_pool *pool;
	struct xhci_seg *first;
	struct xhci_seg *enq_seg;
	unsigned enq;             /* index in enq_seg */
	uint32_t cycle;           /* producer cycle state, 0 or 1 */
	unsigned seg_trbs;        /* TRBs per segment, the Link TRB included */
	unsigned nsegs, max_segs; /* max_segs 1: the ring never grows */
	unsigned free;            /* TRBs that can be written before the dequeue */
	uint64_t laps;            /* times the producer wrapped (cycle toggles) */
	struct xhci_trb *td_first; /* the TD being written: its first TRB */
	uint32_t td_first_cycle;
};

/* A position on a ring, to walk the TRBs of one transfer. */
struct xhci_ring_pos {
	struct xhci_seg *seg;
	unsigned idx;
};

/* 0, or USB_ERR_NOMEM (said on the console). seg_trbs: a power of two,
 * 16..4096; the ring may grow to max_segs segments. */
int xhci_ring_init(struct xhci_ring *r, struct dma_pool *pool, unsigned seg_trbs,
		   unsigned max_segs);
void xhci_ring_free(struct xhci_ring *r);
/* Empty, cycle 1, TRBs cleared: taken back from a controller that was reset. */
void xhci_ring_reset(struct xhci_ring *r);
/* Room for n more TRBs, growing the ring if it may; 0 or a USB status. */
int xhci_ring_reserve(struct xhci_ring *r, unsigned n);
/* Writes one TRB at the enqueue position (the cycle bit is the ring's to
 * set) and records its note. The first TRB of a TD stays invisible to the
 * controller until xhci_ring_commit. Returns the TRB's position. */
struct xhci_ring_pos xhci_ring_push(struct xhci_ring *r, const struct xhci_trb *trb,
				    void *owner, uint32_t end);
void xhci_ring_commit(struct xhci_ring *r);
/* n TRBs from pos were consumed or taken back: their notes are cleared
 * (an event naming one finds no owner) and their slots free again. */
void xhci_ring_release(struct xhci_ring *r, struct xhci_ring_pos pos, unsigned n);
/* Enqueue pointer | cycle state: a dequeue pointer for Set TR Dequeue. */
uint64_t xhci_ring_enqueue_dma(const struct xhci_ring *r);
dma_addr_t xhci_ring_pos_dma(const struct xhci_ring_pos *pos);
/* The note of the TRB at physical address phys; NULL when that is no TRB
 * of this ring (outside the pool, another ring, a Link TRB, misaligned). */
struct xhci_trb_note *xhci_ring_note(const struct xhci_ring *r, dma_addr_t phys);
#endif
