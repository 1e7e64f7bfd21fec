/*
 * The simulated host controller of usb_fake_hcd.h. Transfers complete
 * latency_ns after submission from the fake's own work item, like a real
 * controller's interrupt path; devices are routed by address through
 * enabled root and hub ports, so a core that left two devices at address 0
 * is caught here (addr0_conflicts).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktime.h"
#include "qemu_hid_desc.h"
#include "seams.h"
#include "usb_fake_hcd.h"
#include "work.h"

/* --- routing ------------------------------------------------------------ */
static bool hub_port_enabled(const struct fake_dev *hub, unsigned i)
{
	return hub->port_status[i] & 0x0002;
}

/* Collects devices reachable at addr (through enabled ports only). */
static unsigned collect(struct fake_dev *d, uint8_t addr, struct fake_dev **found, unsigned n)
{
	if (d->address == addr)
		found[n++ % 8] = d;
	if (d->is_hub && d->configured)
		for (unsigned i = 0; i < d->nports; i++)
			if (d->child[i] && hub_port_enabled(d, i))
				n = collect(d->child[i], addr, found, n);
	return n;
}

static struct fake_dev *route(struct fake_hcd *fh, uint8_t addr)
{
	struct fake_dev *found[8];
	unsigned n = 0;

	for (unsigned i = 0; i < fh->hcd.num_ports; i++)
		if (fh->root[i] && (fh->root_status[i] & USB_PORT_ENABLED))
			n = collect(fh->root[i], addr, found, n);
	if (addr == 0) {
		if (n > fh->addr0_max)
			fh->addr0_max = n;
		if (n > 1)
			fh->addr0_conflicts++;
	}
	return n == 1 ? found[0] : NULL;
}

/* --- requests a device answers -------------------------------------------- */
static int copy_out(struct usb_xfer *x, const void *src, size_t len)
{
	x->actual = len < x->len ? len : x->len;
	memcpy(x->buf, src, x->actual);
	return USB_OK;
}

static int string_desc(struct usb_xfer *x, const struct fake_dev *d, unsigned idx)
{
	uint8_t b[256];
	size_t n;

	if (idx == 0) {
		const uint8_t langs[4] = { 4, USB_DT_STRING, 0x09, 0x04 };
		return copy_out(x, langs, 4);
	}
	if (idx > 3 || !d->strings[idx])
		return USB_ERR_STALL;
	n = strlen(d->strings[idx]);
	b[0] = (uint8_t)(2 + 2 * n);
	b[1] = USB_DT_STRING;
	for (size_t i = 0; i < n; i++) {
		b[2 + 2 * i] = (uint8_t)d->strings[idx][i];
		b[3 + 2 * i] = 0;
	}
	return copy_out(x, b, b[0]);
}

static int hub_request(struct fake_dev *d, struct usb_xfer *x, const struct usb_setup *s)
{
	unsigned port = s->wIndex;

	if (s->bmRequestType == 0x20 && s->bRequest == USB_REQ_CLEAR_FEATURE) {
		d->hub_change &= (uint16_t)~(1u << s->wValue);
		return USB_OK;
	}
	if (s->bmRequestType == 0xa0 && s->bRequest == USB_REQ_GET_DESCRIPTOR) {
		const uint8_t desc[9] = { 9, USB_DT_HUB, (uint8_t)d->nports, 0x0a, 0, 1, 0, 0, 0xff };
		return copy_out(x, desc, sizeof(desc));
	}
	if (port < 1 || port > d->nports)
		return USB_ERR_STALL;
	port--;
	if (s->bmRequestType == 0xa3 && s->bRequest == USB_REQ_GET_STATUS) {
		uint8_t st[4] = { (uint8_t)d->port_status[port], (uint8_t)(d->port_status[port] >> 8),
				  (uint8_t)d->port_change[port], (uint8_t)(d->port_change[port] >> 8) };
		return copy_out(x, st, 4);
	}
	if (s->bmRequestType == 0x23 && s->bRequest == USB_REQ_SET_FEATURE) {
		if (s->wValue == 8) {
			d->port_status[port] |= 0x0100;
		} else if (s->wValue == 4 && d->child[port]) {
			/* QEMU's hub completes a reset at once. */
			struct fake_dev *c = d->child[port];
			c->address = 0;
			c->configured = false;
			c->leds = 0;
			d->port_status[port] |= 0x0002;
			d->port_status[port] &= (uint16_t)~(0x0600);
			if (c->speed == USB_SPEED_LOW)
				d->port_status[port] |= 0x0200;
			d->port_change[port] |= 0x0010;
		}
		return USB_OK;
	}
	if (s->bmRequestType == 0x23 && s->bRequest == USB_REQ_CLEAR_FEATURE) {
		if (s->wValue >= 16 && s->wValue <= 20)
			d->port_change[port] &= (uint16_t)~(1u << (s->wValue - 16));
		else if (s->wValue == 1)
			d->port_status[port] &= (uint16_t)~0x0002;
		return USB_OK;
	}
	return USB_ERR_STALL;
}

static int standard_request(struct fake_dev *d, struct usb_xfer *x, const struct usb_setup *s)
{
	uint8_t type = (uint8_t)(s->wValue >> 8);

	switch (s->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		if (s->bmRequestType == 0x81 && type == USB_DT_HID_REPORT && d->report_desc)
			return copy_out(x, d->report_desc, d->report_desc_len);
		if (type == USB_DT_DEVICE)
			return copy_out(x, d->dev_desc, 18);
		if (type == USB_DT_CONFIG)
			return copy_out(x, d->config, d->config_len);
		if (type == USB_DT_STRING)
			return string_desc(x, d, s->wValue & 0xff);
		return USB_ERR_STALL;
	case USB_REQ_SET_ADDRESS:
		d->address = (uint8_t)s->wValue;
		d->set_address_count++;
		return USB_OK;
	case USB_REQ_CLEAR_FEATURE:
		if (s->bmRequestType != USB_RECIP_ENDPOINT || s->wValue != USB_FEATURE_ENDPOINT_HALT)
			return USB_ERR_STALL;
		d->int_halted = false;
		d->halt_clears++;
		return USB_OK;
	case USB_REQ_SET_CONFIGURATION:
		d->configured = s->wValue != 0;
		return USB_OK;
	}
	return USB_ERR_STALL;
}

static int hid_request(struct fake_dev *d, struct usb_xfer *x, const struct usb_setup *s)
{
	if (s->bmRequestType != 0x21)
		return USB_ERR_STALL;
	if (s->bRequest == 0x09 && x->len >= 1) /* SET_REPORT: LEDs */
		d->leds = ((uint8_t *)x->buf)[0];
	return USB_OK; /* SET_IDLE, SET_PROTOCOL */
}

static int control(struct fake_dev *d, struct usb_xfer *x)
{
	const struct usb_setup *s = x->setup;

	if (d->timeouts_left) {
		d->timeouts_left--;
		return USB_ERR_TIMEOUT;
	}
	if (d->stall_request == s->bRequest &&
	    (d->stall_desc_type < 0 || d->stall_desc_type == (s->wValue >> 8)))
		return USB_ERR_STALL;
	if ((s->bmRequestType & 0x60) == USB_TYPE_CLASS)
		return d->is_hub ? hub_request(d, x, s) : hid_request(d, x, s);
	return standard_request(d, x, s);
}

/* Interrupt IN: answers only when there is something (NAK otherwise). */
static bool interrupt_in(struct fake_dev *d, struct usb_xfer *x)
{
	if (d->is_hub) {
		uint8_t bits[4] = { d->hub_change ? 1 : 0 };
		bool any = d->hub_change;
		for (unsigned i = 0; i < d->nports; i++)
			if (d->port_change[i]) {
				bits[(i + 1) / 8] |= (uint8_t)(1u << ((i + 1) % 8));
				any = true;
			}
		if (any)
			copy_out(x, bits, (d->nports + 8) / 8);
		return any;
	}
	if (d->report_head == d->report_tail)
		return false;
	copy_out(x, d->report[d->report_head % 16], d->report_len[d->report_head % 16]);
	d->report_head++;
	return true;
}

/* --- the controller ----------------------------------------------------- */
static struct fake_hcd *fake_of(struct usb_hcd *hcd) { return (struct fake_hcd *)hcd; }

static void finish(struct fake_hcd *fh, unsigned i, int status)
{
	struct usb_xfer *x = fh->pending[i].x;
	fh->pending[i] = fh->pending[--fh->npending];
	x->status = status;
	x->complete(x);
}

static void process(struct work *w)
{
	struct fake_hcd *fh = container_of(w, struct fake_hcd, work);

	for (unsigned i = 0; i < fh->npending;) {
		struct fake_xfer *p = &fh->pending[i];
		struct usb_xfer *x = p->x;
		struct fake_dev *d;
		if (p->cancelled) {
			finish(fh, i, USB_ERR_CANCELLED);
			continue;
		}
		if (p->due_ns > ktime_ns() || fh->swallow) {
			i++;
			continue;
		}
		d = route(fh, x->ep->dev_addr);
		if (!d) {
			if (x->ep->type == USB_EP_INTERRUPT) {
				i++; /* NAK forever: nobody there */
				continue;
			}
			finish(fh, i, USB_ERR_TIMEOUT);
		} else if (x->ep->type == USB_EP_CONTROL) {
			finish(fh, i, control(d, x));
		} else if (x->ep->type == USB_EP_BULK) {
			int st = d->bulk ? d->bulk(d, x) : USB_ERR_STALL;
			if (st == FAKE_BULK_NAK)
				i++;
			else
				finish(fh, i, st);
		} else if (d->int_halted) {
			finish(fh, i, USB_ERR_STALL);
		} else if (interrupt_in(d, x)) {
			finish(fh, i, USB_OK);
		} else {
			i++;
		}
	}
	if (fh->npending && !fh->swallow)
		work_schedule(&fh->work, fh->latency_ns);
}

static int fake_submit(struct usb_hcd *hcd, struct usb_xfer *x)
{
	struct fake_hcd *fh = fake_of(hcd);

	if (fh->npending >= FAKE_MAX_PENDING || !x->ep->hcpriv)
		return USB_ERR_NOMEM;
	fh->submits++;
	fh->pending[fh->npending++] = (struct fake_xfer){ x, ktime_ns() + fh->latency_ns, false };
	if (!fh->work.queued)
		work_schedule(&fh->work, fh->latency_ns);
	return 0;
}

static void fake_cancel(struct usb_hcd *hcd, struct usb_xfer *x)
{
	struct fake_hcd *fh = fake_of(hcd);
	for (unsigned i = 0; i < fh->npending; i++)
		if (fh->pending[i].x == x)
			fh->pending[i].cancelled = true;
	work_schedule(&fh->work, 0);
}

static int fake_ep_open(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	ep->hcpriv = hcd;
	fake_of(hcd)->open_endpoints++;
	fake_of(hcd)->ep_opens++;
	return 0;
}

static void fake_ep_reset(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	if (ep->hcpriv == hcd)
		fake_of(hcd)->ep_resets++;
	else
		fake_of(hcd)->closed_ep_resets++;
}

static void fake_ep_close(struct usb_hcd *hcd, struct usb_endpoint *ep)
{
	struct fake_hcd *fh = fake_of(hcd);
	for (unsigned i = 0; i < fh->npending; i++)
		if (fh->pending[i].x->ep == ep)
			fh->pending[i].cancelled = true;
	ep->hcpriv = NULL;
	fh->open_endpoints--;
	work_schedule(&fh->work, 0);
}

static unsigned fake_port_status(struct usb_hcd *hcd, int port)
{
	return fake_of(hcd)->root_status[port - 1];
}

static void fake_port_clear_changes(struct usb_hcd *hcd, int port)
{
	fake_of(hcd)->root_status[port - 1] &= ~(USB_PORT_CONNECT_CHANGE | USB_PORT_ENABLE_CHANGE);
}

static int fake_port_reset_start(struct usb_hcd *hcd, int port)
{
	struct fake_hcd *fh = fake_of(hcd);
	fh->resets_started++;
	if (++fh->resets_active > fh->concurrent_resets_max)
		fh->concurrent_resets_max = fh->resets_active;
	fh->root_status[port - 1] &= ~USB_PORT_ENABLED;
	return 0;
}

static int fake_port_reset_finish(struct usb_hcd *hcd, int port, enum usb_speed *speed)
{
	struct fake_hcd *fh = fake_of(hcd);
	struct fake_dev *d = fh->root[port - 1];

	fh->resets_active--;
	if (!d)
		return USB_ERR_NODEV;
	if (fh->hands_off_full_speed && d->speed != USB_SPEED_HIGH) {
		fh->root_status[port - 1] = USB_PORT_OWNED_BY_COMPANION;
		return USB_PORT_HANDED_OFF;
	}
	d->address = 0;
	d->configured = false;
	d->leds = 0;
	fh->root_status[port - 1] |= USB_PORT_ENABLED;
	*speed = d->speed;
	return 0;
}

static void fake_port_disable(struct usb_hcd *hcd, int port)
{
	fake_of(hcd)->root_status[port - 1] &= ~USB_PORT_ENABLED;
}

static const struct usb_hcd_ops fake_ops = {
	.port_status = fake_port_status,
	.port_clear_changes = fake_port_clear_changes,
	.port_reset_start = fake_port_reset_start,
	.port_reset_finish = fake_port_reset_finish,
	.port_disable = fake_port_disable,
	.ep_open = fake_ep_open,
	.ep_close = fake_ep_close,
	.submit = fake_submit,
	.cancel = fake_cancel,
	.ep_reset = fake_ep_reset,
};

static int fake_device_add(struct usb_hcd *hcd, struct usb_device *dev)
{
	fake_of(hcd)->devices_added++;
	return 0;
}

static void fake_device_remove(struct usb_hcd *hcd, struct usb_device *dev)
{
	fake_of(hcd)->devices_added--;
}

/* Like xHCI's Address Device command: no SET_ADDRESS on the wire. */
static int fake_set_address(struct usb_hcd *hcd, struct usb_device *dev, uint8_t addr)
{
	struct fake_hcd *fh = fake_of(hcd);
	struct fake_dev *d = route(fh, 0);

	fh->set_address_calls++;
	if (!d)
		return USB_ERR_NODEV;
	d->address = addr;
	return 0;
}

/* xHCI's Reset Device, counted: the port reset already put the device
 * at address 0, where fake_set_address finds it. */
static int fake_device_reset(struct usb_hcd *hcd, struct usb_device *dev)
{
	fake_of(hcd)->device_resets++;
	return 0;
}

void fake_hcd_xhci_shape(struct fake_hcd *fh)
{
	static struct usb_hcd_ops xhci_ops;

	xhci_ops = *fh->hcd.ops;
	xhci_ops.device_add = fake_device_add;
	xhci_ops.set_address = fake_set_address;
	xhci_ops.device_reset = fake_device_reset;
	xhci_ops.device_remove = fake_device_remove;
	fh->hcd.ops = &xhci_ops;
}

void fake_hcd_without_ep_reset(struct fake_hcd *fh)
{
	static struct usb_hcd_ops plain_ops;

	plain_ops = *fh->hcd.ops;
	plain_ops.ep_reset = NULL;
	fh->hcd.ops = &plain_ops;
}

void fake_hcd_init(struct fake_hcd *fh, unsigned nports, enum usb_speed speed)
{
	memset(fh, 0, sizeof(*fh));
	fh->hcd.ops = &fake_ops;
	fh->hcd.driver_name = speed == USB_SPEED_HIGH ? "ehci_hcd" : "uhci_hcd";
	fh->hcd.product = "Fake Host Controller";
	fh->hcd.speed = speed;
	fh->hcd.num_ports = nports;
	fh->latency_ns = NSEC_PER_MSEC;
	work_init(&fh->work, process);
}

/* --- plugging ------------------------------------------------------------ */
void fake_plug_root(struct fake_hcd *fh, unsigned port, struct fake_dev *d)
{
	fh->root[port - 1] = d;
	fh->root_status[port - 1] = USB_PORT_CONNECTED | USB_PORT_CONNECT_CHANGE;
	if (fh->hcd.core)
		usb_hcd_port_event(&fh->hcd);
}

void fake_unplug_root(struct fake_hcd *fh, unsigned port)
{
	fh->root[port - 1] = NULL;
	fh->root_status[port - 1] = USB_PORT_CONNECT_CHANGE;
	if (fh->hcd.core)
		usb_hcd_port_event(&fh->hcd);
}

void fake_plug_hub(struct fake_dev *hub, unsigned port, struct fake_dev *d)
{
	hub->child[port - 1] = d;
	hub->port_status[port - 1] = 0x0101 | (d->speed == USB_SPEED_LOW ? 0x0200 : 0);
	hub->port_change[port - 1] |= 0x0001;
	d->parent_hub = hub;
	d->parent_port = port;
}

void fake_unplug_hub(struct fake_dev *hub, unsigned port)
{
	hub->child[port - 1] = NULL;
	hub->port_status[port - 1] = 0x0100;
	hub->port_change[port - 1] |= 0x0001;
}

void fake_queue_report(struct fake_dev *d, const uint8_t *rep, size_t len)
{
	memcpy(d->report[d->report_tail % 16], rep, len);
	d->report_len[d->report_tail % 16] = len;
	d->report_tail++;
}

void fake_run_ms(uint64_t ms)
{
	uint64_t end = seam_now_ns + ms * NSEC_PER_MSEC;

	for (;;) {
		uint64_t next = work_next_due_ns();
		if (next == UINT64_MAX || seam_now_ns + next > end)
			break;
		seam_now_ns += next;
		work_run_pending();
	}
	seam_now_ns = end;
	work_run_pending();
}

/* --- canned devices (as QEMU 7.2 describes them) ------------------------- */
static void base_device(struct fake_dev *d, enum usb_speed speed, uint16_t vid, uint16_t pid,
			uint8_t cls, const char *product)
{
	const uint8_t desc[18] = {
		18, USB_DT_DEVICE, 0x00, speed == USB_SPEED_HIGH ? 0x02 : 0x01, cls, 0, 0,
		speed == USB_SPEED_HIGH ? 64 : 8, (uint8_t)vid, (uint8_t)(vid >> 8), (uint8_t)pid,
		(uint8_t)(pid >> 8), 0, 0, 1, 2, 3, 1,
	};
	memset(d, 0, sizeof(*d));
	memcpy(d->dev_desc, desc, sizeof(desc));
	d->speed = speed;
	d->label = product;
	d->strings[1] = "QEMU";
	d->strings[2] = product;
	d->strings[3] = "42";
	d->stall_request = -1;
	d->stall_desc_type = -1;
}

static void hid_config(struct fake_dev *d, uint8_t subclass, uint8_t proto, uint16_t rdesc_len,
		       uint8_t mps)
{
	const uint8_t cfg[34] = {
		9, USB_DT_CONFIG, 34, 0, 1, 1, 0, 0xa0, 50,
		9, USB_DT_INTERFACE, 0, 0, 1, USB_CLASS_HID, subclass, proto, 0,
		9, USB_DT_HID, 0x01, 0x01, 0, 1, USB_DT_HID_REPORT, (uint8_t)rdesc_len,
		(uint8_t)(rdesc_len >> 8),
		7, USB_DT_ENDPOINT, 0x81, USB_EP_INTERRUPT, mps, 0, 10,
	};
	memcpy(d->config, cfg, sizeof(cfg));
	d->config_len = sizeof(cfg);
}


void fake_make_keyboard(struct fake_dev *d, enum usb_speed speed)
{
	base_device(d, speed, 0x0627, 0x0001, 0, "QEMU USB Keyboard");
	hid_config(d, 1, 1, 63, 8);
}

void fake_make_mouse(struct fake_dev *d, enum usb_speed speed)
{
	base_device(d, speed, 0x0627, 0x0001, 0, "QEMU USB Mouse");
	hid_config(d, 1, 2, 52, 4);
}

void fake_make_tablet(struct fake_dev *d, enum usb_speed speed)
{
	base_device(d, speed, 0x0627, 0x0001, 0, "QEMU USB Tablet");
	hid_config(d, 0, 0, sizeof(qemu_tablet_report_desc), 8);
	d->report_desc = qemu_tablet_report_desc;
	d->report_desc_len = sizeof(qemu_tablet_report_desc);
}

void fake_make_storage(struct fake_dev *d, enum usb_speed speed)
{
	const uint16_t mps = speed == USB_SPEED_HIGH ? 512 : 64;
	const uint8_t cfg[32] = {
		9, USB_DT_CONFIG, 32, 0, 1, 1, 0, 0xc0, 50,
		9, USB_DT_INTERFACE, 0, 0, 2, USB_CLASS_MASS_STORAGE, 0x06, 0x50, 0,
		7, USB_DT_ENDPOINT, 0x81, USB_EP_BULK, (uint8_t)mps, (uint8_t)(mps >> 8), 0,
		7, USB_DT_ENDPOINT, 0x02, USB_EP_BULK, (uint8_t)mps, (uint8_t)(mps >> 8), 0,
	};
	base_device(d, speed, 0x46f4, 0x0001, 0, "QEMU USB HARDDRIVE");
	memcpy(d->config, cfg, sizeof(cfg));
	d->config_len = sizeof(cfg);
}

void fake_make_hub(struct fake_dev *d, unsigned nports)
{
	const uint8_t cfg[25] = {
		9, USB_DT_CONFIG, 25, 0, 1, 1, 0, 0xe0, 0,
		9, USB_DT_INTERFACE, 0, 0, 1, USB_CLASS_HUB, 0, 0, 0,
		7, USB_DT_ENDPOINT, 0x81, USB_EP_INTERRUPT, 1, 0, 0xff,
	};
	base_device(d, USB_SPEED_FULL, 0x0409, 0x55aa, USB_CLASS_HUB, "QEMU USB Hub");
	memcpy(d->config, cfg, sizeof(cfg));
	d->config_len = sizeof(cfg);
	d->is_hub = true;
	d->nports = nports;
	for (unsigned i = 0; i < nports; i++)
		d->port_status[i] = 0x0100;
}

/* --- fixtures ------------------------------------------------------------ */
void fake_bus_with(struct fake_hcd *fh, uint64_t ms, ...)
{
	va_list ap;
	unsigned port = 1;

	va_start(ap, ms);
	for (struct fake_dev *d; (d = va_arg(ap, struct fake_dev *)) != NULL; port++)
		fake_plug_root(fh, port, d);
	va_end(ap);
	if (usb_hcd_register(&fh->hcd))
		fprintf(stderr, "fake_bus_with: usb_hcd_register failed\n");
	fake_run_ms(ms);
}

void fake_make_hub_with(struct fake_dev *hub, unsigned nports, ...)
{
	va_list ap;
	unsigned port = 1;

	fake_make_hub(hub, nports);
	va_start(ap, nports);
	for (struct fake_dev *d; (d = va_arg(ap, struct fake_dev *)) != NULL; port++)
		fake_plug_hub(hub, port, d);
	va_end(ap);
}

void fake_plug_run(struct fake_hcd *fh, unsigned port, struct fake_dev *d, uint64_t ms)
{
	fake_plug_root(fh, port, d);
	fake_run_ms(ms);
}

void fake_unplug_settle(struct fake_hcd *fh, unsigned port)
{
	fake_unplug_root(fh, port);
	fake_run_ms(50);
}

bool fake_log_has(const struct fake_hcd *fh, const char *fmt_with_bus)
{
	char want[256];

	snprintf(want, sizeof(want), fmt_with_bus, fh->hcd.busnum);
	return seam_log_contains(want);
}

struct usb_device *fake_find_path(const struct fake_hcd *fh, const char *path)
{
	const struct usb_bus *bus = fh->hcd.core;
	struct usb_device *d;

	usb_for_each_device(d, bus)
		if (d->parent && strcmp(d->path, path) == 0)
			return d;
	return NULL;
}

unsigned fake_configured_count(const struct fake_hcd *fh)
{
	const struct usb_bus *bus = fh->hcd.core;
	const struct usb_device *d;
	unsigned n = 0;

	usb_for_each_device(d, bus)
		n += d->parent && d->state == USB_STATE_CONFIGURED;
	return n;
}
