/*
 * USB core: buses (one per host controller), the device model, addresses,
 * DMA buffers for transfers, requests and class-driver binding. Everything
 * a disconnect must undo is owned here, so unplugging a device at any
 * moment cancels its transfers, unbinds its drivers, frees its DMA chunks
 * and address, and frees the device once the controller has given every
 * transfer back. Enumeration itself is in enum.c, hubs in hub.c.
 */
#include "dma_pool.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "usb_core.h"

#define USB_POOL_MIN_CHUNK 32
#define USB_POOL_MAX_CHUNK (64 * KiB)

static struct dma_pool *usb_pool;
static struct usb_bus *bus_list;
static struct usb_driver *driver_list;

/* --- status strings and names ------------------------------------------ */
const char *usb_status_str(int status)
{
	switch (status) {
	case USB_OK: return "ok";
	case USB_ERR_STALL: return "stalled";
	case USB_ERR_TIMEOUT: return "CRC/timeout";
	case USB_ERR_BABBLE: return "babble";
	case USB_ERR_BITSTUFF: return "bit stuffing error";
	case USB_ERR_DATABUF: return "data buffer error";
	case USB_ERR_XACT: return "transaction error";
	case USB_ERR_CANCELLED: return "cancelled";
	case USB_ERR_NOMEM: return "out of memory";
	case USB_ERR_NODEV: return "device gone";
	case USB_ERR_INVAL: return "invalid";
	case USB_ERR_HC: return "host controller error";
	case USB_ERR_SETUP_TIMEOUT: return "timed out";
	}
	return "unknown error";
}

const char *usb_dev_name(const struct usb_device *dev, char *buf, size_t len)
{
	if (!dev->parent)
		ksnprintf(buf, len, "usb%d", dev->bus->busnum);
	else
		ksnprintf(buf, len, "usb %d-%s", dev->bus->busnum, dev->path);
	return buf;
}

/* --- DMA buffers -------------------------------------------------------- */
bool usb_buffer_pool_ready(void)
{
	static const struct dma_pool_config cfg = {
		.min_chunk = USB_POOL_MIN_CHUNK,
		.max_chunk = USB_POOL_MAX_CHUNK,
		.region_size = USB_POOL_MAX_CHUNK, /* one largest buffer; slabs for the rest */
		.max_phys = PHYS_LIMIT_DMA32,
		.source = &dma_kernel_source,
	};
	if (!usb_pool)
		usb_pool = dma_pool_create("usb-buffers", &cfg);
	return usb_pool != NULL;
}

void *usb_buffer_alloc(size_t size, dma_addr_t *dma)
{
	void *p;

	if (size == 0 || size > USB_POOL_MAX_CHUNK) {
		pr_err("usb: buffer of %zu bytes refused (1..%llu supported)\n", size,
		       (unsigned long long)USB_POOL_MAX_CHUNK);
		return NULL;
	}
	if (!usb_buffer_pool_ready()) {
		pr_err("usb: no DMA pool for transfer buffers\n");
		return NULL;
	}
	p = dma_pool_alloc(usb_pool, size, dma);
	if (!p)
		pr_err("usb: out of DMA memory for a %zu-byte buffer\n", size);
	return p;
}

void usb_buffer_free(void *buf)
{
	if (buf)
		dma_pool_free(usb_pool, buf);
}

/* --- buses and addresses ------------------------------------------------ */
struct usb_bus *usb_buses(void) { return bus_list; }
struct usb_bus *usb_bus_of(struct usb_hcd *hcd) { return hcd->core; }

struct usb_device *usb_find_device(int busnum, int addr)
{
	for (struct usb_bus *b = bus_list; b; b = b->next)
		if (b->busnum == busnum)
			for (struct usb_device *d = b->devices; d; d = d->next)
				if (d->address == addr && addr != 0)
					return d;
	return NULL;
}

int usb_addr_alloc(struct usb_bus *bus)
{
	for (int a = 1; a < 128; a++)
		if (!(bus->addr_used[a / 8] & (1u << (a % 8)))) {
			bus->addr_used[a / 8] |= (uint8_t)(1u << (a % 8));
			return a;
		}
	return -1;
}

void usb_addr_free(struct usb_bus *bus, uint8_t addr)
{
	if (addr)
		bus->addr_used[addr / 8] &= (uint8_t)~(1u << (addr % 8));
}

/* --- device lifetime ---------------------------------------------------- */
struct usb_device *usb_device_alloc(struct usb_bus *bus, struct usb_device *parent,
				    uint8_t port, enum usb_speed speed)
{
	struct usb_device *dev = kzalloc(sizeof(*dev));

	if (!dev) {
		pr_err("usb: bus %d: out of memory for a device\n", bus->busnum);
		return NULL;
	}
	dev->bus = bus;
	dev->hcd = bus->hcd;
	dev->parent = parent;
	dev->port = port;
	dev->speed = speed;
	dev->depth = parent ? (uint8_t)(parent->depth + 1) : 0;
	if (parent && parent->parent)
		ksnprintf(dev->path, sizeof(dev->path), "%s.%u", parent->path, port);
	else if (parent)
		ksnprintf(dev->path, sizeof(dev->path), "%u", port);
	dev->next = bus->devices;
	bus->devices = dev;
	return dev;
}

static void unlink_from_bus(struct usb_device *dev)
{
	for (struct usb_device **pp = &dev->bus->devices; *pp; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			return;
		}
}

static void device_maybe_free(struct usb_device *dev)
{
	if (dev->state != USB_STATE_GONE || dev->inflight || dev->removing || dev->refs)
		return;
	kfree(dev->raw_config);
	kfree(dev);
}

void usb_device_put(struct usb_device *dev)
{
	dev->refs--;
	device_maybe_free(dev);
}

static void close_config_endpoints(struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf; i++) {
		struct usb_interface *in = &dev->config.intf[i];
		for (unsigned e = 0; e < USB_MAX_ENDPOINTS; e++)
			if (in->ep_opened[e]) {
				dev->hcd->ops->ep_close(dev->hcd, &in->ep[e]);
				in->ep_opened[e] = false;
			}
	}
}

static void unbind_drivers(struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf; i++) {
		struct usb_interface *in = &dev->config.intf[i];
		if (in->driver) {
			const struct usb_driver *drv = in->driver;
			in->driver = NULL;
			drv->disconnect(in);
		}
	}
}

void usb_device_remove(struct usb_device *dev)
{
	if (dev->state == USB_STATE_GONE)
		return;
	if (dev->configured) {
		char name[48];
		pr_info("%s: USB disconnect, device number %u\n",
			usb_dev_name(dev, name, sizeof(name)), dev->address);
	}
	dev->removing = true;
	dev->state = USB_STATE_GONE;
	unbind_drivers(dev);
	if (dev->hub)
		usb_hub_destroy(dev->hub);
	while (dev->requests)
		usb_request_free(dev->requests);
	close_config_endpoints(dev);
	usb_ep0_close(dev);
	if (dev->hcd->ops->device_remove && dev->hcd_added)
		dev->hcd->ops->device_remove(dev->hcd, dev);
	usb_addr_free(dev->bus, dev->address);
	unlink_from_bus(dev);
	dev->removing = false;
	device_maybe_free(dev);
}

/* --- endpoints ---------------------------------------------------------- */
int usb_ep0_open(struct usb_device *dev, uint16_t max_packet)
{
	struct usb_endpoint *ep = &dev->ep0;
	int rc;

	usb_ep0_close(dev);
	memset(ep, 0, sizeof(*ep));
	ep->dev = dev;
	ep->dev_addr = dev->address;
	ep->speed = dev->speed;
	ep->type = USB_EP_CONTROL;
	ep->max_packet = max_packet;
	ep->tt_hub_addr = dev->tt_hub_addr;
	ep->tt_port = dev->tt_port;
	rc = dev->hcd->ops->ep_open(dev->hcd, ep);
	dev->ep0_open = rc == 0;
	return rc;
}

void usb_ep0_close(struct usb_device *dev)
{
	if (dev->ep0_open) {
		dev->hcd->ops->ep_close(dev->hcd, &dev->ep0);
		dev->ep0_open = false;
	}
}

int usb_open_config_endpoints(struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf; i++) {
		struct usb_interface *in = &dev->config.intf[i];
		in->dev = dev;
		if (in->desc.bAlternateSetting != 0)
			continue;
		for (unsigned e = 0; e < in->desc.bNumEndpoints; e++) {
			const struct usb_endpoint_descriptor *d = &in->ep_desc[e];
			struct usb_endpoint *ep = &in->ep[e];
			int rc;
			*ep = (struct usb_endpoint){
				.dev = dev, .dev_addr = dev->address, .speed = dev->speed,
				.ep_addr = d->bEndpointAddress, .type = d->bmAttributes & 3,
				.max_packet = d->wMaxPacketSize & 0x7ff, .interval = d->bInterval,
				.tt_hub_addr = dev->tt_hub_addr, .tt_port = dev->tt_port,
			};
			rc = dev->hcd->ops->ep_open(dev->hcd, ep);
			if (rc)
				return rc;
			in->ep_opened[e] = true;
		}
	}
	return 0;
}

struct usb_endpoint *usb_intf_endpoint(struct usb_interface *intf, enum usb_ep_type type,
				       bool in)
{
	for (unsigned e = 0; e < intf->desc.bNumEndpoints && e < USB_MAX_ENDPOINTS; e++)
		if (intf->ep_opened[e] && intf->ep[e].type == type &&
		    !!(intf->ep[e].ep_addr & USB_DIR_IN) == in)
			return &intf->ep[e];
	return NULL;
}

/* --- class drivers ------------------------------------------------------ */
void usb_register_driver(struct usb_driver *drv)
{
	struct usb_driver **pp = &driver_list;
	for (; *pp; pp = &(*pp)->next)
		if (*pp == drv)
			return; /* already registered: a second time would loop the list */
	drv->next = NULL;
	*pp = drv;
}

static bool driver_matches(const struct usb_driver *drv, const struct usb_interface_descriptor *d)
{
	return (drv->class_code < 0 || drv->class_code == d->bInterfaceClass) &&
	       (drv->subclass < 0 || drv->subclass == d->bInterfaceSubClass) &&
	       (drv->protocol < 0 || drv->protocol == d->bInterfaceProtocol);
}

void usb_bind_drivers(struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf && dev->state != USB_STATE_GONE; i++) {
		struct usb_interface *in = &dev->config.intf[i];
		if (in->desc.bAlternateSetting != 0 || in->driver)
			continue;
		for (const struct usb_driver *drv = driver_list; drv; drv = drv->next)
			if (driver_matches(drv, &in->desc)) {
				in->driver = drv;
				if (drv->probe(in) == 0)
					break;
				in->driver = NULL;
			}
	}
}

/* --- hubs --------------------------------------------------------------- */
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
		usb_port_init(&hub->ports[i], hub, (uint8_t)(i + 1));
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

/* --- host controller registration --------------------------------------- */
static uint64_t first_register_ns;
uint64_t usb_first_register_ns(void) { return first_register_ns; }

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

int usb_hcd_register(struct usb_hcd *hcd)
{
	struct usb_bus *bus = kzalloc(sizeof(*bus)), **pp = &bus_list;
	int n = 1;

	for (; *pp; pp = &(*pp)->next)
		n++;
	if (bus) {
		bus->hcd = hcd;
		bus->busnum = n;
		bus->root = usb_device_alloc(bus, NULL, 0, hcd->speed);
	}
	if (!bus || !bus->root || !usb_root_hub_start(bus)) {
		pr_err("usb: out of memory registering %s\n", hcd->driver_name);
		if (bus)
			kfree(bus->root);
		kfree(bus);
		return USB_ERR_NOMEM;
	}
	hcd->busnum = n;
	hcd->core = bus;
	usb_addr_alloc(bus); /* address 1: the root hub, as on Linux */
	init_root_hub(bus->root, hcd);
	bus->t_register_ns = bus->t_enum_start_ns = ktime_ns();
	if (!first_register_ns)
		first_register_ns = bus->t_register_ns;
	*pp = bus;
	pr_info("usb: bus %d: %s (%s), %u ports, %s\n", n, hcd->product, hcd->driver_name,
		hcd->num_ports, usb_speed_str(hcd->speed));
	usb_hcd_port_event(hcd); /* look at the root ports now */
	return 0;
}

void usb_hcd_reset_notify(struct usb_hcd *hcd)
{
	struct usb_bus *bus = usb_bus_of(hcd);

	pr_warn("usb: bus %d: controller was reset, enumerating again\n", bus->busnum);
	usb_bus_reenumerate(bus);
}
