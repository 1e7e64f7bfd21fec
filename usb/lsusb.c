/*
 * USB shell commands in the formats of Linux usbutils, so output can be
 * compared line by line: `lsusb` (one line per device), `lsusb -t` (the
 * tree, one line per interface), `lsusb -v [-s bus:dev]` (descriptors),
 * `usbreset bus:dev` (a reset that keeps the device, usb_device_reset)
 * and `usbstat` (enumeration timing per bus).
 */
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"
#include "usb_core.h"

/* The names usbutils would print for Linux's root hubs. */
static const char *vendor_name(const struct usb_device *d)
{
	return d->desc.idVendor == 0x1d6b ? "Linux Foundation" : d->manufacturer;
}

static const char *product_name(const struct usb_device *d)
{
	if (d->desc.idVendor == 0x1d6b)
		return d->desc.idProduct == 2 ? "2.0 root hub" : d->desc.idProduct == 3
							       ? "3.0 root hub" : "1.1 root hub";
	return d->product;
}

static bool listed(const struct usb_device *d) { return d->state == USB_STATE_CONFIGURED; }

static void print_device_line(const struct usb_device *d)
{
	const char *v = vendor_name(d), *p = product_name(d);
	kprintf("Bus %03d Device %03u: ID %04x:%04x%s%s%s%s\n", d->bus->busnum, d->address,
		d->desc.idVendor, d->desc.idProduct, *v ? " " : "", v, *p ? " " : "", p);
}

/* Calls fn for each listed device of a bus in address order. */
static unsigned for_each_by_address(const struct usb_bus *bus, int only_addr,
				    void (*fn)(const struct usb_device *))
{
	const struct usb_device *d;
	unsigned n = 0;

	for (int a = 1; a < 128; a++)
		usb_for_each_device(d, bus)
			if (d->address == a && listed(d) && (only_addr < 0 || only_addr == a)) {
				fn(d);
				n++;
			}
	return n;
}

static unsigned list_devices(int only_bus, int only_addr,
			     void (*fn)(const struct usb_device *))
{
	const struct usb_bus *b;
	unsigned n = 0;

	usb_for_each_bus(b)
		if (only_bus < 0 || only_bus == b->busnum)
			n += for_each_by_address(b, only_addr, fn);
	return n;
}

/* --- lsusb -t ------------------------------------------------------------ */
static const char *class_name(uint8_t cls)
{
	switch (cls) {
	case 0x01: return "Audio";
	case 0x02: return "Communications";
	case 0x03: return "Human Interface Device";
	case 0x05: return "Physical Interface Device";
	case 0x06: return "Imaging";
	case 0x07: return "Printer";
	case 0x08: return "Mass Storage";
	case 0x09: return "Hub";
	case 0x0a: return "CDC Data";
	case 0x0b: return "Chip/SmartCard";
	case 0x0d: return "Content Security";
	case 0x0e: return "Video";
	case 0xdc: return "Diagnostic";
	case 0xe0: return "Wireless";
	case 0xef: return "Miscellaneous Device";
	case 0xfe: return "Application Specific Interface";
	case 0xff: return "Vendor Specific Class";
	}
	return "[unknown]";
}

static void print_interface_line(const struct usb_device *d, const struct usb_interface *in)
{
	char driver[24] = "";

	if (in->driver == &usb_hub_driver)
		ksnprintf(driver, sizeof(driver), "hub/%up", usb_hub_port_count(in));
	else if (in->driver)
		ksnprintf(driver, sizeof(driver), "%s", in->driver->name);
	kprintf("%*s|__ Port %u: Dev %u, If %u, Class=%s, Driver=%s, %s\n", 4 * d->depth, "",
		d->port, d->address, in->desc.bInterfaceNumber, class_name(in->desc.bInterfaceClass),
		driver, usb_speed_str(d->speed));
}

static void print_subtree(const struct usb_device *hubdev)
{
	const struct usb_hub *hub = hubdev->hub;

	for (unsigned i = 0; hub && i < hub->nports; i++) {
		const struct usb_device *d = hub->ports[i].dev;
		if (!d || !listed(d))
			continue;
		for (unsigned j = 0; j < d->config.num_intf; j++)
			if (d->config.intf[j].desc.bAlternateSetting == 0)
				print_interface_line(d, &d->config.intf[j]);
		print_subtree(d);
	}
}

static void print_tree(void)
{
	const struct usb_bus *b;

	usb_for_each_bus(b) {
		kprintf("/:  Bus %02d.Port 1: Dev 1, Class=root_hub, Driver=%s/%up, %s\n", b->busnum,
			b->hcd->driver_name, b->hcd->num_ports, usb_speed_str(b->hcd->speed));
		print_subtree(b->root);
	}
}

/* --- lsusb -v ------------------------------------------------------------ */
/* Linux lsusb -v alignment: values end 25 columns after the indent. */
static void field(int indent, const char *name, unsigned value, const char *extra)
{
	kprintf("%*s%-20s%5u%s%s\n", indent, "", name, value, extra ? " " : "", extra ? extra : "");
}

static void field_hex(int indent, const char *name, unsigned value, int digits,
		      const char *extra)
{
	kprintf("%*s%-*s0x%0*x%s%s\n", indent, "", 23 - digits, name, digits, value,
		extra ? " " : "", extra ? extra : "");
}

static void field_bcd(int indent, const char *name, uint16_t bcd)
{
	kprintf("%*s%-20s%2x.%02x\n", indent, "", name, bcd >> 8, bcd & 0xff);
}

static void dump_endpoint(const struct usb_endpoint_descriptor *e)
{
	static const char *const types[] = { "Control", "Isochronous", "Bulk", "Interrupt" };
	char addr[16];

	kprintf("      Endpoint Descriptor:\n");
	field(8, "bLength", e->bLength, NULL);
	field(8, "bDescriptorType", e->bDescriptorType, NULL);
	ksnprintf(addr, sizeof(addr), " EP %u %s", e->bEndpointAddress & 0xf,
		  (e->bEndpointAddress & USB_DIR_IN) ? "IN" : "OUT");
	field_hex(8, "bEndpointAddress", e->bEndpointAddress, 2, addr);
	field(8, "bmAttributes", e->bmAttributes, NULL);
	kprintf("          Transfer Type            %s\n", types[e->bmAttributes & 3]);
	kprintf("          Synch Type               None\n");
	kprintf("          Usage Type               Data\n");
	kprintf("        wMaxPacketSize     0x%04x  1x %u bytes\n", e->wMaxPacketSize,
		e->wMaxPacketSize & 0x7ff);
	field(8, "bInterval", e->bInterval, NULL);
}

static void dump_interface(const struct usb_interface *in)
{
	const struct usb_interface_descriptor *d = &in->desc;

	kprintf("    Interface Descriptor:\n");
	field(6, "bLength", d->bLength, NULL);
	field(6, "bDescriptorType", d->bDescriptorType, NULL);
	field(6, "bInterfaceNumber", d->bInterfaceNumber, NULL);
	field(6, "bAlternateSetting", d->bAlternateSetting, NULL);
	field(6, "bNumEndpoints", d->bNumEndpoints, NULL);
	field(6, "bInterfaceClass", d->bInterfaceClass, class_name(d->bInterfaceClass));
	field(6, "bInterfaceSubClass", d->bInterfaceSubClass, NULL);
	field(6, "bInterfaceProtocol", d->bInterfaceProtocol, NULL);
	field(6, "iInterface", d->iInterface, NULL);
	for (unsigned e = 0; e < d->bNumEndpoints && e < USB_MAX_ENDPOINTS; e++)
		dump_endpoint(&in->ep_desc[e]);
}

static void dump_config(const struct usb_config *c)
{
	kprintf("  Configuration Descriptor:\n");
	field(4, "bLength", c->desc.bLength, NULL);
	field(4, "bDescriptorType", c->desc.bDescriptorType, NULL);
	field_hex(4, "wTotalLength", c->desc.wTotalLength, 4, NULL);
	field(4, "bNumInterfaces", c->desc.bNumInterfaces, NULL);
	field(4, "bConfigurationValue", c->desc.bConfigurationValue, NULL);
	field(4, "iConfiguration", c->desc.iConfiguration, NULL);
	field_hex(4, "bmAttributes", c->desc.bmAttributes, 2, NULL);
	kprintf("      %s\n", (c->desc.bmAttributes & 0x40) ? "Self Powered" : "(Bus Powered)");
	if (c->desc.bmAttributes & 0x20)
		kprintf("      Remote Wakeup\n");
	kprintf("    MaxPower            %5umA\n", c->desc.bMaxPower * 2u);
	for (unsigned i = 0; i < c->num_intf; i++)
		dump_interface(&c->intf[i]);
}

static void dump_device(const struct usb_device *dev)
{
	const struct usb_device_descriptor *d = &dev->desc;

	kprintf("\n");
	print_device_line(dev);
	kprintf("Device Descriptor:\n");
	field(2, "bLength", d->bLength, NULL);
	field(2, "bDescriptorType", d->bDescriptorType, NULL);
	field_bcd(2, "bcdUSB", d->bcdUSB);
	field(2, "bDeviceClass", d->bDeviceClass,
	      d->bDeviceClass ? class_name(d->bDeviceClass) : NULL);
	field(2, "bDeviceSubClass", d->bDeviceSubClass, NULL);
	field(2, "bDeviceProtocol", d->bDeviceProtocol, NULL);
	field(2, "bMaxPacketSize0", d->bMaxPacketSize0, NULL);
	field_hex(2, "idVendor", d->idVendor, 4, NULL);
	field_hex(2, "idProduct", d->idProduct, 4, NULL);
	field_bcd(2, "bcdDevice", d->bcdDevice);
	field(2, "iManufacturer", d->iManufacturer, dev->manufacturer);
	field(2, "iProduct", d->iProduct, dev->product);
	field(2, "iSerial", d->iSerialNumber, dev->serial);
	field(2, "bNumConfigurations", d->bNumConfigurations, NULL);
	dump_config(&dev->config);
}

/* --- argument parsing ---------------------------------------------------- */
/* "bus:dev", ":dev" or "bus:" (Linux lsusb -s); -1 means any. */
static bool parse_bus_dev(const char *s, int *bus, int *dev)
{
	char part[16];
	const char *colon = strchr(s, ':');
	uint64_t v;
	size_t n;

	*bus = *dev = -1;
	if (!colon)
		return kstrtou64(s, &v) && v < 128 && (*dev = (int)v, true);
	n = (size_t)(colon - s);
	if (n >= sizeof(part))
		return false;
	memcpy(part, s, n);
	part[n] = 0;
	if (n && !(kstrtou64(part, &v) && v < 1000 && (*bus = (int)v, true)))
		return false;
	if (colon[1] && !(kstrtou64(colon + 1, &v) && v < 128 && (*dev = (int)v, true)))
		return false;
	return true;
}

int usb_cmd_lsusb(int argc, char **argv)
{
	bool tree = false, verbose = false;
	int bus = -1, dev = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0) {
			tree = true;
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			if (!parse_bus_dev(argv[++i], &bus, &dev)) {
				kprintf("lsusb: bad -s argument '%s' (want [[bus]:][devnum])\n", argv[i]);
				return 1;
			}
		} else {
			kprintf("lsusb: unknown option '%s'; usage: lsusb [-t] [-v] [-s bus:dev]\n",
				argv[i]);
			return 1;
		}
	}
	if (tree) {
		print_tree();
		return 0;
	}
	if (list_devices(bus, dev, verbose ? dump_device : print_device_line) == 0 &&
	    (bus >= 0 || dev >= 0)) {
		kprintf("lsusb: no USB device matches -s %s\n", argv[argc - 1]);
		return 1;
	}
	return 0;
}

#define USBRESET_WAIT_NS (10 * NSEC_PER_SEC)

static bool reset_over(void *dev)
{
	const struct usb_device *d = dev;
	return !d->resetting || d->state == USB_STATE_GONE;
}

/* Waits for the reset so the answer says whether the device was kept. */
static int cmd_usbreset(int argc, char **argv)
{
	int bus, addr, rc;
	struct usb_device *d;

	if (argc != 2 || !parse_bus_dev(argv[1], &bus, &addr) || bus < 0 || addr < 0) {
		kprintf("usage: usbreset bus:dev (e.g. usbreset 1:2)\n");
		return 1;
	}
	d = usb_find_device(bus, addr);
	if (!d || !d->parent) {
		kprintf("usbreset: no device %d:%d (root hubs cannot be reset)\n", bus, addr);
		return 1;
	}
	kprintf("Resetting %s %s ... ", d->manufacturer, d->product);
	usb_device_get(d);
	rc = usb_device_reset(d);
	if (rc == 0 && !usb_wait_idle_until(reset_over, d, USBRESET_WAIT_NS))
		rc = USB_ERR_SETUP_TIMEOUT;
	if (rc)
		kprintf("%s\n", usb_status_str(rc));
	else if (d->state == USB_STATE_GONE)
		kprintf("ok (enumerating it as a new device)\n");
	else
		kprintf("ok (device number %u kept)\n", d->address);
	usb_device_put(d);
	return rc ? 1 : 0;
}

void usb_print_ms(uint64_t ns)
{
	kprintf("%llu.%03llu ms", (unsigned long long)(ns / NSEC_PER_MSEC),
		(unsigned long long)(ns % NSEC_PER_MSEC / NSEC_PER_USEC));
}

static int cmd_usbstat(int argc, char **argv)
{
	const struct usb_bus *b;

	usb_for_each_bus(b) {
		kprintf("bus %d (%s): %u devices configured, %u failed; last configured ",
			b->busnum, b->hcd->driver_name, b->enumerated, b->failed);
		if (b->t_last_configured_ns > b->t_enum_start_ns)
			usb_print_ms(b->t_last_configured_ns - b->t_enum_start_ns);
		else
			kprintf("never");
		kprintf(" after enumeration started\n");
	}
	return 0;
}

SHELL_COMMAND(lsusb, "lsusb", "lsusb [-t] [-v] [-s [bus]:[dev]]",
	      "list USB devices (-t tree, -v descriptors)", usb_cmd_lsusb);
SHELL_COMMAND(usbreset, "usbreset", "usbreset bus:dev",
	      "reset a USB device, keeping it (else enumerate it again)", cmd_usbreset);
SHELL_COMMAND(usbstat, "usbstat", "usbstat", "USB enumeration counts and timing per bus",
	      cmd_usbstat);
