/*
 * Requests: transfers owned by the core, one layer above core.c (which is
 * all they call; completions go up through each request's `done`). Each
 * request belongs to a device and carries its DMA buffers, so a disconnect
 * can find, cancel and free everything a device had in flight. Control requests to a device are
 * handed to the controller one at a time, in submission order: the hub
 * driver and the enumerator of several ports may talk to the same hub at
 * once, and no controller driver has to queue control transfers itself.
 */
#include "arch.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "usb_core.h"
#include "work.h"

static bool is_ep0(const struct usb_request *r) { return r->xfer.ep == &r->dev->ep0; }

static void destroy_request(struct usb_request *r)
{
	list_remove(&r->dev_node);
	usb_buffer_free(r->xfer.buf);
	usb_buffer_free(r->xfer.setup);
	kfree(r);
}

struct usb_request *usb_request_alloc(struct usb_device *dev, struct usb_endpoint *ep,
				      size_t buf_size)
{
	struct usb_request *r = kzalloc(sizeof(*r));

	if (!r)
		return NULL;
	r->dev = dev;
	list_node_init(&r->dev_node);
	list_node_init(&r->queue_node);
	r->xfer.ep = ep;
	r->buf_size = buf_size;
	if (buf_size && !(r->xfer.buf = usb_buffer_alloc(buf_size, &r->xfer.buf_dma)))
		goto fail;
	if (ep->type == USB_EP_CONTROL &&
	    !(r->xfer.setup = usb_buffer_alloc(sizeof(struct usb_setup), &r->xfer.setup_dma)))
		goto fail;
	list_push_front(&dev->requests, &r->dev_node);
	return r;
fail:
	usb_buffer_free(r->xfer.buf);
	kfree(r);
	return NULL;
}

static void request_complete(struct usb_xfer *x);

static int hand_to_hcd(struct usb_request *r)
{
	struct usb_hcd *hcd = r->dev->hcd;
	r->xfer.submitted_ns = ktime_ns();
	return hcd->ops->submit(hcd, &r->xfer);
}

/* Starts the next queued control request once the previous one is back.
 * A refused submission completes that request with the error. */
static void ep0_kick(struct usb_device *dev)
{
	struct list_node *n;

	while (!dev->ep0_active && (n = list_pop_front(&dev->ep0_queue))) {
		struct usb_request *r = list_entry(n, struct usb_request, queue_node);
		int rc;
		dev->ep0_active = r;
		rc = hand_to_hcd(r);
		if (rc) {
			r->xfer.status = rc;
			request_complete(&r->xfer);
		}
	}
}

static void request_complete(struct usb_xfer *x)
{
	struct usb_request *r = x->ctx;
	struct usb_device *dev = r->dev;

	r->inflight = false;
	dev->inflight--;
	if (dev->resetting && !r->reset_io && x->status == USB_ERR_CANCELLED)
		x->status = USB_ERR_RESET; /* so its driver knows why */
	if (dev->ep0_active == r) {
		dev->ep0_active = NULL;
		if (dev->state != USB_STATE_GONE)
			ep0_kick(dev);
	}
	if (r->orphaned)
		destroy_request(r);
	else if (r->done && dev->state != USB_STATE_GONE)
		r->done(r);
	usb_device_get(dev);
	usb_device_put(dev); /* frees a gone device whose last transfer this was */
}

int usb_submit(struct usb_request *r)
{
	struct usb_device *dev = r->dev;
	int rc;

	if (dev->state == USB_STATE_GONE || r->orphaned || (is_ep0(r) && !dev->ep0_open))
		return USB_ERR_NODEV; /* a root hub has no endpoint 0 on the wire */
	if (r->inflight)
		return USB_ERR_INVAL;
	if (dev->resetting && !r->reset_io)
		return USB_ERR_RESET;
	r->xfer.complete = request_complete;
	r->xfer.ctx = r;
	r->xfer.status = 0;
	r->xfer.actual = 0;
	r->inflight = true;
	dev->inflight++;
	if (is_ep0(r) && (dev->ep0_active || !list_empty(&dev->ep0_queue))) {
		list_push_back(&dev->ep0_queue, &r->queue_node);
		return 0;
	}
	if (is_ep0(r))
		dev->ep0_active = r;
	rc = hand_to_hcd(r);
	if (rc) {
		if (dev->ep0_active == r)
			dev->ep0_active = NULL;
		r->inflight = false;
		dev->inflight--;
	}
	return rc;
}

void usb_request_cancel(struct usb_request *r)
{
	if (!r->inflight)
		return;
	if (list_node_linked(&r->queue_node)) {
		list_remove(&r->queue_node);
		r->xfer.status = USB_ERR_CANCELLED;
		request_complete(&r->xfer);
		return;
	}
	r->dev->hcd->ops->cancel(r->dev->hcd, &r->xfer);
}

void usb_request_free(struct usb_request *r)
{
	if (!r)
		return;
	if (!r->inflight) {
		destroy_request(r);
		return;
	}
	/* The controller still owns it: free when it comes back. */
	r->orphaned = true;
	list_remove(&r->dev_node);
	usb_request_cancel(r);
}

void usb_device_free_requests(struct usb_device *dev)
{
	struct usb_request *r;

	while ((r = list_first_entry_or_null(&dev->requests, struct usb_request, dev_node)))
		usb_request_free(r);
}

void usb_device_quiesce(struct usb_device *dev)
{
	struct list_node *n;

	dev->resetting = true;
	usb_close_config_endpoints(dev);
	if (dev->ep0_active)
		dev->hcd->ops->cancel(dev->hcd, &dev->ep0_active->xfer);
	while ((n = list_pop_front(&dev->ep0_queue))) {
		struct usb_request *r = list_entry(n, struct usb_request, queue_node);
		r->xfer.status = USB_ERR_RESET;
		request_complete(&r->xfer);
	}
}

int usb_control_async(struct usb_request *r, uint8_t type, uint8_t req, uint16_t value,
		      uint16_t index, uint16_t len, uint64_t timeout_ns)
{
	if (!r->xfer.setup || len > r->buf_size)
		return USB_ERR_INVAL;
	*r->xfer.setup = (struct usb_setup){ type, req, value, index, len };
	r->xfer.len = len;
	r->xfer.timeout_ns = timeout_ns;
	return usb_submit(r);
}

/* --- STALL recovery ------------------------------------------------------ */
/* The device restarted the endpoint at DATA0: so must the controller. */
static int restart_endpoint(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	if (hcd->ops->ep_reset) {
		hcd->ops->ep_reset(hcd, ep);
		return 0;
	}
	hcd->ops->ep_close(hcd, ep);
	return hcd->ops->ep_open(hcd, ep);
}

static void halt_cleared(struct usb_request *c)
{
	struct usb_request *stalled = c->ctx;
	struct usb_endpoint *ep = stalled->xfer.ep;
	struct usb_hcd *hcd = c->dev->hcd;
	int rc = c->xfer.status;
	char name[48];

	usb_request_free(c);
	if (rc == 0)
		rc = restart_endpoint(hcd, ep);
	if (stalled->on_halt_cleared) {
		stalled->on_halt_cleared(stalled, rc);
		return;
	}
	if (rc == 0)
		rc = usb_submit(stalled);
	if (rc)
		pr_err("%s: endpoint 0x%02x stays halted: %s\n",
		       usb_dev_name(stalled->dev, name, sizeof(name)), ep->ep_addr,
		       usb_status_str(rc));
}

static int start_clear_halt(struct usb_request *stalled)
{
	struct usb_device *dev = stalled->dev;
	struct usb_request *c = usb_request_alloc(dev, &dev->ep0, 0);
	int rc;

	if (!c)
		return USB_ERR_NOMEM;
	c->ctx = stalled;
	c->done = halt_cleared;
	rc = usb_control_async(c, USB_TYPE_STANDARD | USB_RECIP_ENDPOINT, USB_REQ_CLEAR_FEATURE,
			       USB_FEATURE_ENDPOINT_HALT, stalled->xfer.ep->ep_addr, 0,
			       500 * NSEC_PER_MSEC);
	if (rc)
		usb_request_free(c);
	return rc;
}

int usb_clear_halt(struct usb_request *stalled)
{
	stalled->on_halt_cleared = NULL;
	return start_clear_halt(stalled);
}

int usb_clear_halt_then(struct usb_request *r,
			void (*cleared)(struct usb_request *r, int status))
{
	r->on_halt_cleared = cleared;
	return start_clear_halt(r);
}

bool usb_int_in_ok(struct usb_request *r, unsigned *errors, struct work *retry,
		   const char *what, const char *lost)
{
	char name[48];

	if (r->xfer.status == USB_ERR_STALL && (*errors)++ < USB_INT_IN_MAX_ERRORS &&
	    usb_clear_halt(r) == 0)
		return false; /* resubmitted once the halt is cleared */
	if (r->xfer.status == 0) {
		*errors = 0;
		return true;
	}
	if (++*errors > USB_INT_IN_MAX_ERRORS)
		pr_err("%s: %s keeps failing (%s); %s off\n",
		       usb_dev_name(r->dev, name, sizeof(name)), what,
		       usb_status_str(r->xfer.status), lost);
	else
		work_schedule(retry, USB_INT_IN_RETRY_NS);
	return false;
}

/* --- synchronous helpers for shell commands ----------------------------- */
bool usb_wait_idle_until(bool (*cond)(void *ctx), void *ctx, uint64_t timeout_ns)
{
	uint64_t deadline = ktime_ns() + timeout_ns;

	while (!cond(ctx)) {
		if (ktime_ns() >= deadline)
			return cond(ctx);
		/* Nothing to do now: sleep to the next interrupt (the tick or
		 * the controller's), never spin. */
		if (work_run_pending() == 0 && work_next_due_ns() > 0)
			arch_idle();
	}
	return true;
}

struct sync_wait {
	struct usb_request *r;
	bool finished;
	int status;
	size_t actual;
	void *data; /* IN data lands here at completion */
};

/* Copies everything out at once: the request may be freed by a
 * disconnect before the waiter looks again. */
static void sync_done(struct usb_request *r)
{
	struct sync_wait *w = r->ctx;
	w->status = r->xfer.status;
	w->actual = MIN(r->xfer.actual, r->xfer.len);
	if (w->data && w->actual)
		memcpy(w->data, r->xfer.buf, w->actual);
	w->finished = true;
}

static bool sync_over(void *ctx)
{
	struct sync_wait *w = ctx;
	return w->finished || w->r->dev->state == USB_STATE_GONE;
}

int usb_control_sync(struct usb_device *dev, uint8_t type, uint8_t req, uint16_t value,
		     uint16_t index, void *data, uint16_t len, size_t *actual,
		     uint64_t timeout_ns)
{
	struct sync_wait w = { .data = (type & USB_DIR_IN) ? data : NULL };
	int rc;

	if (dev->state == USB_STATE_GONE)
		return USB_ERR_NODEV;
	w.r = usb_request_alloc(dev, &dev->ep0, len);
	if (!w.r)
		return USB_ERR_NOMEM;
	w.r->done = sync_done;
	w.r->ctx = &w;
	if (len && !(type & USB_DIR_IN))
		memcpy(w.r->xfer.buf, data, len);
	usb_device_get(dev);
	rc = usb_control_async(w.r, type, req, value, index, len, timeout_ns);
	/* The driver enforces timeout_ns; the extra second only guards
	 * against a driver that never completes. */
	if (rc == 0 && !usb_wait_idle_until(sync_over, &w, timeout_ns + NSEC_PER_SEC)) {
		usb_request_cancel(w.r);
		usb_wait_idle_until(sync_over, &w, NSEC_PER_SEC);
		rc = USB_ERR_SETUP_TIMEOUT; /* whatever the cancelled request says */
	}
	if (rc == 0)
		rc = w.finished ? w.status : USB_ERR_NODEV;
	if (actual)
		*actual = w.actual;
	/* A gone device already orphaned the request; the core owns it. */
	if (dev->state != USB_STATE_GONE)
		usb_request_free(w.r);
	usb_device_put(dev);
	return rc;
}
