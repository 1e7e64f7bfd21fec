/*
 * What host-controller drivers share (declared in include/usb_hcd.h): the
 * bookkeeping of an open endpoint and of its queue of submitted transfers,
 * from submission to the completion callback. The hardware side (queue
 * heads, descriptors, when the controller has let go of them) stays in
 * each driver; this file never touches a controller. Also the skeleton of
 * a PCI probe and the shell's `<driver>dump` command line, the same for
 * every driver.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "usb_hcd.h"

void *hcd_alloc_state(const struct pci_dev *d, const char *driver, unsigned count,
		      unsigned max, size_t size)
{
	if (count >= max) {
		pr_err("%s %02x:%02x.%x: more than %u controllers; ignored\n", driver, d->bus,
		       d->dev, d->fn, max);
		return NULL;
	}
	void *state = kzalloc(size);
	if (!state)
		pr_err("%s %02x:%02x.%x: out of memory for the driver's state\n", driver, d->bus,
		       d->dev, d->fn);
	return state;
}

int hcd_probe(struct hcd_driver *drv, struct pci_dev *d)
{
	void *state = hcd_alloc_state(d, drv->name, drv->count, HCD_MAX_CONTROLLERS,
				      drv->state_size);
	int rc;

	if (!state)
		return USB_ERR_NOMEM;
	rc = drv->start(state, d, (int)drv->count);
	if (rc) {
		pr_err("%s%u: controller not started (%d)\n", drv->name, drv->count, rc);
		drv->teardown(state);
		return rc;
	}
	drv->controllers[drv->count++] = state;
	d->driver_data = state;
	return 0;
}

void *hcd_controller(const struct hcd_driver *drv, int index)
{
	return index >= 0 && (unsigned)index < drv->count ? drv->controllers[index] : NULL;
}

void hcd_ep_init(struct hcd_ep *hep, struct usb_endpoint *ep)
{
	hep->usb = ep;
	list_node_init(&hep->queue);
	hep->closing = false;
	hep->halted = false;
	ep->hcpriv = hep;
}

struct hcd_ep *hcd_ep_close(struct usb_endpoint *ep)
{
	struct hcd_ep *hep = ep->hcpriv;
	struct hcd_req *req;

	if (!hep)
		return NULL;
	ep->hcpriv = NULL;
	hep->usb = NULL;
	hep->closing = true;
	list_for_each_entry(req, &hep->queue, node)
		hcd_req_cancel(req, USB_ERR_CANCELLED);
	return hep;
}

int hcd_submit_check(const struct usb_xfer *x, bool controller_dead)
{
	const struct hcd_ep *hep = x->ep ? x->ep->hcpriv : NULL;

	if (!hep || hep->closing || (x->ep->type == USB_EP_CONTROL && !x->setup))
		return USB_ERR_INVAL;
	return controller_dead ? USB_ERR_HC : 0;
}

void hcd_req_queue(struct hcd_req *req, struct usb_xfer *x)
{
	struct hcd_ep *hep = x->ep->hcpriv;

	req->x = x;
	req->cancel_status = 0;
	x->hcpriv = req;
	x->actual = 0;
	x->status = USB_OK;
	x->submitted_ns = ktime_ns();
	list_push_back(&hep->queue, &req->node);
}

bool hcd_req_cancel(struct hcd_req *req, int status)
{
	if (req->cancel_status)
		return false;
	req->cancel_status = status;
	return true;
}

void hcd_giveback(struct usb_xfer *x, int status, size_t actual)
{
	x->status = status;
	x->actual = actual;
	x->hcpriv = NULL;
	if (x->complete)
		x->complete(x);
}

void hcd_giveback_all(struct list_node *done)
{
	struct list_node *n;

	while ((n = list_pop_front(done))) {
		struct hcd_req *req = list_entry(n, struct hcd_req, node);
		struct usb_xfer *x = req->x;
		kfree(req);
		hcd_giveback(x, x->status, x->actual);
	}
}

bool hcd_xfer_dir_in(const struct usb_xfer *x)
{
	const struct usb_endpoint *ep = x->ep;

	if (ep->type == USB_EP_CONTROL)
		return (x->setup->bmRequestType & 0x80) != 0;
	return (ep->ep_addr & 0x80) != 0;
}

uint64_t hcd_xfer_deadline_ns(const struct usb_xfer *x)
{
	return x->timeout_ns ? x->submitted_ns + x->timeout_ns : 0;
}

bool hcd_restart_limit_hit(struct hcd_restart_limit *l, unsigned max, uint64_t window_ns)
{
	uint64_t now = ktime_ns();

	if (now - l->window_start_ns > window_ns) {
		l->window_start_ns = now;
		l->count = 0;
	}
	return ++l->count > max;
}

int hcd_dump_command(int argc, char **argv, const char *kind, struct usb_hcd *(*nth)(int index))
{
	uint64_t index = 0;
	bool bad = argc > 2 || (argc == 2 && (!kstrtou64(argv[1], &index) || index > 64));

	if (bad || (argc == 2 && !nth((int)index))) {
		kprintf("usage: %s [controller]  (no such controller)\n", argv[0]);
		return 1;
	}
	if (!nth(0)) {
		kprintf("%s: no %s controller\n", argv[0], kind);
		return 1;
	}
	for (int i = 0; nth(i); i++)
		if (argc < 2 || (uint64_t)i == index)
			nth(i)->ops->dump(nth(i));
	return 0;
}
