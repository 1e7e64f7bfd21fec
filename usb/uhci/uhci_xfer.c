/*
 * UHCI endpoints and transfers. Each open endpoint has one QH hung after
 * the skeleton QH for its type and period; its transfers wait in a software
 * queue and run one at a time as that QH's element, so bulk and interrupt
 * toggles are known when a chain starts. The controller is never raced for
 * a descriptor it may be using: a QH whose running transfer must be
 * abandoned (cancel, timeout, close) is first unlinked from the schedule,
 * and only touched again, or freed, once the frame counter has moved on;
 * finished TD chains are retired the same way before going back to the
 * pool. A STALL on a bulk or interrupt endpoint holds its queue until the
 * core has cleared the device's halt and calls ep_reset (DATA0, queue
 * resumed). Everything runs from the controller's work item, which the
 * IRQ handler schedules. The bookkeeping every controller shares (queues,
 * cancel marks, completion) is usb/hcd.c's.
 */
#include "dma_pool.h"
#include "hw.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "uhci.h"
#include "usb.h"

#define UHCI_SETTLE_FRAMES 2 /* the frame in progress at unlink, plus one */
#define UHCI_SETTLE_NS NSEC_PER_MSEC

static bool frame_moved_on(struct uhci_hc *hc, uint16_t then)
{
	return uhci_halted(hc) ||
	       ((uhci_frame(hc) - then) & UHCI_FRNUM_MASK) >= UHCI_SETTLE_FRAMES;
}

static struct uhci_req *head_req(struct uhci_ep *uep)
{
	return list_first_entry_or_null(&uep->hcd.queue, struct uhci_req, hcd.node);
}

static enum uhci_skel skel_for(const struct usb_endpoint *ep)
{
	if (ep->type == USB_EP_CONTROL)
		return UHCI_SKEL_CONTROL;
	if (ep->type == USB_EP_BULK)
		return UHCI_SKEL_BULK;
	unsigned period = MIN(MAX(ep->interval, 1), 128), k = 0;
	while ((2u << k) <= period)
		k++;
	return UHCI_SKEL_INT1 - k; /* largest power of two <= bInterval ms */
}

/* Hangs the QH right after its skeleton. */
static void link_qh(struct uhci_hc *hc, struct uhci_ep *uep)
{
	struct uhci_qh *skel = hc->skel[uep->skel];
	uep->qh->link = skel->link;
	dma_wmb();
	skel->link = (uint32_t)uep->qh_dma | UHCI_LINK_QH;
	list_push_front(&hc->skel_eps[uep->skel], &uep->sched);
	uep->state = UHCI_EP_LINKED;
}

/* Bypasses the QH: its predecessor is the one before it on the
 * skeleton's list, or the skeleton itself. */
static void unlink_qh(struct uhci_hc *hc, struct uhci_ep *uep)
{
	struct list_node *head = &hc->skel_eps[uep->skel];
	uep->state = UHCI_EP_UNLINKING;
	uep->unlink_frame = uhci_frame(hc);
	hc->stats.unlinks++;
	if (!list_node_linked(&uep->sched)) {
		pr_err("%s: QH %08x missing from the schedule\n", hc->name, (unsigned)uep->qh_dma);
		return;
	}
	struct uhci_qh *prev = uep->sched.prev == head
				       ? hc->skel[uep->skel]
				       : list_entry(uep->sched.prev, struct uhci_ep, sched)->qh;
	prev->link = uep->qh->link;
	list_remove(&uep->sched);
}

/* Whether software may rewrite the QH element: it is empty, or the
 * controller stopped on a TD (error or short packet) and will not write the
 * element again. A TD that completed normally is followed by the
 * controller's own element update, which must not overwrite ours. The
 * element is the controller's to move, so its address is translated. */
static bool element_is_ours(struct uhci_hc *hc, struct uhci_ep *uep)
{
	uint32_t el = uep->qh->element;
	if (el & UHCI_LINK_TERMINATE)
		return true;
	struct uhci_td *td = dma_pool_phys_to_virt(hc->pool, UHCI_LINK_ADDR(el));
	if (!td)
		return false;
	uint32_t ctrl = td->ctrl;
	if (ctrl & UHCI_TD_ACTIVE)
		return false;
	return (ctrl & UHCI_TD_ERROR_BITS) ||
	       ((ctrl & UHCI_TD_SPD) && UHCI_TD_ACTLEN(ctrl) < UHCI_TD_MAXLEN(td->token));
}

static void count_completion(struct uhci_hc *hc, int status)
{
	if (status == USB_OK)
		hc->stats.completed++;
	else if (status == USB_ERR_CANCELLED)
		hc->stats.cancelled++;
	else if (status == USB_ERR_SETUP_TIMEOUT)
		hc->stats.timed_out++;
	else
		hc->stats.failed++;
}

static void complete_req(struct uhci_req *req, int status, size_t actual)
{
	count_completion(req->uep->hc, status);
	hcd_giveback(req->hcd.x, status, actual);
}

static void free_req(struct uhci_hc *hc, struct uhci_req *req)
{
	uhci_chain_free(hc->pool, &req->chain);
	kfree(req);
}

/* Chain TDs may still be read in the current frame: free them later. */
static void retire_req(struct uhci_hc *hc, struct uhci_req *req)
{
	req->retire_frame = uhci_frame(hc);
	list_remove(&req->hcd.node);
	list_push_back(&hc->retired, &req->hcd.node);
}

static void start_head(struct uhci_hc *hc, struct uhci_ep *uep)
{
	struct uhci_req *req = head_req(uep);
	if (!req || req->started || uep->state != UHCI_EP_LINKED || uep->hcd.halted || hc->dead)
		return;
	if (!element_is_ours(hc, uep)) {
		hc->stats.element_races++;
		unlink_qh(hc, uep); /* settles the element; the head starts after */
		return;
	}
	if (!req->chain.has_status)
		uhci_chain_set_toggles(&req->chain, uep->toggle);
	dma_wmb();
	uep->qh->element = (uint32_t)uhci_chain_first(&req->chain);
	req->started = true;
}

static bool is_control(const struct uhci_ep *uep)
{
	return uep->skel == UHCI_SKEL_CONTROL;
}

static void finish_head(struct uhci_hc *hc, struct uhci_ep *uep, const struct uhci_scan *s)
{
	struct uhci_req *req = head_req(uep);
	if (element_is_ours(hc, uep))
		uep->qh->element = UHCI_LINK_TERMINATE;
	if (!is_control(uep) && s->next_toggle >= 0)
		uep->toggle = (unsigned)s->next_toggle;
	retire_req(hc, req);
	/* The device keeps a stalled endpoint halted (USB 2.0 8.4.5): hold
	 * the queue until the core has cleared it and calls ep_reset. */
	if (s->status == USB_ERR_STALL && !is_control(uep))
		uep->hcd.halted = true;
	complete_req(req, s->status, s->actual);
	start_head(hc, uep);
}

/* The first transfer cancelled before the controller saw it, or NULL. */
static struct uhci_req *cancelled_waiting(struct uhci_ep *uep)
{
	struct uhci_req *req;
	list_for_each_entry(req, &uep->hcd.queue, hcd.node)
		if (req->hcd.cancel_status && !req->started)
			return req;
	return NULL;
}

/* Queued transfers the controller never saw complete at once, one at a
 * time: a completion callback may cancel others. */
static void drop_cancelled_waiting(struct uhci_hc *hc, struct uhci_ep *uep)
{
	struct uhci_req *req;
	while ((req = cancelled_waiting(uep)) != NULL) {
		list_remove(&req->hcd.node);
		complete_req(req, req->hcd.cancel_status, 0);
		free_req(hc, req);
	}
}

static void check_timeouts(struct uhci_hc *hc, struct uhci_ep *uep)
{
	uint64_t now = ktime_ns();
	struct uhci_req *req;
	list_for_each_entry(req, &uep->hcd.queue, hcd.node) {
		uint64_t deadline = hcd_xfer_deadline_ns(req->hcd.x);
		if (req->hcd.cancel_status || !deadline || now <= deadline)
			continue;
		pr_warn("%s: transfer to device %u endpoint %02x timed out after %u ms\n",
			hc->name, uep->hcd.usb->dev_addr, uep->hcd.usb->ep_addr,
			(unsigned)(req->hcd.x->timeout_ns / NSEC_PER_MSEC));
		hcd_req_cancel(&req->hcd, USB_ERR_SETUP_TIMEOUT);
		if (req->started)
			unlink_qh(hc, uep);
	}
}

static void process_linked(struct uhci_hc *hc, struct uhci_ep *uep)
{
	check_timeouts(hc, uep);
	drop_cancelled_waiting(hc, uep);
	struct uhci_req *req = head_req(uep);
	if (!req || uep->state != UHCI_EP_LINKED)
		return;
	if (!req->started) {
		start_head(hc, uep);
		return;
	}
	struct uhci_scan s;
	uhci_chain_scan(&req->chain, &s);
	if (s.state == UHCI_CHAIN_DONE) {
		finish_head(hc, uep, &s);
	} else if (s.state == UHCI_CHAIN_NEEDS_STATUS && !req->status_stage_linked) {
		/* The controller stopped on the short TD and leaves the element
		 * there (design guide 3.2.2, SPD): continue with the status TD. */
		uep->qh->element = (uint32_t)uhci_chain_status(&req->chain)->dma;
		req->status_stage_linked = true;
	}
}

static void free_ep(struct uhci_hc *hc, struct uhci_ep *uep)
{
	list_remove(&uep->node);
	list_remove(&uep->sched);
	dma_pool_free(hc->pool, uep->qh);
	kfree(uep);
}

/* The head's chain is out of the controller's sight: settle it. */
static void settle_head(struct uhci_hc *hc, struct uhci_ep *uep)
{
	struct uhci_req *req = head_req(uep);
	if (!req || !req->started)
		return;
	struct uhci_scan s;
	uhci_chain_scan(&req->chain, &s);
	if (!req->hcd.cancel_status && s.state != UHCI_CHAIN_DONE)
		return; /* still wanted: it resumes when the QH is linked again */
	list_remove(&req->hcd.node);
	if (!is_control(uep) && s.next_toggle >= 0)
		uep->toggle = (unsigned)s.next_toggle;
	uep->qh->element = UHCI_LINK_TERMINATE;
	int status = req->hcd.cancel_status ? req->hcd.cancel_status : s.status;
	complete_req(req, status, s.actual);
	free_req(hc, req);
}

static void process_unlinked(struct uhci_hc *hc, struct uhci_ep *uep)
{
	uep->state = UHCI_EP_UNLINKED;
	settle_head(hc, uep);
	drop_cancelled_waiting(hc, uep);
	if (uep->hcd.closing) {
		free_ep(hc, uep);
		return;
	}
	link_qh(hc, uep);
	start_head(hc, uep);
}

static void process_endpoints(struct uhci_hc *hc)
{
	struct uhci_ep *uep, *tmp;
	list_for_each_entry_safe(uep, tmp, &hc->eps, node) {
		if (uep->state == UHCI_EP_LINKED)
			process_linked(hc, uep);
		else if (uep->state == UHCI_EP_UNLINKING &&
			 frame_moved_on(hc, uep->unlink_frame))
			process_unlinked(hc, uep);
	}
}

static void free_retired(struct uhci_hc *hc, bool all)
{
	struct uhci_req *req, *tmp;
	list_for_each_entry_safe(req, tmp, &hc->retired, hcd.node) {
		if (all || frame_moved_on(hc, req->retire_frame)) {
			list_remove(&req->hcd.node);
			free_req(hc, req);
		}
	}
}

/* The earliest transfer deadline on uep, as a delay from now. */
static uint64_t next_deadline_ns(struct uhci_ep *uep, uint64_t now)
{
	uint64_t delay = UINT64_MAX;
	struct uhci_req *req;
	list_for_each_entry(req, &uep->hcd.queue, hcd.node) {
		uint64_t due = hcd_xfer_deadline_ns(req->hcd.x);
		if (due && !req->hcd.cancel_status)
			delay = MIN(delay, due + 1 > now ? due + 1 - now : 0);
	}
	return delay;
}

/* When the work must run again without an interrupt: settling unlinked
 * QHs and retired TDs, the earliest transfer deadline, or polling. */
static uint64_t next_check_ns(struct uhci_hc *hc)
{
	uint64_t delay = UINT64_MAX, now = ktime_ns();
	if (!list_empty(&hc->retired))
		delay = UHCI_SETTLE_NS;
	struct uhci_ep *uep;
	list_for_each_entry(uep, &hc->eps, node) {
		if (uep->state == UHCI_EP_UNLINKING || (hc->polling && !list_empty(&uep->hcd.queue)))
			delay = MIN(delay, UHCI_SETTLE_NS);
		delay = MIN(delay, next_deadline_ns(uep, now));
	}
	return delay;
}

static void reschedule(struct uhci_hc *hc)
{
	uint64_t delay = next_check_ns(hc);
	if (delay == UINT64_MAX)
		return;
	unsigned long flags = arch_irq_save();
	if (!hc->work.queued) /* an IRQ's immediate request must not be delayed */
		work_schedule(&hc->work, delay);
	arch_irq_restore(flags);
}

static uint16_t take_status(struct uhci_hc *hc)
{
	unsigned long flags = arch_irq_save();
	uint16_t sts = hc->irq_status;
	hc->irq_status = 0;
	arch_irq_restore(flags);
	if (hc->polling) {
		uint16_t now = uhci_read16(hc, UHCI_USBSTS) & UHCI_STS_CAUSES;
		uhci_write16(hc, UHCI_USBSTS, now);
		sts |= now;
	}
	return sts;
}

void uhci_work_fn(struct work *w)
{
	struct uhci_hc *hc = container_of(w, struct uhci_hc, work);
	if (!hc->dead) {
		uint16_t sts = take_status(hc);
		if ((sts & (UHCI_STS_HSE | UHCI_STS_HCPE)) || uhci_halted(hc))
			uhci_recover(hc, sts | uhci_read16(hc, UHCI_USBSTS));
		if (sts & UHCI_STS_RESUME)
			usb_hcd_port_event(&hc->hcd);
	}
	/* Chains retired in an earlier frame go back to the pool first, so
	 * the completions below can build the next command's chain from it:
	 * one large storage chain live at a time, not two. */
	free_retired(hc, false);
	/* A dead controller is halted: closing endpoints still get freed. */
	process_endpoints(hc);
	reschedule(hc);
}

/* The controller is halted: nothing it held can be in use any more. */
void uhci_fail_all(struct uhci_hc *hc, int status)
{
	struct uhci_ep *uep, *tmp;
	free_retired(hc, true);
	list_for_each_entry_safe(uep, tmp, &hc->eps, node) {
		uep->state = UHCI_EP_UNLINKED;
		list_remove(&uep->sched);
		uep->qh->element = UHCI_LINK_TERMINATE;
		uep->toggle = 0;
		struct uhci_req *req;
		while ((req = head_req(uep)) != NULL) {
			list_remove(&req->hcd.node);
			complete_req(req, req->hcd.cancel_status ? req->hcd.cancel_status : status, 0);
			free_req(hc, req);
		}
		if (uep->hcd.closing)
			free_ep(hc, uep);
	}
}

/* After a controller reset. Endpoints closed by completion callbacks
 * during uhci_fail_all() are finished by the normal unlink path. */
void uhci_relink_all(struct uhci_hc *hc)
{
	struct uhci_ep *uep;
	list_for_each_entry(uep, &hc->eps, node) {
		if (uep->hcd.closing) {
			uep->state = UHCI_EP_UNLINKING;
			uep->unlink_frame = uhci_frame(hc);
			continue;
		}
		link_qh(hc, uep);
		start_head(hc, uep);
	}
}

/* --- usb_hcd_ops ----------------------------------------------------- */

int uhci_ep_open(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	struct uhci_hc *hc = hcd->priv;
	if (hc->dead)
		return USB_ERR_HC;
	if (ep->type == USB_EP_ISO || ep->speed > USB_SPEED_FULL) {
		pr_err("%s: cannot serve a %s endpoint\n", hc->name,
		       ep->type == USB_EP_ISO ? "isochronous" : "high-speed");
		return USB_ERR_INVAL;
	}
	struct uhci_ep *uep = kzalloc(sizeof(*uep));
	if (!uep)
		return USB_ERR_NOMEM;
	uep->qh = dma_pool_alloc(hc->pool, UHCI_QH_BYTES, &uep->qh_dma);
	if (!uep->qh) {
		kfree(uep);
		return USB_ERR_NOMEM;
	}
	uep->qh->element = UHCI_LINK_TERMINATE;
	uep->hc = hc;
	uep->skel = skel_for(ep);
	list_node_init(&uep->sched);
	link_qh(hc, uep);
	list_push_front(&hc->eps, &uep->node);
	hcd_ep_init(&uep->hcd, ep);
	return 0;
}

void uhci_ep_close(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	struct uhci_hc *hc = hcd->priv;
	struct hcd_ep *hep = hcd_ep_close(ep);
	if (!hep)
		return;
	struct uhci_ep *uep = container_of(hep, struct uhci_ep, hcd);
	if (uep->state == UHCI_EP_LINKED) {
		unlink_qh(hc, uep);
	} else if (uep->state == UHCI_EP_UNLINKED) {
		/* Out of the schedule already (controller reset or dead). */
		uep->state = UHCI_EP_UNLINKING;
		uep->unlink_frame = uhci_frame(hc);
	}
	work_schedule(&hc->work, 0);
}

static void describe(const struct usb_xfer *x, struct uhci_xfer_desc *d)
{
	const struct usb_endpoint *ep = x->ep;
	*d = (struct uhci_xfer_desc){
		.type = ep->type,
		.dir_in = hcd_xfer_dir_in(x),
		.dev_addr = ep->dev_addr,
		.ep_num = ep->ep_addr & 0x0F,
		.low_speed = ep->speed == USB_SPEED_LOW,
		.max_packet = ep->max_packet,
		.setup_dma = x->setup_dma,
		.buf_dma = x->buf_dma,
		.len = x->len,
	};
}

int uhci_submit(struct usb_hcd *hcd, struct usb_xfer *x)
{
	struct uhci_hc *hc = hcd->priv;
	int rc = hcd_submit_check(x, hc->dead);
	if (rc)
		return rc;
	struct uhci_req *req = kzalloc(sizeof(*req));
	if (!req)
		return USB_ERR_NOMEM;
	struct uhci_xfer_desc d;
	describe(x, &d);
	rc = uhci_chain_build(hc->pool, &d, &req->chain);
	if (rc) {
		kfree(req);
		return rc;
	}
	req->uep = x->ep->hcpriv;
	hcd_req_queue(&req->hcd, x);
	start_head(hc, req->uep);
	reschedule(hc);
	return 0;
}

/* CLEAR_FEATURE(ENDPOINT_HALT) restarted the device's side at DATA0. */
void uhci_ep_reset(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	struct uhci_hc *hc = hcd->priv;
	struct uhci_ep *uep = ep->hcpriv;
	if (!uep || uep->hcd.closing)
		return;
	uep->toggle = 0;
	if (uep->hcd.halted)
		hc->stats.halts_cleared++;
	uep->hcd.halted = false;
	start_head(hc, uep);
	reschedule(hc);
}

void uhci_cancel(struct usb_hcd *hcd, struct usb_xfer *x)
{
	struct uhci_hc *hc = hcd->priv;
	struct uhci_req *req = x->hcpriv;
	if (!req || !hcd_req_cancel(&req->hcd, USB_ERR_CANCELLED))
		return;
	if (req->started && req->uep->state == UHCI_EP_LINKED)
		unlink_qh(hc, req->uep);
	work_schedule(&hc->work, 0);
}
