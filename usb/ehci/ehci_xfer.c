/*
 * EHCI endpoints and transfers. Each open endpoint owns a QH whose qTD
 * queue always ends in an inactive dummy qTD. A transfer is appended by
 * writing its qTDs behind the dummy, then turning the dummy itself into
 * the transfer's first qTD, its token (with Active) written last after a
 * write barrier: the controller never sees a half-built chain (§4.10.2).
 *
 * Completion is found by reading the tokens of the qTDs each transfer
 * recorded (each with its virtual and physical address). A short IN packet
 * leaves through the alternate next pointer, which points at the end of
 * the transfer (control: at its status stage). A halt is decoded into an
 * enum usb_status; transaction errors get a bounded soft retry first. A
 * STALL on a bulk or interrupt endpoint keeps its QH halted until the core
 * has cleared the device's halt and calls ep_reset (DATA0, queue resumed).
 * Cancelling, timeouts and closing take the whole QH out of the schedule
 * and finish the work once the controller has let go (ehci_ep_quiesced).
 * The bookkeeping every controller shares (queues, cancel marks,
 * completion) is usb/hcd.c's.
 */
#include "dma_pool.h"
#include "ehci.h"
#include "ehci_qtd.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"

static struct ehci_xfer *first_xfer(struct ehci_ep *ep)
{
	return list_first_entry_or_null(&ep->hcd.queue, struct ehci_xfer, hcd.node);
}

/* The transfer after xs on its endpoint's queue, or NULL. */
static struct ehci_xfer *next_xfer(struct ehci_ep *ep, struct ehci_xfer *xs)
{
	struct list_node *n = xs->hcd.node.next;
	return n == &ep->hcd.queue ? NULL : list_entry(n, struct ehci_xfer, hcd.node);
}

static struct ehci_qtd *alloc_td(struct ehci *e, dma_addr_t *dma)
{
	struct ehci_qtd *td = dma_pool_alloc(e->pool, sizeof(*td), dma);

	if (td) {
		td->next = EHCI_LINK_TERMINATE;
		td->alt_next = EHCI_LINK_TERMINATE;
		td->token = 0;
	}
	return td;
}

/* Restarts a halted or unlinked QH at qTD `start`. Bulk and interrupt QHs
 * keep their data toggle in the overlay (DTC=0), so that bit survives
 * unless ep_reset asked for DATA0. An endpoint the device stalled stays
 * halted (the controller skips it, §4.10.3) until ep_reset. */
static void qh_restart(struct ehci_ep *ep, dma_addr_t start)
{
	struct ehci_qh *qh = ep->qh;
	uint32_t toggle = ehci_dma_read(&qh->token) & EHCI_TOK_TOGGLE;

	if (ep->toggle_reset)
		toggle = 0;
	ep->toggle_reset = false;
	if (ep->hcd.halted)
		toggle |= EHCI_TOK_HALTED;

	qh->current = 0;
	qh->next = (uint32_t)start;
	qh->alt_next = EHCI_LINK_TERMINATE;
	for (unsigned i = 0; i < EHCI_QTD_PAGES; i++)
		qh->buf[i] = 0;
	dma_wmb();
	ehci_dma_write(&qh->token, toggle);
}

/* Where the queue resumes after its first transfer left. */
static dma_addr_t queue_start(struct ehci_ep *ep)
{
	struct ehci_xfer *xs = first_xfer(ep);
	return xs ? xs->td[0].dma : ep->dummy_dma;
}

/* --- endpoints -------------------------------------------------------- */

static void qh_init(struct ehci_ep *ep, const struct usb_endpoint *uep)
{
	unsigned maxp = uep->max_packet & 0x7ff;
	unsigned mult = ((uep->max_packet >> 11) & 3) + 1;
	struct ehci_qh *qh = ep->qh;

	qh->hlink = EHCI_LINK_TERMINATE;
	qh->ep_char = EHCI_QH_DEVADDR(uep->dev_addr) | EHCI_QH_ENDPT(uep->ep_addr) |
		      EHCI_QH_EPS_HIGH | EHCI_QH_MAXP(maxp) |
		      (uep->type == USB_EP_CONTROL ? EHCI_QH_DTC : 0);
	qh->ep_caps = EHCI_QH_MULT(mult) | EHCI_QH_SMASK(ep->smask);
	qh->token = 0;
	qh_restart(ep, ep->dummy_dma);
}

static int check_endpoint(struct ehci *e, const struct usb_endpoint *uep)
{
	if (uep->speed != USB_SPEED_HIGH) {
		pr_err("ehci%d: device %u: full/low-speed endpoint %x behind a "
		       "hub needs split transactions, which this driver lacks\n",
		       e->index, uep->dev_addr, uep->ep_addr);
		return USB_ERR_INVAL;
	}
	if (uep->type == USB_EP_ISO || (uep->max_packet & 0x7ff) == 0 ||
	    (uep->max_packet & 0x7ff) > 1024) {
		pr_err("ehci%d: device %u ep %x: unsupported type %d or max packet %u\n",
		       e->index, uep->dev_addr, uep->ep_addr, uep->type, uep->max_packet);
		return USB_ERR_INVAL;
	}
	return 0;
}

static void free_ep(struct ehci *e, struct ehci_ep *ep)
{
	list_remove(&ep->node);
	dma_pool_free(e->pool, ep->dummy);
	dma_pool_free(e->pool, ep->qh);
	kfree(ep);
}

static struct ehci_ep *alloc_ep(struct ehci *e)
{
	struct ehci_ep *ep = kzalloc(sizeof(*ep));

	if (!ep)
		return NULL;
	ep->qh = dma_pool_alloc(e->pool, sizeof(struct ehci_qh), &ep->qh_dma);
	ep->dummy = ep->qh ? alloc_td(e, &ep->dummy_dma) : NULL;
	if (!ep->dummy) {
		if (ep->qh)
			dma_pool_free(e->pool, ep->qh);
		kfree(ep);
		pr_err("ehci%d: out of DMA pool memory for a queue head\n", e->index);
		return NULL;
	}
	ep->ehci = e;
	list_node_init(&ep->async);
	list_node_init(&ep->unlink);
	return ep;
}

int ehci_ep_open(struct usb_hcd *hcd, struct usb_endpoint *uep)
{
	struct ehci *e = hcd_to_ehci(hcd);

	if (e->dead)
		return USB_ERR_HC;
	int rc = check_endpoint(e, uep);
	if (rc)
		return rc;
	struct ehci_ep *ep = alloc_ep(e);
	if (!ep)
		return USB_ERR_NOMEM;
	ep->periodic = uep->type == USB_EP_INTERRUPT;
	ep->control = uep->type == USB_EP_CONTROL;
	if (ep->periodic) {
		ehci_hs_interrupt_period(uep->interval, &ep->period, &ep->smask);
		ep->load = uep->max_packet & 0x7ff;
	}
	qh_init(ep, uep);
	list_push_front(&e->eps, &ep->node);
	hcd_ep_init(&ep->hcd, uep);
	ehci_ep_link(e, ep);
	return 0;
}

/* Takes the QH out of the schedule so its queued work can be taken back. */
static void take_back_later(struct ehci *e, struct ehci_ep *ep)
{
	if (ep->state == EHCI_EP_LINKED)
		ehci_ep_unlink(e, ep);
	else if (ep->state == EHCI_EP_UNLINKED)
		ehci_ep_quiesced(e, ep);
	/* UNLINKING: ehci_ep_quiesced runs when the controller lets go. */
}

void ehci_ep_close(struct usb_hcd *hcd, struct usb_endpoint *uep)
{
	struct hcd_ep *hep = hcd_ep_close(uep);

	if (hep)
		take_back_later(hcd_to_ehci(hcd), container_of(hep, struct ehci_ep, hcd));
}

/* --- submission -------------------------------------------------------- */

/* Where qTD i of a transfer continues normally and after a short packet. */
static void td_links(const struct ehci_xfer *xs, unsigned i, dma_addr_t end,
		     uint32_t *next, uint32_t *alt)
{
	bool has_status = xs->td[xs->n_td - 1].status_stage;

	*next = (uint32_t)(i + 1 < xs->n_td ? xs->td[i + 1].dma : end);
	if (!xs->td[i].data)
		*alt = EHCI_LINK_TERMINATE;
	else if (has_status)
		*alt = (uint32_t)xs->td[xs->n_td - 1].dma;
	else
		*alt = (uint32_t)end;
}

/* qTDs 1..count-1 (qTD 0 is the endpoint's old dummy). */
static void free_new_tds(struct ehci *e, struct ehci_xfer *xs, unsigned count)
{
	for (unsigned i = 1; i < count; i++)
		dma_pool_free(e->pool, xs->td[i].qtd);
}

static void record_plan(struct ehci_xfer *xs, const struct ehci_td_plan *plan)
{
	for (unsigned i = 0; i < xs->n_td; i++) {
		xs->td[i].len = plan[i].len;
		xs->td[i].status_stage = plan[i].status;
		xs->td[i].data = plan[i].pid != EHCI_PID_SETUP && !plan[i].status;
	}
}

/* Writes the chain behind the endpoint's dummy and activates it. */
static int append_chain(struct ehci *e, struct ehci_ep *ep, struct ehci_xfer *xs,
			const struct ehci_td_plan *plan)
{
	dma_addr_t new_dummy_dma;
	unsigned n = xs->n_td;

	xs->td[0].qtd = ep->dummy;
	xs->td[0].dma = ep->dummy_dma;
	for (unsigned i = 1; i < n; i++)
		if (!(xs->td[i].qtd = alloc_td(e, &xs->td[i].dma))) {
			free_new_tds(e, xs, i);
			return USB_ERR_NOMEM;
		}
	struct ehci_qtd *new_dummy = alloc_td(e, &new_dummy_dma);
	if (!new_dummy) {
		free_new_tds(e, xs, n);
		return USB_ERR_NOMEM;
	}
	record_plan(xs, plan);
	for (unsigned i = n; i-- > 0;) {
		uint32_t next, alt;

		td_links(xs, i, new_dummy_dma, &next, &alt);
		ehci_qtd_write(xs->td[i].qtd, &plan[i], next, alt);
		if (i > 0)
			xs->td[i].qtd->token = ehci_qtd_token(&plan[i], i == n - 1);
	}
	dma_wmb();
	ehci_dma_write(&xs->td[0].qtd->token, ehci_qtd_token(&plan[0], n == 1));
	dma_wmb();
	ep->dummy = new_dummy;
	ep->dummy_dma = new_dummy_dma;
	return 0;
}

static void arm_timeout(struct ehci *e, struct ehci_xfer *xs)
{
	xs->deadline_ns = hcd_xfer_deadline_ns(xs->hcd.x);
	if (!xs->deadline_ns)
		return;
	if (!e->timeout_work.queued || e->timeout_work.due_ns > xs->deadline_ns)
		work_schedule(&e->timeout_work, xs->hcd.x->timeout_ns);
}

static int plan_for(const struct usb_xfer *x, struct ehci_td_plan *out)
{
	const struct usb_endpoint *uep = x->ep;

	return ehci_plan_xfer(uep->type, hcd_xfer_dir_in(x), x->setup_dma, x->buf_dma, x->len,
			      uep->max_packet & 0x7ff, out);
}

/* QEMU's async timer slows down to one pass every few ms after the schedule
 * has been idle; a doorbell brings the next pass forward (docs/ehci.md).
 * Back-to-back transfers keep the timer fast, so they are left alone. */
static void kick_if_idle(struct ehci *e)
{
	uint64_t now = ktime_ns();

	if (now - e->last_async_ns >= EHCI_KICK_AFTER_IDLE_NS)
		ehci_async_kick(e);
	e->last_async_ns = now;
}

/* The transfer's record with its qTDs appended to the endpoint's queue. */
static int build_xfer(struct ehci *e, struct ehci_ep *ep, const struct usb_xfer *x,
		      struct ehci_xfer **out)
{
	int n = plan_for(x, NULL);
	if (n < 0) {
		pr_err("ehci%d: device %u ep %x: transfer of %u bytes at %lx cannot "
		       "be described to the controller\n", e->index, x->ep->dev_addr,
		       x->ep->ep_addr, (unsigned)x->len, (unsigned long)x->buf_dma);
		return n;
	}
	struct ehci_td_plan *plan = kmalloc((size_t)n * sizeof(*plan));
	struct ehci_xfer *xs = kzalloc(sizeof(*xs) + (size_t)n * sizeof(xs->td[0]));
	int rc = USB_ERR_NOMEM;
	if (plan && xs) {
		plan_for(x, plan);
		xs->n_td = (unsigned)n;
		rc = append_chain(e, ep, xs, plan);
	}
	kfree(plan);
	if (rc)
		kfree(xs);
	else
		*out = xs;
	return rc;
}

int ehci_submit(struct usb_hcd *hcd, struct usb_xfer *x)
{
	struct ehci *e = hcd_to_ehci(hcd);
	int rc = hcd_submit_check(x, e->dead);
	if (rc)
		return rc;
	struct ehci_ep *ep = x->ep->hcpriv;
	struct ehci_xfer *xs;
	rc = build_xfer(e, ep, x, &xs);
	if (rc)
		return rc;
	xs->ep = ep;
	hcd_req_queue(&xs->hcd, x);
	arm_timeout(e, xs);
	e->stats.xfers++;
	if (!ep->periodic)
		kick_if_idle(e);
	return 0;
}

void ehci_cancel(struct usb_hcd *hcd, struct usb_xfer *x)
{
	struct ehci_xfer *xs = x->hcpriv;

	if (!xs)
		return; /* already completed */
	hcd_req_cancel(&xs->hcd, USB_ERR_CANCELLED);
	take_back_later(hcd_to_ehci(hcd), xs->ep);
}

/* --- completion -------------------------------------------------------- */

enum progress { XFER_BUSY, XFER_DONE, XFER_HALTED };

/* Reads a transfer's qTDs in order: still running, finished (possibly
 * short), or halted at *halt_at with *status. */
static enum progress xfer_progress(const struct ehci_xfer *xs, int *status, size_t *actual,
				   unsigned *halt_at)
{
	*actual = 0;
	*status = USB_OK;
	for (unsigned i = 0; i < xs->n_td; i++) {
		uint32_t tok = ehci_dma_read(&xs->td[i].qtd->token);
		if (tok & EHCI_TOK_ACTIVE)
			return XFER_BUSY;
		dma_rmb();
		uint32_t left = MIN(EHCI_TOK_BYTES(tok), xs->td[i].len);
		if (xs->td[i].data)
			*actual += xs->td[i].len - left;
		*status = ehci_token_status(tok);
		if (*status != USB_OK) {
			*halt_at = i;
			return XFER_HALTED;
		}
		if (xs->td[i].data && left) {
			if (!xs->td[xs->n_td - 1].status_stage)
				return XFER_DONE;
			i = xs->n_td - 2; /* the controller went on to the status stage */
		}
	}
	return XFER_DONE;
}

/* Restarts the qTD that halted with a transaction error, CERR reloaded. */
static bool soft_retry(struct ehci *e, struct ehci_ep *ep, struct ehci_xfer *xs,
		       unsigned idx)
{
	struct ehci_qh *qh = ep->qh;
	uint32_t fresh = EHCI_TOK_ACTIVE | (EHCI_CERR_MAX << EHCI_TOK_CERR_SHIFT);
	uint32_t clear = EHCI_TOK_STATUS_MASK | EHCI_TOK_CERR_MASK;

	if (xs->soft_retries >= EHCI_SOFT_RETRIES || xs->hcd.cancel_status ||
	    ep->state != EHCI_EP_LINKED ||
	    EHCI_LINK_ADDR(ehci_dma_read(&qh->current)) != xs->td[idx].dma ||
	    !(ehci_dma_read(&qh->token) & EHCI_TOK_HALTED))
		return false;
	struct ehci_qtd *td = xs->td[idx].qtd;
	ehci_dma_write(&td->token, (ehci_dma_read(&td->token) & ~clear) | fresh);
	dma_wmb();
	ehci_dma_write(&qh->token, (ehci_dma_read(&qh->token) & ~clear) | fresh);
	xs->soft_retries++;
	e->stats.soft_retries++;
	return true;
}

/* Frees the transfer's qTDs and moves it to `done` with its result. */
static void retire(struct ehci *e, struct ehci_xfer *xs, int status, size_t actual,
		   struct list_node *done)
{
	for (unsigned i = 0; i < xs->n_td; i++)
		dma_pool_free(e->pool, xs->td[i].qtd);
	xs->hcd.x->status = status;
	xs->hcd.x->actual = actual;
	list_remove(&xs->hcd.node);
	list_push_back(done, &xs->hcd.node);
}

/* Completes every transfer on `done`, in order. */
static void giveback(struct list_node *done)
{
	struct list_node *n;

	while ((n = list_pop_front(done))) {
		struct ehci_xfer *xs = list_entry(n, struct ehci_xfer, hcd.node);
		struct usb_xfer *x = xs->hcd.x;
		kfree(xs);
		hcd_giveback(x, x->status, x->actual);
	}
}

static void scan_ep(struct ehci *e, struct ehci_ep *ep, struct list_node *done)
{
	struct ehci_xfer *xs;

	while ((xs = first_xfer(ep))) {
		int status;
		size_t actual;
		unsigned halt_at = 0;
		enum progress p = xfer_progress(xs, &status, &actual, &halt_at);

		if (p == XFER_BUSY)
			return;
		if (p == XFER_HALTED && status == USB_ERR_XACT &&
		    soft_retry(e, ep, xs, halt_at))
			return;
		list_remove(&xs->hcd.node);
		/* The device keeps a stalled endpoint halted (USB 2.0 8.4.5):
		 * hold the queue until the core has cleared it (ep_reset). */
		if (p == XFER_HALTED && status == USB_ERR_STALL && !ep->control)
			ep->hcd.halted = true;
		/* A halted QH skips everything: resume after this transfer. */
		if (p == XFER_HALTED)
			qh_restart(ep, queue_start(ep));
		retire(e, xs, status, actual, done);
	}
}

void ehci_scan_all(struct ehci *e)
{
	struct list_node done = LIST_HEAD_INIT(done);
	struct ehci_ep *ep;

	list_for_each_entry(ep, &e->eps, node)
		scan_ep(e, ep, &done);
	giveback(&done);
}

/* --- taking work back from an unlinked QH ------------------------------ */

static void take_back_cancelled(struct ehci *e, struct ehci_ep *ep, struct list_node *done)
{
	struct ehci_xfer *xs, *tmp;

	list_for_each_entry_safe(xs, tmp, &ep->hcd.queue, hcd.node) {
		if (!xs->hcd.cancel_status && !ep->hcd.closing)
			continue;
		int status;
		size_t actual;
		unsigned halt_at;
		xfer_progress(xs, &status, &actual, &halt_at);
		retire(e, xs, xs->hcd.cancel_status ? xs->hcd.cancel_status : USB_ERR_CANCELLED,
		       actual, done);
	}
}

/* Re-chains the transfers left on an idle QH and points it at the first
 * qTD that still has work. */
static void relink_queue(struct ehci_ep *ep)
{
	dma_addr_t start = ep->dummy_dma;
	bool found = false;
	struct ehci_xfer *xs;

	list_for_each_entry(xs, &ep->hcd.queue, hcd.node) {
		struct ehci_xfer *next = next_xfer(ep, xs);
		dma_addr_t end = next ? next->td[0].dma : ep->dummy_dma;
		for (unsigned i = 0; i < xs->n_td; i++) {
			struct ehci_qtd *td = xs->td[i].qtd;
			uint32_t link, alt;
			td_links(xs, i, end, &link, &alt);
			ehci_dma_write(&td->next, link);
			ehci_dma_write(&td->alt_next, alt);
			if (!found && (ehci_dma_read(&td->token) & EHCI_TOK_ACTIVE)) {
				start = xs->td[i].dma;
				found = true;
			}
		}
	}
	qh_restart(ep, start);
}

/* CLEAR_FEATURE(ENDPOINT_HALT) restarted the device's side at DATA0. A
 * halted or idle QH is restarted in place (the controller does not run
 * it); one that is busy is taken out of the schedule first. */
void ehci_ep_reset(struct usb_hcd *hcd, struct usb_endpoint *uep)
{
	struct ehci *e = hcd_to_ehci(hcd);
	struct ehci_ep *ep = uep->hcpriv;

	if (!ep || ep->hcd.closing)
		return;
	bool was_halted = ep->hcd.halted;
	ep->hcd.halted = false;
	ep->toggle_reset = true;
	if (ep->state == EHCI_EP_LINKED && (was_halted || list_empty(&ep->hcd.queue)))
		relink_queue(ep);
	else
		take_back_later(e, ep);
}

void ehci_ep_quiesced(struct ehci *e, struct ehci_ep *ep)
{
	struct list_node done = LIST_HEAD_INIT(done);

	scan_ep(e, ep, &done);
	take_back_cancelled(e, ep, &done);
	if (ep->hcd.closing)
		free_ep(e, ep);
	else {
		relink_queue(ep);
		ehci_ep_link(e, ep);
	}
	giveback(&done);
}

/* After a controller reset: every transfer fails, every QH starts empty
 * and unlinked. */
void ehci_fail_all(struct ehci *e, int status)
{
	struct list_node done = LIST_HEAD_INIT(done);
	struct ehci_ep *ep;

	list_for_each_entry(ep, &e->eps, node) {
		struct ehci_xfer *xs;
		while ((xs = first_xfer(ep)))
			retire(e, xs, status, 0, &done);
		if (ep->state == EHCI_EP_LINKED)
			ep->state = EHCI_EP_UNLINKED;
		list_remove(&ep->async);
		ep->tree_next = NULL;
		qh_restart(ep, ep->dummy_dma);
	}
	giveback(&done);
}

/* Marks ep's expired transfers; returns the earliest deadline still ahead
 * (UINT64_MAX if none) and whether any expired. */
static uint64_t expire(struct ehci *e, struct ehci_ep *ep, uint64_t now, bool *expired)
{
	uint64_t next = UINT64_MAX;
	struct ehci_xfer *xs;

	list_for_each_entry(xs, &ep->hcd.queue, hcd.node) {
		if (!xs->deadline_ns || xs->hcd.cancel_status)
			continue;
		if (xs->deadline_ns > now) {
			next = MIN(next, xs->deadline_ns);
			continue;
		}
		hcd_req_cancel(&xs->hcd, USB_ERR_SETUP_TIMEOUT);
		*expired = true;
		pr_warn("ehci%d: device %u ep %x: no completion within %u ms, cancelling\n",
			e->index, ep->qh->ep_char & 0x7f, (ep->qh->ep_char >> 8) & 0xf,
			(unsigned)(xs->hcd.x->timeout_ns / NSEC_PER_MSEC));
	}
	return next;
}

void ehci_timeout_work(struct work *w)
{
	struct ehci *e = container_of(w, struct ehci, timeout_work);
	uint64_t next = UINT64_MAX;
	struct ehci_ep *ep, *tmp;

	ehci_scan_all(e);
	uint64_t now = ktime_ns();
	list_for_each_entry_safe(ep, tmp, &e->eps, node) {
		bool expired = false;
		next = MIN(next, expire(e, ep, now, &expired));
		if (expired && ep->state == EHCI_EP_LINKED)
			ehci_ep_unlink(e, ep);
	}
	if (next != UINT64_MAX)
		work_schedule(w, next - now);
}
