/*
 * Enumeration: one cooperative state machine per hub port (root or
 * external), driven by work items. A connect is debounced, the port reset,
 * and the device walked through address 0, SET_ADDRESS, its descriptors and
 * strings to SET_CONFIGURATION; then class drivers bind. Delays are work
 * items, never spins, so every port of every controller progresses at once;
 * the only serialisation is one device at address 0 per bus, handed from
 * port to port in arrival order. Failures retry a bounded number of times
 * and then disable the port with a message naming it.
 *
 * Layering (docs/usb-core.md): enumeration sits on requests and the core
 * and is driven from above, by the hub class driver (hub.c) and the root
 * ports (roothub.c), through struct usb_hub_ops. It owns what a hub's
 * ports are, so creating and destroying a hub and removing a device (the
 * whole subtree behind it) are here.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "usb_core.h"

const struct usb_timing usb_timing = {
	.debounce_ns = 100 * NSEC_PER_MSEC,
	.root_reset_ns = 50 * NSEC_PER_MSEC,
	.hub_reset_max_ns = 20 * NSEC_PER_MSEC,
	.hub_reset_poll_ns = 2 * NSEC_PER_MSEC,
	.reset_recovery_ns = 10 * NSEC_PER_MSEC,
	.set_address_ns = 2 * NSEC_PER_MSEC,
	.control_timeout_ns = 500 * NSEC_PER_MSEC,
	.root_poll_ns = 32 * NSEC_PER_MSEC,
	.enum_attempts = 3,
};

enum enum_step {
	STEP_DESC8,        /* first 8 bytes at address 0: bMaxPacketSize0 */
	STEP_SET_ADDRESS,
	STEP_ADDR_RECOVERY,
	STEP_DESC18,
	STEP_CONFIG9,      /* header only: wTotalLength */
	STEP_CONFIG_ALL,
	STEP_LANGS,        /* string descriptor 0: language IDs */
	STEP_STRINGS,      /* manufacturer, product, serial */
	STEP_SET_CONFIG,
};

#define ENUM_BUF_SIZE USB_MAX_CONFIG_SIZE
#define LANGID_EN_US 0x0409

static void port_work(struct work *w);
static void enum_issue(struct usb_port *p);

static struct usb_bus *port_bus(const struct usb_port *p) { return p->hub->hdev->bus; }

const char *usb_port_name(const struct usb_port *p, char *buf, size_t len)
{
	const struct usb_device *h = p->hub->hdev;
	if (h->parent)
		ksnprintf(buf, len, "usb %d-%s.%u", h->bus->busnum, h->path, p->num);
	else
		ksnprintf(buf, len, "usb %d-%u", h->bus->busnum, p->num);
	return buf;
}

static void port_init(struct usb_port *p, struct usb_hub *hub, uint8_t num)
{
	memset(p, 0, sizeof(*p));
	p->hub = hub;
	p->num = num;
	work_init(&p->work, port_work);
	list_node_init(&p->addr0_node);
}

/* --- the bus's address-0 slot ------------------------------------------- */
static bool addr0_acquire(struct usb_port *p)
{
	struct usb_bus *bus = port_bus(p);

	/* A controller that addresses devices itself (xHCI: one slot per
	 * device, routed by port) has no shared address 0 to take turns on. */
	if (bus->hcd->ops->set_address)
		return true;
	if (!bus->addr0_owner)
		bus->addr0_owner = p;
	if (bus->addr0_owner == p)
		return true;
	if (!list_node_linked(&p->addr0_node))
		list_push_back(&bus->addr0_waiters, &p->addr0_node);
	return false;
}

static void addr0_release(struct usb_port *p)
{
	struct usb_bus *bus = port_bus(p);
	struct list_node *next;

	list_remove(&p->addr0_node);
	if (bus->addr0_owner != p)
		return;
	bus->addr0_owner = NULL;
	next = list_pop_front(&bus->addr0_waiters);
	if (next) {
		bus->addr0_owner = list_entry(next, struct usb_port, addr0_node);
		work_schedule(&bus->addr0_owner->work, 0);
	}
}

/* --- attempts, failure, detach ------------------------------------------ */
static void drop_device(struct usb_port *p)
{
	struct usb_device *dev = p->dev;

	p->dev = NULL;
	p->req = NULL; /* belongs to dev: orphaned and freed by the removal */
	p->awaiting = false;
	p->keep_dev = false;
	if (dev) {
		if (p->new_addr && !dev->address)
			usb_addr_free(port_bus(p), p->new_addr);
		usb_device_remove(dev);
	}
	p->new_addr = 0;
}

void usb_port_detach(struct usb_port *p)
{
	work_cancel(&p->work);
	if (p->state == PORT_RESETTING && p->hub->ops->reset_abort)
		p->hub->ops->reset_abort(p);
	addr0_release(p);
	drop_device(p);
	p->state = PORT_EMPTY;
}

static void give_up(struct usb_port *p, const char *why)
{
	char name[48];

	pr_err("%s: device not accepted: %s; port disabled\n", usb_port_name(p, name, sizeof(name)),
	       why);
	drop_device(p);
	addr0_release(p);
	p->hub->ops->disable(p);
	p->state = PORT_FAILED;
	port_bus(p)->failed++;
}

static void begin_reset(struct usb_port *p);

/* usb_device_reset could not keep the device: a new enumeration takes
 * its place, with every attempt it would have had. */
static void reset_fallback(struct usb_port *p, const char *why)
{
	char name[48];

	pr_warn("%s: %s; enumerating it as a new device\n", usb_port_name(p, name, sizeof(name)),
		why);
	if (usb_port_reenumerate(p))
		usb_port_detach(p); /* unplugged meanwhile */
}

/*
 * A root port's device stays in reset until the core ends it, so root
 * resets of one bus overlap and only the end of reset takes the address-0
 * slot (and a full-speed device that EHCI hands to its companion never
 * needs it). A hub ends its port's reset by itself, so a hub port takes
 * the slot before it starts.
 */
static void start_attempt(struct usb_port *p)
{
	p->attempt++;
	if (p->hub->ops->slot_after_reset) {
		begin_reset(p);
		return;
	}
	p->state = PORT_WAIT_ADDR0;
	if (addr0_acquire(p))
		work_schedule(&p->work, 0);
}

static void attempt_failed(struct usb_port *p, const char *what, int status)
{
	char name[48], why[96];

	ksnprintf(why, sizeof(why), "%s: %s", what, usb_status_str(status));
	if (p->keep_dev && p->connected) {
		reset_fallback(p, why);
		return;
	}
	if (p->attempt >= usb_timing.enum_attempts || !p->connected) {
		give_up(p, why);
		return;
	}
	pr_warn("%s: %s (attempt %u of %u)\n", usb_port_name(p, name, sizeof(name)), why, p->attempt,
		usb_timing.enum_attempts);
	drop_device(p);
	addr0_release(p);
	start_attempt(p);
}

/* Malformed descriptors are not transient: no retry. */
static void reject_device(struct usb_port *p, const char *what, const char *err)
{
	char why[160];
	ksnprintf(why, sizeof(why), "bad %s: %s", what, err);
	give_up(p, why);
}

/* --- connect and reset -------------------------------------------------- */
static bool enumeration_in_progress(const struct usb_port *p)
{
	return p->state == PORT_WAIT_ADDR0 || p->state == PORT_RESETTING ||
	       p->state == PORT_RECOVERY || p->state == PORT_ENUMERATING;
}

void usb_port_connect_status(struct usb_port *p, bool connected, bool changed)
{
	bool was = p->connected;

	p->connected = connected;
	if (connected == was && (!changed || !connected || enumeration_in_progress(p)))
		return; /* resets raise connect-change on some hubs: not a replug */
	if (p->state != PORT_EMPTY)
		usb_port_detach(p);
	if (connected) {
		p->attempt = 0;
		p->state = PORT_DEBOUNCE;
		work_schedule(&p->work, usb_timing.debounce_ns);
	}
}

static void set_transaction_translator(struct usb_device *dev)
{
	struct usb_device *hub = dev->parent;

	if (dev->speed >= USB_SPEED_HIGH || !hub->parent)
		return;
	if (hub->speed == USB_SPEED_HIGH) {
		dev->tt_hub_addr = hub->address;
		dev->tt_port = dev->port;
	} else {
		dev->tt_hub_addr = hub->tt_hub_addr;
		dev->tt_port = hub->tt_port;
	}
}

/*
 * Hand-offs to a companion not yet seen arriving there. EHCI gives the
 * port away at once, but the companion notices the connect only at its
 * next root-port poll; until then nothing is transient anywhere, and
 * usbwait would return without the device. A hand-off counts until a
 * full-speed root port sees a new connect, or HANDOFF_MAX_NS passes (a
 * companion without a driver never reports one).
 */
#define HANDOFF_MAX_NS (2 * NSEC_PER_SEC)
static unsigned handoffs_pending;
static uint64_t handoff_expiry_ns;

void usb_handoff_arrived(void)
{
	if (handoffs_pending)
		handoffs_pending--;
}

unsigned usb_handoffs_in_progress(void)
{
	if (handoffs_pending && ktime_ns() >= handoff_expiry_ns)
		handoffs_pending = 0;
	return handoffs_pending;
}

/* After the port reset of usb_device_reset: the controller's record of
 * the device goes back to the default state too. */
static void kept_device_reset(struct usb_port *p, enum usb_speed speed)
{
	struct usb_hcd *hcd = p->dev->hcd;
	int rc = 0;

	if (speed != p->dev->speed) {
		reset_fallback(p, "device speed changed across the reset");
		return;
	}
	if (hcd->ops->device_reset)
		rc = hcd->ops->device_reset(hcd, p->dev);
	if (rc) {
		attempt_failed(p, "controller device_reset", rc);
		return;
	}
	p->state = PORT_RECOVERY;
	work_schedule(&p->work, usb_timing.reset_recovery_ns);
}

void usb_port_reset_done(struct usb_port *p, int rc, enum usb_speed speed)
{
	struct usb_hcd *hcd = p->hub->hdev->hcd;

	if (p->state != PORT_RESETTING)
		return;
	if (rc == USB_PORT_HANDED_OFF) {
		pr_info("usb: bus %d port %u: full-speed device handed to companion\n",
			port_bus(p)->busnum, p->num);
		addr0_release(p);
		p->state = PORT_HANDED_OFF;
		handoffs_pending++;
		handoff_expiry_ns = ktime_ns() + HANDOFF_MAX_NS;
		return;
	}
	if (rc < 0) {
		attempt_failed(p, "port reset", rc);
		return;
	}
	if (p->keep_dev) {
		kept_device_reset(p, speed);
		return;
	}
	p->dev = usb_device_alloc(port_bus(p), p->hub->hdev, p->num, speed);
	if (!p->dev) {
		give_up(p, "out of memory");
		return;
	}
	set_transaction_translator(p->dev);
	if (hcd->ops->device_add) {
		rc = hcd->ops->device_add(hcd, p->dev);
		if (rc) {
			attempt_failed(p, "controller device_add", rc);
			return;
		}
		p->dev->hcd_added = true;
	}
	p->state = PORT_RECOVERY;
	work_schedule(&p->work, usb_timing.reset_recovery_ns);
}

static void begin_reset(struct usb_port *p)
{
	p->state = PORT_RESETTING;
	p->reset_start_ns = ktime_ns();
	p->hub->ops->reset_start(p);
}

int usb_port_reenumerate(struct usb_port *p)
{
	if (!p->connected)
		return USB_ERR_NODEV;
	usb_port_detach(p);
	p->attempt = 0;
	start_attempt(p);
	return 0;
}

/*
 * usb_device_reset: the device's transfers come back first (it may take
 * the controller a while to let go), then the port is reset with the
 * device kept (keep_dev), readdressed at its own address, checked and
 * configured again (enum_finish, kept_device_ready).
 */
#define RESET_QUIESCE_MAX_NS (2 * NSEC_PER_SEC)
#define RESET_QUIESCE_POLL_NS NSEC_PER_MSEC

int usb_device_reset(struct usb_device *dev)
{
	struct usb_port *p;
	char name[48];

	if (!dev->parent || !dev->parent->hub || dev->state != USB_STATE_CONFIGURED)
		return dev->state == USB_STATE_GONE ? USB_ERR_NODEV : USB_ERR_INVAL;
	p = &dev->parent->hub->ports[dev->port - 1];
	if (dev->resetting)
		return 0;
	if (p->dev != dev || p->state != PORT_CONFIGURED)
		return USB_ERR_INVAL;
	if (!usb_drivers_keep_across_reset(dev)) {
		pr_info("%s: its driver cannot be kept across a reset; enumerating it again\n",
			usb_dev_name(dev, name, sizeof(name)));
		return usb_port_reenumerate(p);
	}
	pr_info("%s: reset, keeping device number %u\n", usb_dev_name(dev, name, sizeof(name)),
		dev->address);
	usb_device_quiesce(dev);
	p->state = PORT_QUIESCING;
	p->quiesce_deadline_ns = ktime_ns() + RESET_QUIESCE_MAX_NS;
	work_schedule(&p->work, 0);
	return 0;
}

static void quiesce_poll(struct usb_port *p)
{
	if (p->dev->inflight && ktime_ns() < p->quiesce_deadline_ns) {
		work_schedule(&p->work, RESET_QUIESCE_POLL_NS);
		return;
	}
	if (p->dev->inflight) {
		reset_fallback(p, "the controller kept its transfers past the reset");
		return;
	}
	p->keep_dev = true;
	p->attempt = 0;
	start_attempt(p);
}

/* --- enumeration transfers ---------------------------------------------- */
static void enum_xfer_done(struct usb_request *r)
{
	struct usb_port *p = r->ctx;
	p->xfer_status = r->xfer.status;
	p->xfer_actual = MIN(r->xfer.actual, r->xfer.len);
	work_schedule(&p->work, 0);
}

static void enum_control(struct usb_port *p, uint8_t type, uint8_t req, uint16_t value,
			 uint16_t index, uint16_t len)
{
	int rc = usb_control_async(p->req, type, req, value, index, len,
				   usb_timing.control_timeout_ns);
	p->awaiting = true;
	if (rc) { /* refused at once: handle like a completion */
		p->xfer_status = rc;
		p->xfer_actual = 0;
		work_schedule(&p->work, 0);
	}
}

static void get_descriptor(struct usb_port *p, uint8_t type, uint8_t index, uint16_t lang,
			   uint16_t len)
{
	enum_control(p, USB_DIR_IN | USB_TYPE_STANDARD | USB_RECIP_DEVICE, USB_REQ_GET_DESCRIPTOR,
		     (uint16_t)(type << 8 | index), lang, len);
}

static uint8_t next_string_index(struct usb_port *p)
{
	const struct usb_device_descriptor *d = &p->dev->desc;
	const uint8_t idx[3] = { d->iManufacturer, d->iProduct, d->iSerialNumber };

	while (p->string_index < 3 && idx[p->string_index] == 0)
		p->string_index++;
	return p->string_index < 3 ? idx[p->string_index] : 0;
}

/* A kept device is back at address 0 with a known max packet size:
 * enumeration starts at SET_ADDRESS, giving it its own address again. */
static void start_enumeration(struct usb_port *p)
{
	struct usb_device *dev = p->dev;
	uint16_t mps = dev->speed == USB_SPEED_SUPER ? 512 : dev->speed == USB_SPEED_HIGH ? 64 : 8;
	int rc;

	if (p->keep_dev) {
		mps = dev->ep0.max_packet;
		p->new_addr = dev->address;
		dev->address = 0;
	}
	rc = usb_ep0_open(dev, mps);
	if (rc) {
		attempt_failed(p, "opening endpoint 0", rc);
		return;
	}
	p->req = usb_request_alloc(dev, &dev->ep0, ENUM_BUF_SIZE);
	if (!p->req) {
		give_up(p, "out of DMA memory");
		return;
	}
	p->req->done = enum_xfer_done;
	p->req->ctx = p;
	p->req->reset_io = true;
	p->state = PORT_ENUMERATING;
	p->step = p->keep_dev ? STEP_SET_ADDRESS : STEP_DESC8;
	p->string_index = 0;
	p->langid = 0;
	enum_issue(p);
}

static void issue_set_address(struct usb_port *p)
{
	struct usb_hcd *hcd = p->dev->hcd;
	int addr = p->new_addr ? p->new_addr : usb_addr_alloc(port_bus(p)); /* kept: its own */

	if (addr < 0) {
		give_up(p, "all 127 addresses in use");
		return;
	}
	p->new_addr = (uint8_t)addr;
	if (hcd->ops->set_address) {
		p->awaiting = true;
		p->xfer_status = hcd->ops->set_address(hcd, p->dev, p->new_addr);
		work_schedule(&p->work, 0);
		return;
	}
	enum_control(p, USB_TYPE_STANDARD | USB_RECIP_DEVICE, USB_REQ_SET_ADDRESS, p->new_addr, 0, 0);
}

static void enum_issue(struct usb_port *p)
{
	uint8_t idx;

	switch (p->step) {
	case STEP_DESC8:
		get_descriptor(p, USB_DT_DEVICE, 0, 0, 8);
		break;
	case STEP_SET_ADDRESS:
		issue_set_address(p);
		break;
	case STEP_ADDR_RECOVERY:
		work_schedule(&p->work, usb_timing.set_address_ns);
		break;
	case STEP_DESC18:
		get_descriptor(p, USB_DT_DEVICE, 0, 0, sizeof(struct usb_device_descriptor));
		break;
	case STEP_CONFIG9:
		get_descriptor(p, USB_DT_CONFIG, 0, 0, sizeof(struct usb_config_descriptor));
		break;
	case STEP_CONFIG_ALL:
		get_descriptor(p, USB_DT_CONFIG, 0, 0, p->dev->config.desc.wTotalLength);
		break;
	case STEP_LANGS:
		get_descriptor(p, USB_DT_STRING, 0, 0, 255);
		break;
	case STEP_STRINGS:
		idx = next_string_index(p);
		if (idx) {
			get_descriptor(p, USB_DT_STRING, idx, p->langid, 255);
			break;
		}
		p->step = STEP_SET_CONFIG;
		/* fall through */
	case STEP_SET_CONFIG:
		enum_control(p, USB_TYPE_STANDARD | USB_RECIP_DEVICE, USB_REQ_SET_CONFIGURATION,
			     p->dev->config.desc.bConfigurationValue, 0, 0);
		break;
	}
}

/* --- what each answer means --------------------------------------------- */
static uint16_t le16(const uint8_t *b) { return (uint16_t)(b[0] | b[1] << 8); }

static int finish_desc8(struct usb_port *p, const uint8_t *buf)
{
	struct usb_device *dev = p->dev;
	/* USB 3.2 9.6.1: at SuperSpeed the field is an exponent, always 9. */
	bool super = dev->speed == USB_SPEED_SUPER;
	uint16_t mps = super && buf[7] == 9 ? 512 : buf[7];

	if (p->xfer_actual < 8 || buf[1] != USB_DT_DEVICE) {
		attempt_failed(p, "GET_DESCRIPTOR(device, 8)", USB_ERR_INVAL);
		return -1;
	}
	if (super ? mps != 512 : mps != 8 && mps != 16 && mps != 32 && mps != 64) {
		char err[48];
		ksnprintf(err, sizeof(err), "bMaxPacketSize0 %u", buf[7]);
		reject_device(p, "device descriptor", err);
		return -1;
	}
	if (usb_ep0_open(dev, mps)) {
		attempt_failed(p, "reopening endpoint 0", USB_ERR_HC);
		return -1;
	}
	return 0;
}

static int finish_set_address(struct usb_port *p)
{
	struct usb_device *dev = p->dev;

	dev->address = p->new_addr;
	p->new_addr = 0;
	if (usb_ep0_open(dev, dev->ep0.max_packet)) {
		attempt_failed(p, "reopening endpoint 0", USB_ERR_HC);
		return -1;
	}
	return 0;
}

static int finish_config9(struct usb_port *p, const uint8_t *buf)
{
	uint16_t total = p->xfer_actual >= 4 ? le16(buf + 2) : 0;
	char err[64];

	if (p->xfer_actual < sizeof(struct usb_config_descriptor) || buf[1] != USB_DT_CONFIG) {
		reject_device(p, "configuration descriptor", "short or wrong type");
		return -1;
	}
	if (total < sizeof(struct usb_config_descriptor) || total > USB_MAX_CONFIG_SIZE) {
		ksnprintf(err, sizeof(err), "wTotalLength %u out of range 9..%u", total,
			  USB_MAX_CONFIG_SIZE);
		reject_device(p, "configuration descriptor", err);
		return -1;
	}
	p->dev->config.desc.wTotalLength = total;
	return 0;
}

static int finish_config_all(struct usb_port *p, const uint8_t *buf)
{
	struct usb_device *dev = p->dev;
	char err[96];

	if (usb_parse_config(buf, p->xfer_actual, &dev->config, err, sizeof(err))) {
		reject_device(p, "configuration descriptor", err);
		return -1;
	}
	dev->raw_config = kmalloc(p->xfer_actual);
	if (!dev->raw_config) {
		give_up(p, "out of memory");
		return -1;
	}
	memcpy(dev->raw_config, buf, p->xfer_actual);
	dev->raw_config_len = p->xfer_actual;
	return 0;
}

static void finish_langs(struct usb_port *p, const uint8_t *buf)
{
	size_t n = MIN(p->xfer_actual, (size_t)buf[0]);

	if (p->xfer_status || n < 4 || buf[1] != USB_DT_STRING) {
		p->string_index = 3; /* no strings: STEP_STRINGS goes on to SET_CONFIGURATION */
		return;
	}
	p->langid = le16(buf + 2);
	for (size_t i = 2; i + 1 < n; i += 2)
		if (le16(buf + i) == LANGID_EN_US)
			p->langid = LANGID_EN_US;
}

static void finish_string(struct usb_port *p, const uint8_t *buf)
{
	char *dest[3] = { p->dev->manufacturer, p->dev->product, p->dev->serial };

	/* A device that stalls a string request still works: keep it empty. */
	if (p->xfer_status == 0)
		usb_string_to_utf8(buf, p->xfer_actual, dest[p->string_index], USB_STRING_MAX);
	p->string_index++;
}

static void device_configured(struct usb_port *p)
{
	struct usb_device *dev = p->dev;
	struct usb_bus *bus = port_bus(p);
	char name[48];
	int rc;

	usb_request_free(p->req);
	p->req = NULL;
	rc = usb_open_config_endpoints(dev);
	if (rc) {
		give_up(p, "controller refused an endpoint");
		return;
	}
	dev->configured = true;
	dev->state = USB_STATE_CONFIGURED;
	dev->t_configured_ns = ktime_ns();
	p->state = PORT_CONFIGURED;
	bus->t_last_configured_ns = dev->t_configured_ns;
	bus->enumerated++;
	pr_info("%s: new %s USB device number %u: %04x:%04x %s %s\n",
		usb_dev_name(dev, name, sizeof(name)), usb_speed_str(dev->speed), dev->address,
		dev->desc.idVendor, dev->desc.idProduct, dev->manufacturer, dev->product);
	usb_bind_drivers(dev);
}

/* usb_device_reset gives up on a device that now describes itself
 * differently (new firmware, another device on the port): its drivers and
 * configuration belong to the old one. */
static int check_same_device(struct usb_port *p, const uint8_t *buf)
{
	struct usb_device_descriptor now;
	char err[96];

	if (usb_parse_device_desc(buf, p->xfer_actual, p->dev->speed, &now, err, sizeof(err)) ||
	    memcmp(&now, &p->dev->desc, sizeof(now))) {
		reset_fallback(p, "device descriptor changed across the reset");
		return -1;
	}
	return 0;
}

/* The end of usb_device_reset: endpoints back, drivers restart their I/O. */
static void kept_device_ready(struct usb_port *p)
{
	struct usb_device *dev = p->dev;
	char name[48];

	usb_request_free(p->req);
	p->req = NULL;
	if (usb_open_config_endpoints(dev)) {
		reset_fallback(p, "controller refused an endpoint");
		return;
	}
	p->keep_dev = false;
	dev->resetting = false;
	p->state = PORT_CONFIGURED;
	pr_info("%s: reset done, device number %u kept\n", usb_dev_name(dev, name, sizeof(name)),
		dev->address);
	usb_drivers_post_reset(dev);
}

/* Returns the step that failed's label for messages. */
static const char *step_label(unsigned step)
{
	static const char *const labels[] = {
		"GET_DESCRIPTOR(device, 8)", "SET_ADDRESS", "SET_ADDRESS recovery",
		"GET_DESCRIPTOR(device)", "GET_DESCRIPTOR(config, 9)", "GET_DESCRIPTOR(config)",
		"GET_DESCRIPTOR(string 0)", "GET_DESCRIPTOR(string)", "SET_CONFIGURATION",
	};
	return step < ARRAY_SIZE(labels) ? labels[step] : "?";
}

static void enum_finish(struct usb_port *p)
{
	const uint8_t *buf = p->req ? p->req->xfer.buf : NULL;
	char err[96];
	int rc = 0;

	p->awaiting = false;
	if (p->xfer_status && p->step != STEP_LANGS && p->step != STEP_STRINGS) {
		attempt_failed(p, step_label(p->step), p->xfer_status);
		return;
	}
	switch (p->step) {
	case STEP_DESC8: rc = finish_desc8(p, buf); break;
	case STEP_SET_ADDRESS: rc = finish_set_address(p); break;
	case STEP_DESC18:
		if (p->keep_dev) {
			rc = check_same_device(p, buf);
			break;
		}
		rc = usb_parse_device_desc(buf, p->xfer_actual, p->dev->speed, &p->dev->desc, err,
					   sizeof(err));
		if (rc)
			reject_device(p, "device descriptor", err);
		break;
	case STEP_CONFIG9: rc = finish_config9(p, buf); break;
	case STEP_CONFIG_ALL: rc = finish_config_all(p, buf); break;
	case STEP_LANGS: finish_langs(p, buf); break;
	case STEP_STRINGS:
		finish_string(p, buf);
		enum_issue(p); /* the next string, or SET_CONFIGURATION */
		return;
	case STEP_SET_CONFIG:
		if (p->keep_dev)
			kept_device_ready(p);
		else
			device_configured(p);
		return;
	}
	if (rc)
		return;
	/* A kept device keeps its configuration and strings. */
	p->step = p->keep_dev && p->step == STEP_DESC18 ? STEP_SET_CONFIG : p->step + 1;
	enum_issue(p);
}

static void port_work(struct work *w)
{
	struct usb_port *p = container_of(w, struct usb_port, work);

	switch (p->state) {
	case PORT_DEBOUNCE:
		if (p->connected)
			start_attempt(p);
		else
			p->state = PORT_EMPTY;
		break;
	case PORT_WAIT_ADDR0:
		if (addr0_acquire(p))
			begin_reset(p);
		break;
	case PORT_RESETTING:
		/* Queued for the slot: addr0_release() runs this again. */
		if (!p->hub->ops->slot_after_reset || addr0_acquire(p))
			p->hub->ops->reset_poll(p);
		break;
	case PORT_RECOVERY:
		start_enumeration(p);
		break;
	case PORT_QUIESCING:
		quiesce_poll(p);
		break;
	case PORT_ENUMERATING:
		if (p->awaiting) {
			enum_finish(p);
		} else if (p->step == STEP_ADDR_RECOVERY) {
			addr0_release(p); /* the device answers at its address now */
			p->step++;
			enum_issue(p);
		}
		break;
	default:
		break;
	}
}

/* --- hubs and device removal --------------------------------------------- */
struct usb_hub *usb_hub_create(struct usb_device *hdev, const struct usb_hub_ops *ops,
			       unsigned nports, void *priv)
{
	struct usb_hub *hub = kzalloc(sizeof(*hub) + nports * sizeof(struct usb_port));

	if (!hub)
		return NULL;
	hub->hdev = hdev;
	hub->ops = ops;
	hub->priv = priv;
	hub->nports = nports;
	for (unsigned i = 0; i < nports; i++)
		port_init(&hub->ports[i], hub, (uint8_t)(i + 1));
	hdev->hub = hub;
	return hub;
}

void usb_hub_destroy(struct usb_hub *hub)
{
	for (unsigned i = 0; i < hub->nports; i++)
		usb_port_detach(&hub->ports[i]);
	hub->hdev->hub = NULL;
	kfree(hub);
}

void usb_device_remove(struct usb_device *dev)
{
	if (!usb_device_mark_gone(dev))
		return;
	if (dev->hub)
		usb_hub_destroy(dev->hub);
	usb_device_free_requests(dev);
	usb_device_release(dev);
}
