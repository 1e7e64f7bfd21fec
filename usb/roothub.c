/*
 * Root ports: a host controller's ports driven as the ports of a hub (the
 * root hub), beside the hub class driver (hub.c) that drives an external
 * hub's ports. The top of the USB core's layers (docs/usb-core.md): it
 * receives the controller driver's calls (usb_hcd_register, port events,
 * controller resets), polls the root ports, since UHCI raises no port
 * interrupt, and hands what it sees to the port state machine (enum.c).
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "usb_core.h"

/* Root hubs look like Linux's: 1d6b:0001 (USB 1.1) or 1d6b:0002 (2.0),
 * one hub interface with its status endpoint. */
static void init_root_hub(struct usb_device *root, struct usb_hcd *hcd)
{
	static const uint8_t config[25] = {
		9, USB_DT_CONFIG, 25, 0, 1, 1, 0, 0xe0, 0,
		9, USB_DT_INTERFACE, 0, 0, 1, USB_CLASS_HUB, 0, 0, 0,
		7, USB_DT_ENDPOINT, 0x81, USB_EP_INTERRUPT, 4, 0, 12,
	};
	bool high = hcd->speed >= USB_SPEED_HIGH;
	char err[64];

	root->desc = (struct usb_device_descriptor){
		.bLength = 18, .bDescriptorType = USB_DT_DEVICE,
		.bcdUSB = high ? 0x0200 : 0x0110, .bDeviceClass = USB_CLASS_HUB,
		.bDeviceProtocol = high ? 1 : 0, .bMaxPacketSize0 = 64,
		.idVendor = 0x1d6b, .idProduct = high ? 2 : 1, .bcdDevice = 0x0100,
		.iManufacturer = 3, .iProduct = 2, .iSerialNumber = 1, .bNumConfigurations = 1,
	};
	root->raw_config = kzalloc(sizeof(config));
	if (root->raw_config) {
		memcpy(root->raw_config, config, sizeof(config));
		root->raw_config_len = sizeof(config);
		usb_parse_config(config, sizeof(config), &root->config, err, sizeof(err));
	}
	ksnprintf(root->manufacturer, sizeof(root->manufacturer), "Tern %s", hcd->driver_name);
	ksnprintf(root->product, sizeof(root->product), "%s", hcd->product);
	/* Linux names a root hub's serial after its controller's PCI address. */
	if (hcd->pci)
		ksnprintf(root->serial, sizeof(root->serial), "0000:%02x:%02x.%u", hcd->pci->bus,
			  hcd->pci->dev, hcd->pci->fn);
	root->address = 1;
	root->configured = true;
	root->state = USB_STATE_CONFIGURED;
}

static void root_reset_start(struct usb_port *p)
{
	struct usb_hcd *hcd = p->hub->hdev->hcd;
	int rc = hcd->ops->port_reset_start(hcd, p->num);

	if (rc)
		usb_port_reset_done(p, rc, USB_SPEED_FULL);
	else
		work_schedule(&p->work, usb_timing.root_reset_ns);
}

static void root_reset_poll(struct usb_port *p)
{
	struct usb_hcd *hcd = p->hub->hdev->hcd;
	enum usb_speed speed = USB_SPEED_FULL;
	int rc = hcd->ops->port_reset_finish(hcd, p->num, &speed);

	usb_port_reset_done(p, rc, speed);
}

static void root_disable(struct usb_port *p)
{
	struct usb_hcd *hcd = p->hub->hdev->hcd;
	hcd->ops->port_disable(hcd, p->num);
}

static const struct usb_hub_ops root_hub_ops = {
	.slot_after_reset = true,
	.reset_start = root_reset_start,
	.reset_poll = root_reset_poll,
	.disable = root_disable,
};

static void root_port_check(struct usb_hcd *hcd, struct usb_port *p)
{
	unsigned st = hcd->ops->port_status(hcd, p->num);
	bool connected = (st & USB_PORT_CONNECTED) && !(st & USB_PORT_OWNED_BY_COMPANION);
	bool changed = st & USB_PORT_CONNECT_CHANGE;

	if (st & (USB_PORT_CONNECT_CHANGE | USB_PORT_ENABLE_CHANGE))
		hcd->ops->port_clear_changes(hcd, p->num);
	if (p->state == PORT_HANDED_OFF) {
		if (st & USB_PORT_OWNED_BY_COMPANION)
			return;
		p->state = PORT_EMPTY; /* ownership came back: the device left */
		p->connected = false;
	}
	if (connected && !p->connected && hcd->speed == USB_SPEED_FULL) /* a companion */
		usb_handoff_arrived();
	if ((st & USB_PORT_ENABLE_CHANGE) && !(st & USB_PORT_ENABLED) &&
	    p->state == PORT_CONFIGURED && connected) {
		char name[48];
		pr_warn("%s: port disabled by the controller; enumerating again\n",
			usb_port_name(p, name, sizeof(name)));
		changed = true;
	}
	usb_port_connect_status(p, connected, changed);
}

static void root_poll(struct work *w)
{
	struct usb_bus *bus = container_of(w, struct usb_bus, poll_work);
	struct usb_hub *hub = bus->root->hub;

	for (unsigned i = 0; i < hub->nports; i++)
		root_port_check(bus->hcd, &hub->ports[i]);
	bus->root_polls++;
	bus->last_poll_ns = ktime_ns();
	work_schedule(&bus->poll_work, usb_timing.root_poll_ns);
}

static bool root_hub_start(struct usb_bus *bus)
{
	if (!usb_hub_create(bus->root, &root_hub_ops, bus->hcd->num_ports, NULL))
		return false;
	work_init(&bus->poll_work, root_poll);
	return true;
}

void usb_bus_reenumerate(struct usb_bus *bus)
{
	struct usb_hub *hub = bus->root->hub;

	for (unsigned i = 0; hub && i < hub->nports; i++) {
		usb_port_detach(&hub->ports[i]);
		hub->ports[i].connected = false; /* the next poll sees a connect */
	}
	bus->t_enum_start_ns = ktime_ns();
	usb_hcd_port_event(bus->hcd);
}

void usb_hcd_port_event(struct usb_hcd *hcd)
{
	struct usb_bus *bus = usb_bus_of(hcd);
	if (bus && bus->root->hub)
		work_schedule(&bus->poll_work, 0);
}

int usb_hcd_register(struct usb_hcd *hcd)
{
	struct usb_bus *bus = usb_bus_create(hcd);

	if (!bus || !root_hub_start(bus)) {
		pr_err("usb: out of memory registering %s\n", hcd->driver_name);
		usb_bus_free(bus);
		return USB_ERR_NOMEM;
	}
	init_root_hub(bus->root, hcd);
	usb_bus_publish(bus);
	pr_info("usb: bus %d: %s (%s), %u ports, %s\n", bus->busnum, hcd->product,
		hcd->driver_name, hcd->num_ports, usb_speed_str(hcd->speed));
	usb_hcd_port_event(hcd); /* look at the root ports now */
	return 0;
}

void usb_hcd_reset_notify(struct usb_hcd *hcd)
{
	struct usb_bus *bus = usb_bus_of(hcd);

	pr_warn("usb: bus %d: controller was reset, enumerating again\n", bus->busnum);
	usb_bus_reenumerate(bus);
}
