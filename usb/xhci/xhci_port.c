/*
 * xHCI root ports (xHCI 4.19, 5.4.8), USB 2 or USB 3 as their Supported
 * Protocol capability says. A USB 3 port enables itself after link
 * training; a USB 2 port needs a reset. Change bits and PED are RW1C, so
 * every write starts from the bits that are safe to write back.
 */
#include "printk.h"
#include "xhci.h"

#define XHCI_PORT_RESET_NS (500 * NSEC_PER_MSEC)
#define XHCI_PORT_POWER_MS 20

/* A Supported Protocol capability (§7.2): the major revision of its ports. */
void xhci_port_protocol(struct xhci *x, volatile uint8_t *cap)
{
	uint8_t major = (uint8_t)(mmio_read32(cap) >> 24);
	uint32_t ports = mmio_read32(cap + 8);
	unsigned first = ports & 0xff, count = (ports >> 8) & 0xff;

	for (unsigned p = first; p < first + count && p <= x->n_ports; p++)
		x->port_major[p] = major;
	if (major == 2 || major == 3)
		x->slot_type = (uint8_t)(mmio_read32(cap + 12) & 0x1f);
}

/* After HCRST, ports with power switches are off (§4.19.4). */
void xhci_power_ports(struct xhci *x)
{
	bool switched = false;

	for (unsigned p = 1; p <= x->n_ports && (x->hcc1 & XHCI_HCC1_PPC); p++)
		if (!(xhci_read(x, XHCI_PORTSC(p)) & XHCI_PORT_PP)) {
			xhci_write(x, XHCI_PORTSC(p), XHCI_PORT_PP);
			switched = true;
		}
	if (switched)
		mdelay(XHCI_PORT_POWER_MS); /* power-on to power-good */
}

static enum usb_speed port_speed(uint32_t portsc)
{
	switch (XHCI_PORT_SPEED(portsc)) {
	case XHCI_SPEED_LOW: return USB_SPEED_LOW;
	case XHCI_SPEED_HIGH: return USB_SPEED_HIGH;
	case XHCI_SPEED_FULL: return USB_SPEED_FULL;
	default: return USB_SPEED_SUPER;
	}
}

static void portsc_write(struct xhci *x, int port, uint32_t set)
{
	xhci_write(x, XHCI_PORTSC(port), (xhci_read(x, XHCI_PORTSC(port)) & XHCI_PORT_KEEP) | set);
}

unsigned xhci_port_status(struct usb_hcd *hcd, int port)
{
	uint32_t v = xhci_read(hcd->priv, XHCI_PORTSC(port));
	unsigned speed = (v & XHCI_PORT_CCS) ? XHCI_PORT_SPEED(v) : 0;

	return ((v & XHCI_PORT_CCS) ? USB_PORT_CONNECTED : 0) |
	       ((v & XHCI_PORT_PED) ? USB_PORT_ENABLED : 0) |
	       (speed == XHCI_SPEED_LOW ? USB_PORT_LOW_SPEED : 0) |
	       (speed >= XHCI_SPEED_HIGH ? USB_PORT_HIGH_SPEED : 0) |
	       ((v & XHCI_PORT_CSC) ? USB_PORT_CONNECT_CHANGE : 0) |
	       ((v & XHCI_PORT_PEC) ? USB_PORT_ENABLE_CHANGE : 0);
}

void xhci_port_clear_changes(struct usb_hcd *hcd, int port)
{
	struct xhci *x = hcd->priv;
	portsc_write(x, port, xhci_read(x, XHCI_PORTSC(port)) & XHCI_PORT_CHANGES);
}

int xhci_port_reset_start(struct usb_hcd *hcd, int port)
{
	portsc_write(hcd->priv, port, XHCI_PORT_PR);
	return 0;
}

int xhci_port_reset_finish(struct usb_hcd *hcd, int port, enum usb_speed *speed)
{
	struct xhci *x = hcd->priv;

	if (!wait_until(!(xhci_read(x, XHCI_PORTSC(port)) & XHCI_PORT_PR), XHCI_PORT_RESET_NS)) {
		pr_err("xhci%d: port %d still in reset after 500 ms\n", x->index, port);
		return USB_ERR_TIMEOUT;
	}
	uint32_t v = xhci_read(x, XHCI_PORTSC(port));
	portsc_write(x, port, v & XHCI_PORT_CHANGES & ~XHCI_PORT_CSC);
	if (!(v & XHCI_PORT_CCS))
		return USB_ERR_NODEV;
	if (!(v & XHCI_PORT_PED)) {
		pr_err("xhci%d: port %d not enabled after reset (PORTSC %x)\n", x->index, port, v);
		return USB_ERR_XACT;
	}
	*speed = port_speed(v);
	return 0;
}

void xhci_port_disable(struct usb_hcd *hcd, int port)
{
	struct xhci *x = hcd->priv;

	if (x->port_major[port] == 2) /* USB 3 ports cannot be disabled by PED */
		portsc_write(x, port, XHCI_PORT_PED);
}
