/*
 * USB core, the bottom of usb/ (docs/usb-core.md): buses (one per host
 * controller), the device model, addresses, DMA buffers for transfers,
 * endpoints and class-driver binding. It calls nothing else in usb/:
 * requests (request.c), enumeration (enum.c) and root ports (roothub.c)
 * are built on it. A disconnect is composed in enum.c from the two halves
 * here (usb_device_mark_gone, usb_device_release) around the requests'
 * teardown; the device struct is freed once the controller has given
 * every transfer back and no waiter holds it.
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
static struct list_node bus_list = LIST_HEAD_INIT(bus_list);
static struct list_node driver_list = LIST_HEAD_INIT(driver_list);
static uint64_t first_register_ns;

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
	case USB_ERR_RESET: return "cancelled by a device reset";
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
struct list_node *usb_buses(void) { return &bus_list; }
struct usb_bus *usb_bus_of(struct usb_hcd *hcd) { return hcd->core; }
uint64_t usb_first_register_ns(void) { return first_register_ns; }

struct usb_bus *usb_bus_create(struct usb_hcd *hcd)
{
	struct usb_bus *bus = kzalloc(sizeof(*bus)), *b;
	int n = 1;

	if (!bus)
		return NULL;
	usb_for_each_bus(b)
		n++;
	bus->hcd = hcd;
	bus->busnum = n;
	list_node_init(&bus->devices);
	list_node_init(&bus->addr0_waiters);
	bus->root = usb_device_alloc(bus, NULL, 0, hcd->speed);
	if (!bus->root) {
		kfree(bus);
		return NULL;
	}
	return bus;
}

void usb_bus_free(struct usb_bus *bus)
{
	if (bus)
		kfree(bus->root);
	kfree(bus);
}

void usb_bus_publish(struct usb_bus *bus)
{
	bus->hcd->busnum = bus->busnum;
	bus->hcd->core = bus;
	usb_addr_alloc(bus); /* address 1: the root hub, as on Linux */
	bus->t_register_ns = bus->t_enum_start_ns = ktime_ns();
	if (!first_register_ns)
		first_register_ns = bus->t_register_ns;
	list_push_back(&bus_list, &bus->node);
}

struct usb_device *usb_find_device(int busnum, int addr)
{
	struct usb_bus *b;
	struct usb_device *d;

	usb_for_each_bus(b)
		if (b->busnum == busnum)
			usb_for_each_device(d, b)
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
	list_node_init(&dev->requests);
	list_node_init(&dev->ep0_queue);
	list_push_front(&bus->devices, &dev->bus_node);
	return dev;
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

void usb_close_config_endpoints(struct usb_device *dev)
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

bool usb_device_mark_gone(struct usb_device *dev)
{
	if (dev->state == USB_STATE_GONE)
		return false;
	if (dev->configured) {
		char name[48];
		pr_info("%s: USB disconnect, device number %u\n",
			usb_dev_name(dev, name, sizeof(name)), dev->address);
	}
	dev->removing = true;
	dev->state = USB_STATE_GONE;
	unbind_drivers(dev);
	return true;
}

void usb_device_release(struct usb_device *dev)
{
	usb_close_config_endpoints(dev);
	usb_ep0_close(dev);
	if (dev->hcd->ops->device_remove && dev->hcd_added)
		dev->hcd->ops->device_remove(dev->hcd, dev);
	usb_addr_free(dev->bus, dev->address);
	list_remove(&dev->bus_node);
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

struct usb_endpoint *usb_intf_int_in(struct usb_interface *intf, const char *who)
{
	struct usb_endpoint *ep = usb_intf_endpoint(intf, USB_EP_INTERRUPT, true);
	char name[48];

	if (!ep)
		pr_err("%s: %s without an interrupt IN endpoint; not used\n",
		       usb_dev_name(intf->dev, name, sizeof(name)), who);
	return ep;
}

/* --- class drivers ------------------------------------------------------ */
void usb_register_driver(struct usb_driver *drv)
{
	struct usb_driver *d;

	/* Static drivers start with a zeroed node, so ask the list itself. */
	list_for_each_entry(d, &driver_list, node)
		if (d == drv)
			return; /* already registered: a second time would loop the list */
	list_push_back(&driver_list, &drv->node);
}

static bool driver_matches(const struct usb_driver *drv, const struct usb_interface_descriptor *d)
{
	return (drv->class_code < 0 || drv->class_code == d->bInterfaceClass) &&
	       (drv->subclass < 0 || drv->subclass == d->bInterfaceSubClass) &&
	       (drv->protocol < 0 || drv->protocol == d->bInterfaceProtocol);
}

bool usb_drivers_keep_across_reset(const struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf; i++)
		if (dev->config.intf[i].driver && !dev->config.intf[i].driver->post_reset)
			return false;
	return true;
}

void usb_drivers_post_reset(struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf && dev->state != USB_STATE_GONE; i++)
		if (dev->config.intf[i].driver)
			dev->config.intf[i].driver->post_reset(&dev->config.intf[i]);
}

void usb_bind_drivers(struct usb_device *dev)
{
	for (unsigned i = 0; i < dev->config.num_intf && dev->state != USB_STATE_GONE; i++) {
		struct usb_interface *in = &dev->config.intf[i];
		if (in->desc.bAlternateSetting != 0 || in->driver)
			continue;
		const struct usb_driver *drv;
		list_for_each_entry(drv, &driver_list, node)
			if (driver_matches(drv, &in->desc)) {
				in->driver = drv;
				if (drv->probe(in) == 0)
					break;
				in->driver = NULL;
			}
	}
}
