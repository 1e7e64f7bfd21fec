/*
 * Hub class driver (USB 2.0 chapter 11). Reads the hub descriptor, powers
 * every port and waits bPwrOn2PwrGood, then listens on the status-change
 * interrupt endpoint; each flagged port is read with GET_STATUS, its change
 * bits cleared, and its connect state handed to the core's port state
 * machine (enum.c), which calls back here to reset or disable the port.
 * Everything is asynchronous: requests complete into small state machines.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "usb_core.h"

/* USB 2.0 11.24.2, Table 11-15 (class requests) and 11-17 (features). */
#define HUB_REQ_TYPE_PORT (USB_TYPE_CLASS | USB_RECIP_OTHER)
#define HUB_REQ_TYPE_HUB (USB_TYPE_CLASS | USB_RECIP_DEVICE)
#define PORT_FEAT_ENABLE 1
#define PORT_FEAT_RESET 4
#define PORT_FEAT_POWER 8
#define PORT_FEAT_C_CONNECTION 16
#define HUB_FEAT_C_LOCAL_POWER 0
#define HUB_FEAT_C_OVER_CURRENT 1

/* USB 2.0 11.24.2.7.1, Table 11-21: wPortStatus; 11-22: wPortChange. */
#define PS_CONNECTION 0x0001
#define PS_ENABLE 0x0002
#define PS_OVER_CURRENT 0x0008
#define PS_RESET 0x0010
#define PS_LOW_SPEED 0x0200
#define PS_HIGH_SPEED 0x0400
#define PC_CONNECTION 0x0001

/* USB 2.0 11.23.2.1, Table 11-13: hub descriptor, fixed part. */
struct usb_hub_descriptor {
	uint8_t bDescLength;
	uint8_t bDescriptorType;
	uint8_t bNbrPorts;
	uint16_t wHubCharacteristics;
	uint8_t bPwrOn2PwrGood; /* 2 ms units */
	uint8_t bHubContrCurrent;
} __packed;
_Static_assert(sizeof(struct usb_hub_descriptor) == 7, "USB 2.0 Table 11-13");

#define HUB_MAX_PORTS 31         /* status bitmap fits in 4 bytes */
#define HUB_MAX_DEPTH 5          /* USB 2.0 4.1.1: five hubs, seven tiers */
#define HUB_DESC_READ 71         /* 7 + two 32-byte bitmaps */

enum hub_phase { HUB_GET_DESC, HUB_POWER_ON, HUB_POWER_WAIT, HUB_RUNNING, HUB_DEAD };

struct hub_port_io {
	struct usb_request *r;   /* reset and its status polls */
	bool clearing;           /* the last request was CLEAR_FEATURE(C_PORT_RESET) */
	enum usb_speed speed;
};

struct hub_state {
	struct usb_interface *intf;
	struct usb_device *hdev;
	struct usb_hub *hub;
	enum hub_phase phase;
	struct usb_request *ctrl;     /* descriptor, power, change handling */
	struct usb_request *status;   /* interrupt IN: status-change bitmap */
	struct work work;
	unsigned nports;
	unsigned power_port;
	uint8_t pwr_good_2ms;
	uint32_t pending;             /* ports whose status must be read */
	unsigned checking;            /* port being read, 0 if none */
	unsigned int_errors;
	struct hub_port_io io[HUB_MAX_PORTS];
};

static const char *hub_name(const struct hub_state *hs, char *buf, size_t len)
{
	return usb_dev_name(hs->hdev, buf, len);
}

static void hub_fail(struct hub_state *hs, const char *what, int status)
{
	char name[48];
	pr_err("%s: hub: %s failed: %s; hub not used\n", hub_name(hs, name, sizeof(name)), what,
	       usb_status_str(status));
	hs->phase = HUB_DEAD;
}

static int hub_control(struct usb_request *r, uint8_t type, uint8_t req, uint16_t value,
		       uint16_t index, uint16_t len)
{
	return usb_control_async(r, type, req, value, index, len, usb_timing.control_timeout_ns);
}

/* Fire and forget (clearing change bits, disabling a port): the request
 * frees itself; a gone hub frees it through the core. */
static void free_self(struct usb_request *r) { usb_request_free(r); }

static void hub_send(struct hub_state *hs, uint8_t type, uint8_t req, uint16_t feature,
		     uint16_t port)
{
	struct usb_request *r = usb_request_alloc(hs->hdev, &hs->hdev->ep0, 0);

	if (!r)
		return;
	r->done = free_self;
	if (hub_control(r, type, req, feature, port, 0))
		usb_request_free(r);
}

/* --- port status changes ------------------------------------------------ */
static void check_next_port(struct hub_state *hs);

static void port_status_read(struct usb_request *r)
{
	struct hub_state *hs = r->ctx;
	unsigned port = hs->checking;
	const uint8_t *b = r->xfer.buf;
	uint16_t st, change;

	hs->checking = 0;
	if (r->xfer.status || r->xfer.actual < 4) {
		char name[48];
		pr_warn("%s: hub: GET_STATUS(port %u) failed: %s\n", hub_name(hs, name, sizeof(name)),
			port, usb_status_str(r->xfer.status));
		check_next_port(hs);
		return;
	}
	st = (uint16_t)(b[0] | b[1] << 8);
	change = (uint16_t)(b[2] | b[3] << 8);
	for (unsigned bit = 0; bit < 5; bit++)
		if (change & (1u << bit))
			hub_send(hs, HUB_REQ_TYPE_PORT, USB_REQ_CLEAR_FEATURE,
				 (uint16_t)(PORT_FEAT_C_CONNECTION + bit), (uint16_t)port);
	if ((st & PS_OVER_CURRENT) && (change & 0x0008)) {
		char name[48];
		pr_warn("%s: hub: over-current on port %u\n", hub_name(hs, name, sizeof(name)), port);
	}
	usb_port_connect_status(&hs->hub->ports[port - 1], st & PS_CONNECTION,
				change & PC_CONNECTION);
	check_next_port(hs);
}

static void check_next_port(struct hub_state *hs)
{
	unsigned port;

	if (hs->checking || !hs->pending || hs->phase != HUB_RUNNING)
		return;
	port = (unsigned)__builtin_ctz(hs->pending);
	hs->pending &= ~(1u << port);
	hs->checking = port;
	hs->ctrl->done = port_status_read;
	if (hub_control(hs->ctrl, USB_DIR_IN | HUB_REQ_TYPE_PORT, USB_REQ_GET_STATUS, 0,
			(uint16_t)port, 4))
		hs->checking = 0;
}

static void status_changed(struct usb_request *r)
{
	struct hub_state *hs = r->ctx;
	const uint8_t *b = r->xfer.buf;
	uint32_t bits = 0;

	if (!usb_int_in_ok(r, &hs->int_errors, &hs->work, "hub: status endpoint", "hot-plug"))
		return;
	for (size_t i = 0; i < MIN(r->xfer.actual, (size_t)4); i++)
		bits |= (uint32_t)b[i] << (8 * i);
	/* Bit 0 is the hub itself (local power, over-current): acknowledge
	 * both so it stops reporting; ports are bits 1..n. */
	if (bits & 1) {
		hub_send(hs, HUB_REQ_TYPE_HUB, USB_REQ_CLEAR_FEATURE, HUB_FEAT_C_LOCAL_POWER, 0);
		hub_send(hs, HUB_REQ_TYPE_HUB, USB_REQ_CLEAR_FEATURE, HUB_FEAT_C_OVER_CURRENT, 0);
	}
	hs->pending |= bits & ((2u << hs->nports) - 2u);
	check_next_port(hs);
	usb_submit(hs->status);
}

/* --- port reset, driven by the core's port state machine ---------------- */
/* The request lives only while the port resets, so hot-plug cycles leave
 * no DMA chunks behind. */
static void free_port_io(struct usb_port *p)
{
	struct hub_state *hs = p->hub->priv;
	struct hub_port_io *io = &hs->io[p->num - 1];

	usb_request_free(io->r);
	io->r = NULL;
}

static void reset_finished(struct usb_port *p, int rc, enum usb_speed speed)
{
	free_port_io(p);
	usb_port_reset_done(p, rc, speed);
}

static void reset_io_done(struct usb_request *r)
{
	struct usb_port *p = r->ctx;
	struct hub_state *hs = p->hub->priv;
	struct hub_port_io *io = &hs->io[p->num - 1];
	const uint8_t *b = r->xfer.buf;
	uint16_t st;

	if (r->xfer.status) {
		reset_finished(p, r->xfer.status, USB_SPEED_FULL);
		return;
	}
	if (io->clearing) {
		reset_finished(p, 0, io->speed);
		return;
	}
	if (r->xfer.setup->bRequest == USB_REQ_SET_FEATURE || r->xfer.actual < 4) {
		work_schedule(&p->work, usb_timing.hub_reset_poll_ns);
		return;
	}
	st = (uint16_t)(b[0] | b[1] << 8);
	if (!(st & PS_CONNECTION)) {
		reset_finished(p, USB_ERR_NODEV, USB_SPEED_FULL);
	} else if (!(st & PS_RESET) && (st & PS_ENABLE)) {
		io->speed = (st & PS_LOW_SPEED) ? USB_SPEED_LOW
			    : (st & PS_HIGH_SPEED) ? USB_SPEED_HIGH : USB_SPEED_FULL;
		io->clearing = true;
		if (hub_control(r, HUB_REQ_TYPE_PORT, USB_REQ_CLEAR_FEATURE, PORT_FEAT_C_CONNECTION + 4,
				p->num, 0))
			reset_finished(p, 0, io->speed);
	} else if (ktime_ns() - p->reset_start_ns >= usb_timing.hub_reset_max_ns) {
		reset_finished(p, USB_ERR_SETUP_TIMEOUT, USB_SPEED_FULL);
	} else {
		work_schedule(&p->work, usb_timing.hub_reset_poll_ns);
	}
}

static struct usb_request *port_io(struct usb_port *p)
{
	struct hub_state *hs = p->hub->priv;
	struct hub_port_io *io = &hs->io[p->num - 1];

	if (!io->r) {
		io->r = usb_request_alloc(hs->hdev, &hs->hdev->ep0, 4);
		if (io->r) {
			io->r->done = reset_io_done;
			io->r->ctx = p;
		}
	}
	return io->r;
}

static void hub_reset_start(struct usb_port *p)
{
	struct hub_state *hs = p->hub->priv;
	struct usb_request *r = port_io(p);
	int rc;

	hs->io[p->num - 1].clearing = false;
	rc = r ? hub_control(r, HUB_REQ_TYPE_PORT, USB_REQ_SET_FEATURE, PORT_FEAT_RESET, p->num, 0)
	       : USB_ERR_NOMEM;
	if (rc)
		reset_finished(p, rc, USB_SPEED_FULL);
}

static void hub_reset_poll(struct usb_port *p)
{
	struct usb_request *r = port_io(p);
	int rc = r ? hub_control(r, USB_DIR_IN | HUB_REQ_TYPE_PORT, USB_REQ_GET_STATUS, 0,
				 p->num, 4)
		   : USB_ERR_NOMEM;
	if (rc)
		reset_finished(p, rc, USB_SPEED_FULL);
}

static void hub_port_disable(struct usb_port *p)
{
	hub_send(p->hub->priv, HUB_REQ_TYPE_PORT, USB_REQ_CLEAR_FEATURE, PORT_FEAT_ENABLE, p->num);
}

static const struct usb_hub_ops external_hub_ops = {
	.reset_start = hub_reset_start,
	.reset_poll = hub_reset_poll,
	.reset_abort = free_port_io,
	.disable = hub_port_disable,
};

/* --- bring-up: descriptor, power, then running --------------------------- */
static void start_running(struct hub_state *hs)
{
	char name[48];

	hs->phase = HUB_RUNNING;
	pr_info("%s: hub: %u ports powered\n", hub_name(hs, name, sizeof(name)), hs->nports);
	/* Devices present at power-on may not raise a change bit: look at
	 * every port once. */
	hs->pending = ((2u << hs->nports) - 2u);
	check_next_port(hs);
	if (usb_submit(hs->status))
		hub_fail(hs, "status endpoint", USB_ERR_HC);
}

static void hub_work(struct work *w)
{
	struct hub_state *hs = container_of(w, struct hub_state, work);

	if (hs->phase == HUB_POWER_WAIT)
		start_running(hs);
	else if (hs->phase == HUB_RUNNING && !hs->status->inflight)
		usb_submit(hs->status); /* retry after an error */
}

static void power_next(struct usb_request *r)
{
	struct hub_state *hs = r->ctx;

	if (r->xfer.status) {
		hub_fail(hs, "SET_FEATURE(PORT_POWER)", r->xfer.status);
		return;
	}
	if (hs->power_port < hs->nports) {
		hs->power_port++;
		if (hub_control(r, HUB_REQ_TYPE_PORT, USB_REQ_SET_FEATURE, PORT_FEAT_POWER,
				(uint16_t)hs->power_port, 0))
			hub_fail(hs, "SET_FEATURE(PORT_POWER)", USB_ERR_HC);
		return;
	}
	hs->phase = HUB_POWER_WAIT;
	work_schedule(&hs->work, hs->pwr_good_2ms * 2ull * NSEC_PER_MSEC);
}

static void hub_descriptor_read(struct usb_request *r)
{
	struct hub_state *hs = r->ctx;
	struct usb_hub_descriptor d;
	char name[48];

	if (r->xfer.status) {
		hub_fail(hs, "GET_DESCRIPTOR(hub)", r->xfer.status);
		return;
	}
	if (r->xfer.actual < sizeof(d) || ((uint8_t *)r->xfer.buf)[1] != USB_DT_HUB) {
		pr_err("%s: hub: bad hub descriptor (%zu bytes); hub not used\n",
		       hub_name(hs, name, sizeof(name)), r->xfer.actual);
		hs->phase = HUB_DEAD;
		return;
	}
	memcpy(&d, r->xfer.buf, sizeof(d));
	if (d.bNbrPorts == 0 || d.bNbrPorts > HUB_MAX_PORTS) {
		pr_err("%s: hub: %u ports unsupported (1..%d); hub not used\n",
		       hub_name(hs, name, sizeof(name)), d.bNbrPorts, HUB_MAX_PORTS);
		hs->phase = HUB_DEAD;
		return;
	}
	hs->nports = d.bNbrPorts;
	hs->pwr_good_2ms = d.bPwrOn2PwrGood;
	if (hs->hdev->hcd->ops->hub_info)
		hs->hdev->hcd->ops->hub_info(hs->hdev->hcd, hs->hdev, hs->nports,
					     (d.wHubCharacteristics >> 5) & 3);
	hs->hub = usb_hub_create(hs->hdev, &external_hub_ops, hs->nports, hs);
	if (!hs->hub) {
		hub_fail(hs, "allocating ports", USB_ERR_NOMEM);
		return;
	}
	hs->phase = HUB_POWER_ON;
	hs->power_port = 0;
	r->done = power_next;
	r->xfer.status = 0;
	power_next(r);
}

static int hub_probe(struct usb_interface *intf)
{
	struct usb_device *hdev = intf->dev;
	struct usb_endpoint *status_ep;
	struct hub_state *hs;
	size_t status_len;
	char name[48];

	if (hdev->depth > HUB_MAX_DEPTH) {
		pr_err("%s: hub at tier %u: USB allows at most %d hubs in a chain; not used\n",
		       usb_dev_name(hdev, name, sizeof(name)), hdev->depth + 1, HUB_MAX_DEPTH);
		return -1;
	}
	status_ep = usb_intf_int_in(intf, "hub");
	hs = status_ep ? kzalloc(sizeof(*hs)) : NULL;
	if (!hs)
		return -1;
	hs->intf = intf;
	hs->hdev = hdev;
	work_init(&hs->work, hub_work);
	hs->ctrl = usb_request_alloc(hdev, &hdev->ep0, HUB_DESC_READ);
	/* QEMU's hub answers a 1-byte status read with nothing: read >= 2. */
	status_len = MAX(2u, status_ep->max_packet);
	hs->status = usb_request_alloc(hdev, status_ep, status_len);
	if (!hs->ctrl || !hs->status) {
		usb_request_free(hs->ctrl);
		usb_request_free(hs->status);
		kfree(hs);
		return -1;
	}
	hs->status->ctx = hs;
	hs->status->done = status_changed;
	hs->status->xfer.len = status_len;
	hs->ctrl->ctx = hs;
	hs->ctrl->done = hub_descriptor_read;
	intf->driver_data = hs;
	if (hub_control(hs->ctrl, USB_DIR_IN | HUB_REQ_TYPE_HUB, USB_REQ_GET_DESCRIPTOR,
			USB_DT_HUB << 8, 0, HUB_DESC_READ))
		hub_fail(hs, "GET_DESCRIPTOR(hub)", USB_ERR_HC);
	return 0;
}

static void hub_disconnect(struct usb_interface *intf)
{
	struct hub_state *hs = intf->driver_data;

	work_cancel(&hs->work);
	if (hs->hub)
		usb_hub_destroy(hs->hub); /* removes the whole subtree */
	for (unsigned i = 0; i < HUB_MAX_PORTS; i++)
		usb_request_free(hs->io[i].r);
	usb_request_free(hs->ctrl);
	usb_request_free(hs->status);
	kfree(hs);
	intf->driver_data = NULL;
}

static bool hub_settling(const struct usb_interface *intf)
{
	const struct hub_state *hs = intf->driver_data;
	return hs && (hs->phase < HUB_RUNNING || hs->pending || hs->checking);
}

unsigned usb_hub_port_count(const struct usb_interface *intf)
{
	const struct hub_state *hs = intf->driver_data;
	return hs ? hs->nports : 0;
}

struct usb_driver usb_hub_driver = {
	.name = "hub", USB_MATCH_CLASS(USB_CLASS_HUB),
	.probe = hub_probe,
	.disconnect = hub_disconnect,
	.settling = hub_settling,
};
