/*
 * STALL recovery for bulk and interrupt endpoints. A device that returns
 * STALL keeps the endpoint halted until the host sends
 * CLEAR_FEATURE(ENDPOINT_HALT) (USB 2.0 sections 8.4.5 and 9.4.5), which
 * also resets the endpoint's data toggle to DATA0 on both sides. The driver
 * sends that request on the device's control endpoint itself, holds the
 * endpoint's queue meanwhile, and completes the stalled transfer with
 * USB_ERR_STALL only once the endpoint works again, so a class driver that
 * simply resubmits does not stall a second time.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "uhci.h"
#include "usb.h"

#define CLEAR_HALT_TIMEOUT_NS (NSEC_PER_SEC)

struct halt_clear {
	struct usb_xfer xfer; /* CLEAR_FEATURE on the device's endpoint 0 */
	struct uhci_hc *hc;
	struct usb_xfer *stalled;
	struct usb_device *dev;
	uint8_t dev_addr, ep_addr;
};

/* Endpoints are looked up again at completion: either may have been closed
 * while the request was on its way. */
static struct uhci_ep *find_ep(struct uhci_hc *hc, const struct usb_device *dev,
			       uint8_t dev_addr, uint8_t ep_addr)
{
	for (struct uhci_ep *e = hc->eps; e; e = e->next)
		if (e->ep && e->ep->dev == dev && e->ep->dev_addr == dev_addr &&
		    e->ep->ep_addr == ep_addr && !e->closing)
			return e;
	return NULL;
}

static void clear_done(struct usb_xfer *x)
{
	struct halt_clear *hcl = x->ctx;
	struct uhci_ep *uep = find_ep(hcl->hc, hcl->dev, hcl->dev_addr, hcl->ep_addr);
	if (x->status)
		pr_warn("%s: clearing the halt of device %u endpoint %02x failed: %s\n",
			hcl->hc->name, hcl->dev_addr, hcl->ep_addr, usb_status_str(x->status));
	if (x->status == USB_OK)
		hcl->hc->stats.halts_cleared++;
	if (uep) {
		uep->halted = false;
		if (x->status == USB_OK)
			uep->toggle = 0;
		uhci_ep_resume(hcl->hc, uep);
	}
	struct usb_xfer *stalled = hcl->stalled;
	hcl->hc->stats.failed++;
	usb_buffer_free(x->setup);
	kfree(hcl);
	stalled->status = USB_ERR_STALL;
	stalled->hcpriv = NULL;
	stalled->complete(stalled);
}

bool uhci_clear_halt_start(struct uhci_hc *hc, struct uhci_ep *uep, struct usb_xfer *stalled)
{
	const struct usb_endpoint *ep = uep->ep;
	struct uhci_ep *ctrl = find_ep(hc, ep->dev, ep->dev_addr, 0);
	struct halt_clear *hcl = ctrl ? kzalloc(sizeof(*hcl)) : NULL;
	if (!hcl)
		return false;
	dma_addr_t setup_dma;
	struct usb_setup *setup = usb_buffer_alloc(sizeof(*setup), &setup_dma);
	if (!setup) {
		kfree(hcl);
		return false;
	}
	*setup = (struct usb_setup){ .bmRequestType = USB_TYPE_STANDARD | USB_RECIP_ENDPOINT,
				     .bRequest = USB_REQ_CLEAR_FEATURE,
				     .wValue = USB_FEATURE_ENDPOINT_HALT, .wIndex = ep->ep_addr };
	*hcl = (struct halt_clear){ .hc = hc, .stalled = stalled, .dev = ep->dev,
				    .dev_addr = ep->dev_addr, .ep_addr = ep->ep_addr };
	hcl->xfer = (struct usb_xfer){ .ep = ctrl->ep, .setup = setup, .setup_dma = setup_dma,
				       .timeout_ns = CLEAR_HALT_TIMEOUT_NS,
				       .complete = clear_done, .ctx = hcl };
	uep->halted = true;
	if (uhci_submit(&hc->hcd, &hcl->xfer) != 0) {
		uep->halted = false;
		usb_buffer_free(setup);
		kfree(hcl);
		return false;
	}
	return true;
}
