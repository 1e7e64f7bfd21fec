/*
 * Device slots and their contexts (xHCI 4.5, 4.6, 6.2): Enable Slot and
 * Address Device with BSR=1 when the core adds a device (so endpoint 0
 * answers at the default address and its max packet size can be read),
 * Evaluate Context when that size is known, Address Device proper when the
 * core asks for an address (the controller picks it and sends SET_ADDRESS
 * itself), Configure Endpoint for each further endpoint, Reset Device
 * when the core resets a device it keeps, Disable Slot on removal. Hubs
 * above a device are named by the route string.
 */
#include "dma_pool.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "usb.h"
#include "xhci.h"

#define INPUT_CTRL 0
#define INPUT_SLOT 1
#define INPUT_EP(dci) (1 + (dci))
#define EP0_DCI 1

static const uint8_t psi_of_speed[] = {
	[USB_SPEED_LOW] = XHCI_SPEED_LOW, [USB_SPEED_FULL] = XHCI_SPEED_FULL,
	[USB_SPEED_HIGH] = XHCI_SPEED_HIGH, [USB_SPEED_SUPER] = XHCI_SPEED_SUPER,
};

/* Route string (tiers below the root port, 4 bits each) and root port. */
static uint32_t route_of(const struct usb_device *dev, unsigned *root_port)
{
	uint32_t route = 0;

	for (; dev->parent && dev->parent->parent; dev = dev->parent)
		route = (route << 4) | MIN(dev->port, 15u);
	*root_port = dev->port;
	return route;
}

static void fill_slot_ctx(struct xhci *x, struct xhci_slot *s, struct xhci_slot_ctx *sc)
{
	const struct usb_device *dev = s->dev;
	unsigned root_port;
	uint32_t route = route_of(dev, &root_port);

	memset(sc, 0, sizeof(*sc));
	sc->info = SLOT_ROUTE(route) | SLOT_SPEED(psi_of_speed[dev->speed]) | SLOT_ENTRIES(1);
	sc->info2 = SLOT_ROOT_PORT(root_port);
	if (dev->tt_hub_addr) { /* a low/full-speed device behind a high-speed hub */
		for (unsigned i = 1; i <= x->max_slots; i++)
			if (x->slots[i] && x->slots[i]->dev->address == dev->tt_hub_addr &&
			    x->slots[i]->dev->bus == dev->bus)
				sc->tt = SLOT_TT(i, dev->tt_port);
	}
}

static void fill_ep0_ctx(struct xhci_slot *s, struct xhci_ep_ctx *ec, uint16_t max_packet)
{
	memset(ec, 0, sizeof(*ec));
	ec->info2 = EP_CERR(3) | EP_TYPE(EP_TYPE_CONTROL) | EP_MAX_PACKET(max_packet);
	ec->deq = xhci_ring_enqueue_dma(&s->ep0_ring);
	ec->tx_info = 8; /* average TRB length: a SETUP (§4.14.1.1) */
}

/* A fresh input context with its drop and add flags, its slot context
 * copied from the controller's (to change and send back); returns that. */
static struct xhci_slot_ctx *input_ctx(struct xhci *x, struct xhci_slot *s, uint32_t drop,
				       uint32_t add)
{
	memset(s->in_ctx, 0, 33 * x->ctx_size);
	struct xhci_input_ctrl_ctx *ic = xhci_ctx(x, s->in_ctx, INPUT_CTRL);
	ic->drop = drop;
	ic->add = add;
	struct xhci_slot_ctx *sc = xhci_ctx(x, s->in_ctx, INPUT_SLOT);
	memcpy(sc, s->out_ctx, sizeof(*sc));
	sc->state = 0;
	return sc;
}

static int input_command(struct xhci *x, struct xhci_slot *s, uint32_t type, uint32_t flags)
{
	return xhci_command(x, TRB_TYPE(type) | TRB_SLOT(s->id) | flags, s->in_dma, NULL);
}

static int address_device(struct xhci *x, struct xhci_slot *s, uint16_t max_packet, bool bsr)
{
	fill_slot_ctx(x, s, input_ctx(x, s, 0, 0x3));
	fill_ep0_ctx(s, xhci_ctx(x, s->in_ctx, INPUT_EP(EP0_DCI)), max_packet);
	return input_command(x, s, TRB_ADDRESS_DEVICE, bsr ? TRB_BSR : 0);
}

static uint16_t initial_max_packet(enum usb_speed speed)
{
	return speed == USB_SPEED_SUPER ? 512 : speed == USB_SPEED_HIGH ? 64 : 8;
}

int xhci_device_add(struct usb_hcd *hcd, struct usb_device *dev)
{
	struct xhci *x = hcd->priv;
	struct xhci_slot *s = kzalloc(sizeof(*s));
	unsigned id = 0;
	int rc = USB_ERR_NOMEM;

	if (!s)
		return rc;
	s->dev = dev;
	dev->hcpriv = s;
	s->out_ctx = dma_pool_alloc(x->pool, 32 * x->ctx_size, &s->out_dma);
	s->in_ctx = dma_pool_alloc(x->pool, 33 * x->ctx_size, &s->in_dma);
	if (s->out_ctx && s->in_ctx &&
	    !xhci_ring_init(&s->ep0_ring, x->pool, XHCI_XFER_SEG_TRBS, XHCI_XFER_MAX_SEGS))
		rc = xhci_command(x, TRB_TYPE(TRB_ENABLE_SLOT) | TRB_EP(x->slot_type), 0, &id);
	if (!rc && (id == 0 || id > x->max_slots || x->slots[id])) {
		pr_err("xhci%d: Enable Slot returned slot %u, unusable\n", x->index, id);
		rc = USB_ERR_HC;
	}
	if (!rc) {
		s->id = id;
		x->slots[id] = s;
		x->dcbaa[id] = s->out_dma;
		rc = address_device(x, s, initial_max_packet(dev->speed), true);
	}
	if (rc)
		xhci_device_remove(hcd, dev);
	return rc;
}

/* addr goes unused: the controller chooses the address on the wire. */
int xhci_set_address(struct usb_hcd *hcd, struct usb_device *dev, uint8_t addr)
{
	struct xhci_slot *s = dev->hcpriv;

	if (!s || s->lost)
		return USB_ERR_NODEV;
	return address_device(hcd->priv, s, dev->ep0.max_packet, false);
}

/* §4.6.11, after the port reset: slot to Default, endpoints 1..31 off. */
int xhci_device_reset(struct usb_hcd *hcd, struct usb_device *dev)
{
	struct xhci_slot *s = dev->hcpriv;

	if (!s || s->lost)
		return USB_ERR_NODEV;
	return xhci_command(hcd->priv, TRB_TYPE(TRB_RESET_DEVICE) | TRB_SLOT(s->id), 0, NULL);
}

int xhci_update_ep0(struct xhci *x, struct xhci_slot *s, uint16_t max_packet)
{
	const struct xhci_ep_ctx *out = xhci_ctx(x, s->out_ctx, EP0_DCI);

	if ((out->info2 >> 16) == max_packet || s->lost)
		return 0;
	input_ctx(x, s, 0, 1u << EP0_DCI);
	fill_ep0_ctx(s, xhci_ctx(x, s->in_ctx, INPUT_EP(EP0_DCI)), max_packet);
	return input_command(x, s, TRB_EVALUATE_CTX, 0);
}

void xhci_device_remove(struct usb_hcd *hcd, struct usb_device *dev)
{
	struct xhci *x = hcd->priv;
	struct xhci_slot *s = dev->hcpriv;

	if (!s)
		return;
	if (s->id) { /* 0 before Enable Slot and once lost to a controller reset */
		xhci_command(x, TRB_TYPE(TRB_DISABLE_SLOT) | TRB_SLOT(s->id), 0, NULL);
		x->slots[s->id] = NULL;
		x->dcbaa[s->id] = 0;
	}
	dev->hcpriv = NULL;
	if (s->ep0_ring.first)
		xhci_ring_free(&s->ep0_ring);
	if (s->in_ctx)
		dma_pool_free(x->pool, s->in_ctx);
	if (s->out_ctx)
		dma_pool_free(x->pool, s->out_ctx);
	kfree(s);
}

void xhci_slots_lost(struct xhci *x)
{
	for (unsigned i = 1; i <= x->max_slots; i++) {
		if (x->slots[i]) {
			x->slots[i]->lost = true;
			x->slots[i]->id = 0;
		}
		x->slots[i] = NULL;
		x->dcbaa[i] = 0;
	}
}

/* §6.2.3.6: a power-of-two exponent of 125 µs units. */
static unsigned ep_interval(const struct usb_endpoint *ep)
{
	unsigned b = ep->interval ? ep->interval : 1, log = 0;

	if (ep->type != USB_EP_INTERRUPT && ep->type != USB_EP_ISO)
		return 0;
	if (ep->speed >= USB_SPEED_HIGH || ep->type == USB_EP_ISO)
		return MIN(b, 16u) - 1;
	for (unsigned frames8 = b * 8; frames8 > 1; frames8 >>= 1)
		log++;
	return MIN(MAX(log, 3u), 10u);
}

static void fill_ep_ctx(struct xhci_ep *ep, struct xhci_ep_ctx *ec)
{
	const struct usb_endpoint *u = ep->hcd.usb;
	bool in = u->ep_addr & 0x80;
	unsigned type = (unsigned)u->type + (in ? EP_TYPE_IN_OFFSET : 0);

	memset(ec, 0, sizeof(*ec));
	ec->info = EP_INTERVAL(ep_interval(u));
	ec->info2 = EP_CERR(u->type == USB_EP_ISO ? 0 : 3) | EP_TYPE(type) |
		    EP_MAX_PACKET(u->max_packet);
	ec->deq = xhci_ring_enqueue_dma(ep->ring);
	ec->tx_info = u->type == USB_EP_BULK ? 3072u : u->max_packet | (uint32_t)u->max_packet << 16;
}

static unsigned highest_dci(struct xhci_slot *s, unsigned without)
{
	unsigned top = EP0_DCI;
	for (unsigned i = 2; i < 32; i++)
		if (s->eps[i] && i != without)
			top = i;
	return top;
}

int xhci_configure_ep(struct xhci *x, struct xhci_ep *ep, bool add)
{
	struct xhci_slot *s = ep->slot;
	unsigned dci = ep->dci;

	if (s->lost)
		return add ? USB_ERR_NODEV : 0;
	struct xhci_slot_ctx *sc = input_ctx(x, s, add ? 0 : 1u << dci, 1u | (add ? 1u << dci : 0));
	unsigned top = add ? MAX(highest_dci(s, 0), dci) : highest_dci(s, dci);
	sc->info = (sc->info & ~SLOT_ENTRIES(31)) | SLOT_ENTRIES(top);
	if (add)
		fill_ep_ctx(ep, xhci_ctx(x, s->in_ctx, INPUT_EP(dci)));
	return input_command(x, s, TRB_CONFIGURE_EP, 0);
}

/* §4.5.2, §6.2.2: a hub's slot says so, with its ports and, at high
 * speed, its transaction translators (Configure Endpoint with A0 only). */
void xhci_hub_info(struct usb_hcd *hcd, struct usb_device *dev, unsigned nports, unsigned ttt)
{
	struct xhci *x = hcd->priv;
	struct xhci_slot *s = dev->hcpriv;

	if (!s || s->lost)
		return;
	struct xhci_slot_ctx *sc = input_ctx(x, s, 0, 1);
	sc->info |= SLOT_HUB | (dev->speed == USB_SPEED_HIGH && dev->desc.bDeviceProtocol == 2
					? SLOT_MTT : 0);
	sc->info2 = (sc->info2 & ~SLOT_NUM_PORTS(0xff)) | SLOT_NUM_PORTS(nports);
	if (dev->speed == USB_SPEED_HIGH)
		sc->tt = (sc->tt & ~SLOT_TTT(3)) | SLOT_TTT(ttt);
	input_command(x, s, TRB_CONFIGURE_EP, 0);
}
