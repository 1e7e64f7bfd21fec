/*
 * The EHCI asynchronous schedule (§4.8) and the unlinking of queue heads.
 * The ring starts with a permanent, always-halted head QH with the H bit
 * (§4.10.1; QEMU runs nothing without one); endpoint QHs are inserted right
 * after it. A QH taken out of a schedule may still be cached by the
 * controller, so it is only handed back (ehci_ep_quiesced) once that is
 * impossible: for the async ring after the Interrupt on Async Advance
 * doorbell (§4.8.2), with a watchdog in case the interrupt is lost; for
 * the periodic tree after two frames (ehci_periodic.c).
 */
#include "dma_pool.h"
#include "ehci.h"
#include "printk.h"

int ehci_async_init(struct ehci *e)
{
	e->head = dma_pool_alloc(e->pool, sizeof(struct ehci_qh), &e->head_dma);
	if (!e->head)
		return USB_ERR_NOMEM;
	ehci_async_reset(e);
	return 0;
}

/* An empty ring: the head alone, linked to itself, never executing. */
void ehci_async_reset(struct ehci *e)
{
	struct ehci_qh *h = e->head;

	h->hlink = (uint32_t)e->head_dma | EHCI_LINK_TYPE_QH;
	h->ep_char = EHCI_QH_HEAD | EHCI_QH_EPS_HIGH | EHCI_QH_MAXP(64);
	h->ep_caps = EHCI_QH_MULT(1);
	h->current = 0;
	h->next = EHCI_LINK_TERMINATE;
	h->alt_next = EHCI_LINK_TERMINATE;
	h->token = EHCI_TOK_HALTED;
	while (list_pop_front(&e->async_ring))
		continue;
}

static void async_link(struct ehci *e, struct ehci_ep *ep)
{
	/* The new QH is complete and points where the head points before
	 * the head is made to point at it (§4.8.1). */
	ep->qh->hlink = ehci_dma_read(&e->head->hlink);
	dma_wmb();
	ehci_dma_write(&e->head->hlink, (uint32_t)ep->qh_dma | EHCI_LINK_TYPE_QH);
	list_push_front(&e->async_ring, &ep->async);
}

/* Bypasses ep's QH: its predecessor is the one before it on the ring's
 * list, or the head. */
static void async_unlink(struct ehci *e, struct ehci_ep *ep)
{
	if (!list_node_linked(&ep->async)) {
		pr_err("ehci%d: QH %lx missing from the async ring\n", e->index,
		       (unsigned long)ep->qh_dma);
		return;
	}
	struct ehci_qh *prev_qh = ep->async.prev == &e->async_ring
					  ? e->head
					  : list_entry(ep->async.prev, struct ehci_ep, async)->qh;
	/* ep's own hlink stays intact: the controller may be on it now. */
	ehci_dma_write(&prev_qh->hlink, ep->qh->hlink);
	dma_wmb();
	list_remove(&ep->async);
}

void ehci_ep_link(struct ehci *e, struct ehci_ep *ep)
{
	if (ep->periodic)
		ehci_periodic_link(e, ep);
	else
		async_link(e, ep);
	ep->state = EHCI_EP_LINKED;
}

static bool async_running(struct ehci *e)
{
	return e->running &&
	       (ehci_read(e, EHCI_USBCMD) & (EHCI_CMD_RUN | EHCI_CMD_ASE)) ==
		       (EHCI_CMD_RUN | EHCI_CMD_ASE);
}

static void move_all(struct list_node *from, struct list_node *to)
{
	struct list_node *n;

	while ((n = list_pop_front(from)))
		list_push_back(to, n);
}

/* Rings the doorbell for every QH unlinked so far (§4.8.2). */
static void ring_doorbell(struct ehci *e)
{
	move_all(&e->unlink_queued, &e->unlink_waiting);
	e->iaa_in_flight = true;
	e->iaa_rung_ns = ktime_ns();
	e->stats.iaa_rings++;
	ehci_write(e, EHCI_USBCMD, ehci_read(e, EHCI_USBCMD) | EHCI_CMD_IAAD);
	work_schedule(&e->iaa_watchdog, EHCI_IAA_WATCHDOG_NS);
}

static void request_iaa(struct ehci *e)
{
	if (e->iaa_in_flight)
		return;
	if (async_running(e)) {
		ring_doorbell(e);
		return;
	}
	/* A stopped schedule caches nothing: hand them back from work
	 * context, never from inside the caller (it may be iterating). */
	move_all(&e->unlink_queued, &e->unlink_waiting);
	e->iaa_in_flight = true;
	ehci_post_status(e, EHCI_STS_IAA);
}

void ehci_ep_unlink(struct ehci *e, struct ehci_ep *ep)
{
	if (ep->state != EHCI_EP_LINKED)
		return;
	ep->state = EHCI_EP_UNLINKING;
	if (ep->periodic) {
		ehci_periodic_unlink(e, ep);
		ep->unlink_frindex = ehci_read(e, EHCI_FRINDEX);
		ep->unlink_ns = ktime_ns();
		list_push_back(&e->unlink_periodic, &ep->unlink);
		work_schedule(&e->periodic_unlink_work, NSEC_PER_MSEC);
		return;
	}
	async_unlink(e, ep);
	list_push_back(&e->unlink_queued, &ep->unlink);
	request_iaa(e);
}

/* Ends the idle back-off of an emulated controller's async timer: QEMU
 * services a doorbell at once (measured in docs/ehci.md). */
void ehci_async_kick(struct ehci *e)
{
	if (e->iaa_in_flight || !async_running(e))
		return;
	e->stats.kicks++;
	ring_doorbell(e);
}

/* Every endpoint on `list` is out of the controller's sight. */
static void hand_back(struct ehci *e, struct list_node *list)
{
	struct list_node *n;

	while ((n = list_pop_front(list))) {
		struct ehci_ep *ep = list_entry(n, struct ehci_ep, unlink);
		ep->state = EHCI_EP_UNLINKED;
		ehci_ep_quiesced(e, ep);
	}
}

void ehci_iaa_done(struct ehci *e, bool lost)
{
	if (!e->iaa_in_flight)
		return;
	work_cancel(&e->iaa_watchdog);
	if (lost) {
		e->stats.iaa_lost++;
		pr_warn("ehci%d: no async-advance interrupt after the doorbell; "
			"freeing unlinked queue heads anyway\n", e->index);
	}
	struct list_node done = LIST_HEAD_INIT(done);
	move_all(&e->unlink_waiting, &done);
	e->iaa_in_flight = false;
	if (!list_empty(&e->unlink_queued))
		request_iaa(e);
	hand_back(e, &done);
}

/* After a controller reset nothing is cached: every unlink completes. */
void ehci_unlink_all_now(struct ehci *e)
{
	struct list_node all = LIST_HEAD_INIT(all);

	work_cancel(&e->iaa_watchdog);
	work_cancel(&e->periodic_unlink_work);
	move_all(&e->unlink_waiting, &all);
	move_all(&e->unlink_queued, &all);
	move_all(&e->unlink_periodic, &all);
	e->iaa_in_flight = false;
	hand_back(e, &all);
}
