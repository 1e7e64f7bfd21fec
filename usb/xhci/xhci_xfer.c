/*
 * xHCI endpoints and transfers (xHCI 4.11, 4.6.9, 4.6.10): a transfer is
 * one TD on its endpoint's ring, written at submission while the endpoint
 * has fewer than XHCI_MAX_TDS_PER_EP on it, later otherwise. A Transfer
 * event names a TRB; its note names the transfer. Cancelling stops the
 * endpoint, takes every TD back and moves the dequeue pointer past them
 * (Set TR Dequeue); those not cancelled are written again. A halt (STALL
 * or another error) is cleared by Reset Endpoint from deferred work, never
 * from event processing, because commands drain the event ring themselves.
 */
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "usb.h"
#include "xhci.h"

#define XHCI_TRB_MAX_BYTES 0x10000u /* a TRB's buffer must not cross 64 KiB */

static struct xhci_ep *ep_of(const struct usb_endpoint *ep)
{
	return ep->hcpriv ? container_of((struct hcd_ep *)ep->hcpriv, struct xhci_ep, hcd) : NULL;
}

static unsigned dci_of(const struct usb_endpoint *ep)
{
	return ep->type == USB_EP_CONTROL ? 1 : (ep->ep_addr & 0xf) * 2u + (ep->ep_addr >> 7);
}

static void release_trbs(struct xhci_ep *ep, struct xhci_req *req)
{
	xhci_ring_release(ep->ring, req->first, req->ntrbs);
	req->posted = false;
	ep->posted--;
	ep->x->tds--;
}

/* The result is known: off the endpoint's queue onto the giveback list. */
static void finish(struct xhci_req *req, int status, size_t actual)
{
	struct xhci *x = req->ep->x;

	if (req->posted)
		release_trbs(req->ep, req);
	list_remove(&req->hcd.node);
	req->finished = true;
	req->hcd.x->status = status;
	req->hcd.x->actual = MIN(actual, req->hcd.x->len);
	list_push_back(&x->done, &req->hcd.node);
	x->stats.xfers++;
}

/* Data TRBs split at 64 KiB boundaries, at least one (a zero-length
 * transfer), or SETUP and STATUS around them. */
static unsigned td_trbs(const struct usb_xfer *x)
{
	unsigned n = 0;

	for (size_t off = 0; off < x->len; n++)
		off += XHCI_TRB_MAX_BYTES - ((x->buf_dma + off) & (XHCI_TRB_MAX_BYTES - 1));
	if (x->ep->type == USB_EP_CONTROL)
		return n + 2;
	return n ? n : 1;
}

/* One TRB of req's TD; the last one pushed is the one that raises the event. */
static void push(struct xhci_ep *ep, struct xhci_req *req, const struct xhci_trb *t, size_t end)
{
	struct xhci_ring_pos pos = xhci_ring_push(ep->ring, t, req, (uint32_t)end);

	if (!req->ntrbs++)
		req->first = pos;
	req->last_trb = xhci_ring_pos_dma(&pos);
}

/* Data TRBs, split at 64 KiB boundaries; TD Size per §4.11.2.4. */
static void push_data(struct xhci_ep *ep, struct xhci_req *req, uint32_t first_type,
		      uint32_t flags, bool last_ioc)
{
	const struct usb_xfer *x = req->hcd.x;
	size_t off = 0, mps = MAX(x->ep->max_packet, 1u);

	do {
		dma_addr_t at = x->buf_dma + off;
		size_t chunk = MIN(x->len - off, XHCI_TRB_MAX_BYTES - (at & (XHCI_TRB_MAX_BYTES - 1)));
		size_t left = x->len - off - chunk;
		bool last = left == 0;
		struct xhci_trb t = {
			.param = at,
			.status = (uint32_t)chunk | (uint32_t)MIN((left + mps - 1) / mps, 31u) << 17,
			.control = TRB_TYPE(off ? TRB_NORMAL : first_type) | flags |
				   (last ? (last_ioc ? TRB_IOC : 0) : TRB_CH),
		};
		off += chunk;
		push(ep, req, &t, off);
	} while (off < x->len);
}

static void push_control(struct xhci_ep *ep, struct xhci_req *req)
{
	const struct usb_xfer *x = req->hcd.x;
	bool in = hcd_xfer_dir_in(x);
	struct xhci_trb setup = { .status = 8,
				  .control = TRB_TYPE(TRB_SETUP) | TRB_IDT |
					     (x->len ? (in ? TRB_TRT_IN : TRB_TRT_OUT) : 0) };

	memcpy(&setup.param, x->setup, 8);
	push(ep, req, &setup, 0);
	if (x->len)
		push_data(ep, req, TRB_DATA, TRB_ISP | (in ? TRB_DIR_IN : 0), false);
	struct xhci_trb status = { .control = TRB_TYPE(TRB_STATUS) | TRB_IOC |
					      ((in && x->len) ? 0 : TRB_DIR_IN) };
	push(ep, req, &status, x->len);
}

static int post(struct xhci_ep *ep, struct xhci_req *req)
{
	unsigned nsegs = ep->ring->nsegs;
	int rc = xhci_ring_reserve(ep->ring, td_trbs(req->hcd.x));

	if (rc)
		return rc;
	ep->x->stats.grows += ep->ring->nsegs - nsegs;
	req->ntrbs = 0;
	req->short_seen = false;
	if (req->hcd.x->ep->type == USB_EP_CONTROL)
		push_control(ep, req);
	else
		push_data(ep, req, TRB_NORMAL, TRB_ISP, true);
	xhci_ring_commit(ep->ring);
	req->posted = true;
	ep->posted++;
	ep->x->tds++;
	return 0;
}

/* Writes waiting transfers while the endpoint and controller have room. */
static void pump(struct xhci_ep *ep)
{
	struct xhci *x = ep->x;
	struct xhci_req *req, *tmp;
	bool rang = false;

	if (ep->hcd.halted || ep->hcd.closing || ep->needs_reset || ep->slot->lost)
		return;
	list_for_each_entry_safe(req, tmp, &ep->hcd.queue, hcd.node) {
		if (req->posted)
			continue;
		if (ep->posted >= XHCI_MAX_TDS_PER_EP || x->tds >= XHCI_MAX_TDS)
			break;
		int rc = post(ep, req);
		if (rc) {
			pr_err("xhci%d: no ring space for a %zu-byte transfer\n", x->index,
			       req->hcd.x->len);
			finish(req, rc, 0);
			continue;
		}
		rang = true;
	}
	if (rang && x->running)
		mmio_write32(x->db + 4 * ep->slot->id, ep->dci);
}

static int status_of_cc(uint32_t cc)
{
	return cc == CC_STALL ? USB_ERR_STALL
	       : cc == CC_BABBLE ? USB_ERR_BABBLE
	       : cc == CC_DATA_BUFFER ? USB_ERR_DATABUF
	       : USB_ERR_XACT;
}

static struct xhci_ep *event_ep(struct xhci *x, const struct xhci_trb *ev)
{
	unsigned slot = TRB_GET_SLOT(ev->control), dci = TRB_GET_EP(ev->control);
	struct xhci_slot *s = slot && slot <= x->max_slots ? x->slots[slot] : NULL;

	return s && dci ? s->eps[dci] : NULL;
}

static void bad_event(struct xhci *x, const struct xhci_trb *ev, const char *why)
{
	x->stats.bad_events++;
	pr_err("xhci%d: transfer event (slot %u ep %u code %u TRB %lx): %s; ignored\n", x->index,
	       TRB_GET_SLOT(ev->control), TRB_GET_EP(ev->control), TRB_GET_CC(ev->status),
	       (unsigned long)ev->param, why);
}

void xhci_transfer_event(struct xhci *x, const struct xhci_trb *ev)
{
	uint32_t cc = TRB_GET_CC(ev->status), residual = TRB_GET_LEN(ev->status);
	struct xhci_ep *ep = event_ep(x, ev);

	if (cc == CC_STOPPED || cc == CC_STOPPED_LENGTH_INVALID)
		return; /* the TDs are taken back by whoever stopped the endpoint */
	if (!ep)
		return bad_event(x, ev, "no such endpoint");
	struct xhci_trb_note *note = xhci_ring_note(ep->ring, ev->param);
	struct xhci_req *req = note ? note->owner : NULL;
	if (!req || req->ep != ep || !req->posted)
		return bad_event(x, ev, note ? "TRB of no pending transfer" : "TRB not on the ring");
	if (residual > note->end)
		bad_event(x, ev, "residual longer than the transfer; counting 0 bytes");
	size_t actual = residual > note->end ? 0 : note->end - residual;
	bool last = ev->param == req->last_trb;

	if (cc == CC_SUCCESS || cc == CC_SHORT_PACKET) {
		if (cc == CC_SHORT_PACKET && !req->short_seen) {
			req->short_seen = true;
			req->actual = actual;
		}
		if (last || ep->dci != 1)
			finish(req, USB_OK, req->short_seen ? req->actual : actual);
		else if (cc == CC_SUCCESS)
			bad_event(x, ev, "success before the status stage");
	} else { /* halted: Reset Endpoint from ep_work */
		ep->needs_reset = true;
		if (cc == CC_STALL && ep->dci != 1)
			ep->hcd.halted = true; /* held until the core clears the halt */
		finish(req, status_of_cc(cc), actual);
		work_schedule(&x->ep_work, 0);
	}
	pump(ep);
}

static void ep_command(struct xhci *x, struct xhci_ep *ep, uint32_t type, uint64_t param)
{
	xhci_command(x, TRB_TYPE(type) | TRB_SLOT(ep->slot->id) | TRB_EP(ep->dci), param, NULL);
}

/*
 * Stops the endpoint (or resets it after a halt), takes every TD off its
 * ring and points the controller past them. Cancelled transfers finish;
 * the others go on the ring again unless the endpoint is held.
 */
static void take_back(struct xhci_ep *ep)
{
	struct xhci *x = ep->x;
	struct xhci_req *req, *tmp;
	/* Set TR Dequeue is refused unless the endpoint is stopped (§4.6.10). */
	bool commands = !ep->slot->lost && x->running && (ep->needs_reset || ep->posted);

	if (commands)
		ep_command(x, ep, ep->needs_reset ? TRB_RESET_EP : TRB_STOP_EP, 0);
	ep->needs_reset = false;
	list_for_each_entry_safe(req, tmp, &ep->hcd.queue, hcd.node) {
		if (req->posted)
			release_trbs(ep, req);
		if (req->hcd.cancel_status)
			finish(req, req->hcd.cancel_status, 0);
	}
	if (commands)
		ep_command(x, ep, TRB_SET_TR_DEQ, xhci_ring_enqueue_dma(ep->ring));
	pump(ep);
	work_schedule(&x->irq_work, 0);
}

void xhci_ep_work(struct work *w)
{
	struct xhci *x = container_of(w, struct xhci, ep_work);
	uint64_t now = ktime_ns(), next = 0;
	struct xhci_ep *ep;

	list_for_each_entry(ep, &x->eps, node) {
		struct xhci_req *req;
		bool expired = false;
		list_for_each_entry(req, &ep->hcd.queue, hcd.node) {
			if (req->deadline_ns && req->deadline_ns <= now)
				expired |= hcd_req_cancel(&req->hcd, USB_ERR_SETUP_TIMEOUT);
			else if (req->deadline_ns && (!next || req->deadline_ns < next))
				next = req->deadline_ns;
		}
		if (ep->needs_reset || expired)
			take_back(ep);
	}
	if (next)
		work_schedule(w, next - now);
}

void xhci_fail_all(struct xhci *x, int status)
{
	struct xhci_ep *ep;

	list_for_each_entry(ep, &x->eps, node) {
		struct xhci_req *req, *tmp;
		list_for_each_entry_safe(req, tmp, &ep->hcd.queue, hcd.node)
			finish(req, status, 0);
		xhci_ring_reset(ep->ring);
		ep->needs_reset = false;
	}
}

int xhci_ep_open(struct usb_hcd *hcd, struct usb_endpoint *u)
{
	struct xhci *x = hcd->priv;
	struct xhci_slot *s = u->dev->hcpriv;
	unsigned dci = dci_of(u);

	if (!s || s->lost || u->type == USB_EP_ISO || (dci != 1 && s->eps[dci]))
		return s && !s->lost ? USB_ERR_INVAL : USB_ERR_NODEV;
	struct xhci_ep *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return USB_ERR_NOMEM;
	*ep = (struct xhci_ep){ .x = x, .slot = s, .dci = dci,
				.ring = dci == 1 ? &s->ep0_ring : &ep->own_ring };
	hcd_ep_init(&ep->hcd, u);
	s->eps[dci] = ep; /* counted in the slot's Context Entries */
	int rc = dci == 1 ? xhci_update_ep0(x, s, u->max_packet)
			  : xhci_ring_init(&ep->own_ring, x->pool, XHCI_XFER_SEG_TRBS,
					   XHCI_XFER_MAX_SEGS);
	if (!rc && dci != 1) {
		rc = xhci_configure_ep(x, ep, true);
		if (rc)
			xhci_ring_free(&ep->own_ring);
	}
	if (rc) {
		s->eps[dci] = NULL;
		u->hcpriv = NULL;
		kfree(ep);
		return rc;
	}
	list_push_back(&x->eps, &ep->node);
	return 0;
}

void xhci_ep_close(struct usb_hcd *hcd, struct usb_endpoint *u)
{
	struct xhci_ep *ep = ep_of(u);

	if (!hcd_ep_close(u))
		return;
	take_back(ep);
	if (ep->dci != 1) {
		xhci_configure_ep(hcd->priv, ep, false);
		xhci_ring_free(&ep->own_ring);
	}
	ep->slot->eps[ep->dci] = NULL;
	list_remove(&ep->node);
	kfree(ep);
}

int xhci_submit(struct usb_hcd *hcd, struct usb_xfer *xfer)
{
	struct xhci *x = hcd->priv;
	int rc = hcd_submit_check(xfer, x->dead);

	if (rc)
		return rc;
	struct xhci_ep *ep = ep_of(xfer->ep);
	if (ep->slot->lost)
		return USB_ERR_NODEV;
	struct xhci_req *req = kzalloc(sizeof(*req));
	if (!req)
		return USB_ERR_NOMEM;
	req->ep = ep;
	hcd_req_queue(&req->hcd, xfer);
	req->deadline_ns = hcd_xfer_deadline_ns(xfer);
	if (req->deadline_ns && !(x->ep_work.queued && x->ep_work.due_ns <= req->deadline_ns))
		work_schedule(&x->ep_work, xfer->timeout_ns);
	pump(ep);
	if (!list_empty(&x->done))
		work_schedule(&x->irq_work, 0);
	return 0;
}

void xhci_cancel(struct usb_hcd *hcd, struct usb_xfer *xfer)
{
	struct xhci *x = hcd->priv;
	struct xhci_req *req = xfer->hcpriv;

	if (!req || req->finished || !hcd_req_cancel(&req->hcd, USB_ERR_CANCELLED))
		return;
	if (req->posted)
		take_back(req->ep);
	else
		finish(req, USB_ERR_CANCELLED, 0);
	work_schedule(&x->irq_work, 0);
}

void xhci_ep_reset(struct usb_hcd *hcd, struct usb_endpoint *u)
{
	struct xhci_ep *ep = ep_of(u);

	if (!ep)
		return;
	ep->hcd.halted = false;
	pump(ep);
}
