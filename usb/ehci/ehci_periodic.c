/*
 * The EHCI periodic schedule (§4.6, §4.7): a 1024-entry frame list (§3.1;
 * QEMU ignores smaller sizes) whose entries lead into a tree of interrupt
 * QHs. A QH polled every P frames (P a power of two up to 256) starting at
 * frame `phase` is linked from every frame f with f % P == phase. Along
 * each frame's chain QHs appear by decreasing period, so the chains of
 * different frames share their tails and every QH has exactly one
 * successor: the tree of §4.12.1 without static skeleton QHs.
 *
 * The driver keeps a software shadow of the tree (frame_shadow and
 * ehci_ep.tree_next) and edits the hardware links in the same order, so
 * the controller always sees a complete tree. A removed QH keeps its own
 * link until two frames have passed (ehci_periodic_unlink_work).
 */
#include "dma_pool.h"
#include "ehci.h"
#include "printk.h"

/* Frames after an unlink before nothing can still be inside the QH, and a
 * bound in case FRINDEX stops (halted controller). */
#define EHCI_PERIODIC_UNLINK_UFRAMES 16
#define EHCI_PERIODIC_UNLINK_MAX_NS (5 * NSEC_PER_MSEC)
#define EHCI_FRINDEX_MASK 0x3fffu

int ehci_periodic_init(struct ehci *e)
{
	e->frame_list = dma_pool_alloc(e->pool, EHCI_FRAME_LIST_BYTES,
				       &e->frame_list_dma);
	if (!e->frame_list)
		return USB_ERR_NOMEM;
	ehci_periodic_reset(e);
	return 0;
}

void ehci_periodic_reset(struct ehci *e)
{
	for (unsigned f = 0; f < EHCI_FRAME_LIST_ENTRIES; f++) {
		e->frame_list[f] = EHCI_LINK_TERMINATE;
		e->frame_shadow[f] = NULL;
		e->frame_load[f] = 0;
	}
}

/*
 * High-speed interrupt endpoints poll every 2^(bInterval-1) microframes
 * (USB 2.0 §9.6.6). Below a frame, the S-mask names the microframes
 * within each frame; from a frame up, one S-mask bit and a frame period.
 */
void ehci_hs_interrupt_period(uint8_t bInterval, unsigned *frames, uint8_t *smask)
{
	static const uint8_t sub_frame_mask[] = { 0xff, 0x55, 0x11 };
	unsigned exp = bInterval < 1 ? 0 : bInterval > 16 ? 15 : bInterval - 1u;

	if (exp < 3) {
		*frames = 1;
		*smask = sub_frame_mask[exp];
		return;
	}
	unsigned f = 1u << (exp - 3);
	*frames = f > EHCI_MAX_PERIOD ? EHCI_MAX_PERIOD : f;
	*smask = 0x01;
}

/* The phase whose busiest frame carries the fewest bytes; lowest wins ties. */
unsigned ehci_pick_phase(const uint32_t *frame_load, unsigned period)
{
	unsigned best = 0;
	uint32_t best_peak = UINT32_MAX;

	for (unsigned phase = 0; phase < period; phase++) {
		uint32_t peak = 0;
		for (unsigned f = phase; f < EHCI_FRAME_LIST_ENTRIES; f += period)
			peak = MAX(peak, frame_load[f]);
		if (peak < best_peak) {
			best_peak = peak;
			best = phase;
		}
	}
	return best;
}

/* Finds where ep belongs in frame f: the link after the last QH with a
 * longer period. Returns the shadow slot; *hw is the matching hardware word. */
static struct ehci_ep **tree_slot(struct ehci *e, unsigned f, const struct ehci_ep *ep,
				  uint32_t **hw)
{
	struct ehci_ep **slot = &e->frame_shadow[f];

	*hw = &e->frame_list[f];
	while (*slot && *slot != ep && (*slot)->period > ep->period) {
		*hw = &(*slot)->qh->hlink;
		slot = &(*slot)->tree_next;
	}
	return slot;
}

void ehci_periodic_link(struct ehci *e, struct ehci_ep *ep)
{
	ep->phase = ehci_pick_phase(e->frame_load, ep->period);
	for (unsigned f = ep->phase; f < EHCI_FRAME_LIST_ENTRIES; f += ep->period) {
		uint32_t *hw;
		struct ehci_ep **slot = tree_slot(e, f, ep, &hw);

		e->frame_load[f] += ep->load;
		if (*slot == ep)
			continue; /* reached through a longer-period QH already */
		ep->tree_next = *slot;
		ep->qh->hlink = ehci_dma_read(hw);
		dma_wmb();
		*slot = ep;
		ehci_dma_write(hw, (uint32_t)ep->qh_dma | EHCI_LINK_TYPE_QH);
	}
}

void ehci_periodic_unlink(struct ehci *e, struct ehci_ep *ep)
{
	for (unsigned f = ep->phase; f < EHCI_FRAME_LIST_ENTRIES; f += ep->period) {
		uint32_t *hw = &e->frame_list[f];
		struct ehci_ep **slot = &e->frame_shadow[f];

		e->frame_load[f] -= ep->load;
		while (*slot && *slot != ep) {
			hw = &(*slot)->qh->hlink;
			slot = &(*slot)->tree_next;
		}
		if (!*slot)
			continue; /* already bypassed through a shared predecessor */
		ehci_dma_write(hw, ep->qh->hlink);
		*slot = ep->tree_next;
	}
	dma_wmb();
	ep->tree_next = NULL;
}

static bool frames_passed(struct ehci *e, const struct ehci_ep *ep)
{
	uint32_t now = ehci_read(e, EHCI_FRINDEX);

	if (!e->running)
		return true;
	if (((now - ep->unlink_frindex) & EHCI_FRINDEX_MASK) >= EHCI_PERIODIC_UNLINK_UFRAMES)
		return true;
	return ktime_ns() - ep->unlink_ns >= EHCI_PERIODIC_UNLINK_MAX_NS;
}

static struct ehci_ep *first_settled(struct ehci *e)
{
	struct ehci_ep *ep;

	list_for_each_entry(ep, &e->unlink_periodic, unlink)
		if (frames_passed(e, ep))
			return ep;
	return NULL;
}

void ehci_periodic_unlink_work(struct work *w)
{
	struct ehci *e = container_of(w, struct ehci, periodic_unlink_work);
	struct ehci_ep *ep;

	/* One at a time: quiescing one may change the list. */
	while ((ep = first_settled(e))) {
		list_remove(&ep->unlink);
		ep->state = EHCI_EP_UNLINKED;
		ehci_ep_quiesced(e, ep);
	}
	if (!list_empty(&e->unlink_periodic))
		work_schedule(w, NSEC_PER_MSEC);
}
