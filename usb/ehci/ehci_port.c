/*
 * EHCI root ports (PORTSC, EHCI §2.3.9 and §4.2). A port belongs to EHCI
 * while CONFIGFLAG is set and PORT_OWNER is clear. After a reset, a port
 * that did not become enabled holds a full- or low-speed device: setting
 * PORT_OWNER routes it to the companion UHCI controller, which sees the
 * connection at once. Ownership returns to EHCI when the device leaves.
 *
 * PORTSC mixes read/write bits with write-1-to-clear change bits (CSC,
 * PEC, OCC); every write here goes through ehci_portsc_preserve() so a
 * read-modify-write never clears a change the core has not seen yet.
 */
#include "ehci.h"
#include "ktime.h"
#include "printk.h"

/* The spec bounds the end of a port reset at 2 ms (§2.3.9, Port Reset);
 * the extra margin covers a descheduled emulator. */
#define EHCI_PORT_RESET_END_NS (10 * NSEC_PER_MSEC)

uint32_t ehci_portsc_preserve(uint32_t portsc)
{
	return portsc & ~EHCI_PORT_RWC_MASK;
}

unsigned ehci_portsc_to_usb(uint32_t portsc)
{
	unsigned s = 0;

	if (portsc & EHCI_PORT_OWNER)
		return USB_PORT_OWNED_BY_COMPANION;
	if (portsc & EHCI_PORT_CCS)
		s |= USB_PORT_CONNECTED;
	/* Only a high-speed device gets enabled on an EHCI port. */
	if (portsc & EHCI_PORT_PE)
		s |= USB_PORT_ENABLED | USB_PORT_HIGH_SPEED;
	else if ((portsc & EHCI_PORT_CCS) &&
		 (portsc & EHCI_PORT_LS_MASK) == EHCI_PORT_LS_K)
		s |= USB_PORT_LOW_SPEED;
	if (portsc & EHCI_PORT_OCA)
		s |= USB_PORT_OVERCURRENT;
	if (portsc & EHCI_PORT_CSC)
		s |= USB_PORT_CONNECT_CHANGE;
	if (portsc & EHCI_PORT_PEC)
		s |= USB_PORT_ENABLE_CHANGE;
	return s;
}

static bool port_valid(struct ehci *e, int port)
{
	return port >= 1 && (unsigned)port <= e->n_ports;
}

static uint32_t portsc_read(struct ehci *e, int port)
{
	return ehci_read(e, EHCI_PORTSC(port));
}

unsigned ehci_port_status(struct usb_hcd *hcd, int port)
{
	struct ehci *e = hcd_to_ehci(hcd);

	if (!port_valid(e, port) || e->dead)
		return 0;
	return ehci_portsc_to_usb(portsc_read(e, port));
}

void ehci_port_clear_changes(struct usb_hcd *hcd, int port)
{
	struct ehci *e = hcd_to_ehci(hcd);

	if (!port_valid(e, port))
		return;
	uint32_t v = portsc_read(e, port);
	if (v & EHCI_PORT_RWC_MASK)
		ehci_write(e, EHCI_PORTSC(port),
			   ehci_portsc_preserve(v) | (v & EHCI_PORT_RWC_MASK));
}

/* PORT_OWNER stays 0 on a port no companion is wired to (QEMU: ports 5-6
 * of ich9-usb-ehci2 with two companions): then nobody can take the device. */
static int hand_to_companion(struct ehci *e, int port, uint32_t v)
{
	ehci_write(e, EHCI_PORTSC(port), ehci_portsc_preserve(v) | EHCI_PORT_OWNER);
	if (portsc_read(e, port) & EHCI_PORT_OWNER)
		return USB_PORT_HANDED_OFF;
	pr_warn("ehci%d: port %d: full/low-speed device, but no companion controller "
		"serves this port\n", e->index, port);
	return USB_ERR_NODEV;
}

int ehci_port_reset_start(struct usb_hcd *hcd, int port)
{
	struct ehci *e = hcd_to_ehci(hcd);

	if (!port_valid(e, port))
		return USB_ERR_INVAL;
	uint32_t v = portsc_read(e, port);
	if (!(v & EHCI_PORT_CCS) || (v & EHCI_PORT_OWNER))
		return USB_ERR_NODEV;
	e->port_low_speed[port] = false;
	/* A K-state before reset means low speed (§4.2.2): no EHCI reset. */
	if ((v & EHCI_PORT_LS_MASK) == EHCI_PORT_LS_K) {
		e->port_low_speed[port] = true;
		return 0;
	}
	/* PE must be written 0 together with PR=1 (§2.3.9, Port Reset). */
	ehci_write(e, EHCI_PORTSC(port),
		   (ehci_portsc_preserve(v) & ~EHCI_PORT_PE) | EHCI_PORT_PR);
	return 0;
}

int ehci_port_reset_finish(struct usb_hcd *hcd, int port, enum usb_speed *speed)
{
	struct ehci *e = hcd_to_ehci(hcd);

	if (!port_valid(e, port))
		return USB_ERR_INVAL;
	uint32_t v = portsc_read(e, port);
	if (e->port_low_speed[port]) {
		e->port_low_speed[port] = false;
		return hand_to_companion(e, port, v);
	}
	ehci_write(e, EHCI_PORTSC(port), ehci_portsc_preserve(v) & ~EHCI_PORT_PR);
	if (!wait_until(!(portsc_read(e, port) & EHCI_PORT_PR), EHCI_PORT_RESET_END_NS)) {
		pr_err("ehci%d: port %d: reset did not end within 10 ms (PORTSC %x)\n",
		       e->index, port, portsc_read(e, port));
		return USB_ERR_TIMEOUT;
	}
	v = portsc_read(e, port);
	if (!(v & EHCI_PORT_CCS))
		return USB_ERR_NODEV;
	if (v & EHCI_PORT_PE) {
		*speed = USB_SPEED_HIGH;
		return 0;
	}
	return hand_to_companion(e, port, v);
}

void ehci_port_disable(struct usb_hcd *hcd, int port)
{
	struct ehci *e = hcd_to_ehci(hcd);

	if (!port_valid(e, port))
		return;
	uint32_t v = portsc_read(e, port);
	ehci_write(e, EHCI_PORTSC(port), ehci_portsc_preserve(v) & ~EHCI_PORT_PE);
}
