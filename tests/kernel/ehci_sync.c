/*
 * Synchronous transfers for the EHCI commands (see ehci_sync.h).
 */
#include "ehci_sync.h"
#include "ktime.h"
#include "printk.h"

#define SYNC_XFER_TIMEOUT_NS (1000 * NSEC_PER_MSEC)
#define SYNC_CLOSE_TIMEOUT_NS (2000 * NSEC_PER_MSEC)

int ehci_sync_open(struct ehci_sync *s, struct ehci *e, uint8_t addr, uint8_t ep_addr,
		   enum usb_ep_type type, uint16_t max_packet)
{
	s->e = e;
	s->ep = (struct usb_endpoint){ .dev_addr = addr, .speed = USB_SPEED_HIGH,
				       .ep_addr = ep_addr, .type = type,
				       .max_packet = max_packet };
	return e->hcd.ops->ep_open(&e->hcd, &s->ep);
}

static void sync_complete(struct usb_xfer *x)
{
	struct ehci_sync *s = x->ctx;
	s->done = true;
}

void ehci_sync_idle(uint64_t ns)
{
	wait_until((work_run_pending(), false), ns);
}

int ehci_sync_xfer(struct ehci_sync *s, struct usb_setup *setup, dma_addr_t setup_dma,
		   void *buf, dma_addr_t buf_dma, size_t len, size_t *actual)
{
	s->done = false;
	s->x = (struct usb_xfer){ .ep = &s->ep, .setup = setup, .setup_dma = setup_dma,
				  .buf = buf, .buf_dma = buf_dma, .len = len,
				  .timeout_ns = SYNC_XFER_TIMEOUT_NS,
				  .complete = sync_complete, .ctx = s };
	int rc = s->e->hcd.ops->submit(&s->e->hcd, &s->x);
	if (rc)
		return rc;
	/* The driver's own timeout completes the transfer; this bound only
	 * guards against a driver that never completes at all. */
	if (!wait_until((work_run_pending(), s->done), 2 * SYNC_XFER_TIMEOUT_NS)) {
		pr_err("ehci%d: transfer never completed\n", s->e->index);
		return USB_ERR_TIMEOUT;
	}
	*actual = s->x.actual;
	return s->x.status;
}

static bool ep_freed(struct ehci *e, const struct ehci_ep *gone)
{
	const struct ehci_ep *ep;

	list_for_each_entry(ep, &e->eps, node)
		if (ep == gone)
			return false;
	return true;
}

void ehci_sync_close(struct ehci_sync *s)
{
	struct ehci_ep *ep = s->ep.hcpriv;

	s->e->hcd.ops->ep_close(&s->e->hcd, &s->ep);
	if (ep && !wait_until((work_run_pending(), ep_freed(s->e, ep)), SYNC_CLOSE_TIMEOUT_NS))
		pr_err("ehci%d: endpoint not freed within 2 s of closing\n", s->e->index);
}
