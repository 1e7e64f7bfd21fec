/* `xhcidump`: registers, root ports, ring positions, each slot's contexts
 * as the controller last wrote them, each endpoint's ring, the counters. */
#include "printk.h"
#include "shell.h"
#include "usb.h"
#include "xhci.h"

static const char *const speed_names[] = { "?", "12M", "1.5M", "480M", "5000M" };
static const char *const slot_states[] = { "disabled", "default", "addressed", "configured" };
static const char *const ep_states[] = { "disabled", "running", "halted", "stopped", "error" };

static void dump_ring(const char *what, const struct xhci_ring *r)
{
	kprintf("   %s ring: %u segment%s of %u TRBs, %u free, enqueue %lx cycle %u, %lu laps\n",
		what, r->nsegs, r->nsegs == 1 ? "" : "s", r->seg_trbs, r->free,
		(unsigned long)(xhci_ring_enqueue_dma(r) & ~1ull), r->cycle, (unsigned long)r->laps);
}

static void dump_slot(struct xhci *x, struct xhci_slot *s)
{
	const struct xhci_slot_ctx *sc = s->out_ctx;
	unsigned state = sc->state >> 27;
	char name[48];

	kprintf(" slot %u: %s address %u %s, route %x, root port %u, %u contexts%s\n", s->id,
		usb_dev_name(s->dev, name, sizeof(name)), SLOT_GET_ADDRESS(sc->state),
		state < ARRAY_SIZE(slot_states) ? slot_states[state] : "?", SLOT_ROUTE(sc->info),
		(sc->info2 >> 16) & 0xff, SLOT_GET_ENTRIES(sc->info),
		(sc->info & SLOT_HUB) ? ", hub" : "");
	for (unsigned dci = 1; dci < 32; dci++) {
		struct xhci_ep *ep = s->eps[dci];
		if (!ep)
			continue;
		const struct xhci_ep_ctx *ec = xhci_ctx(x, s->out_ctx, dci);
		unsigned st = EP_STATE(ec->info);
		kprintf("  ep %u: %s, type %u, max packet %u, %u TDs on the ring%s\n", dci,
			st < ARRAY_SIZE(ep_states) ? ep_states[st] : "?", (ec->info2 >> 3) & 7,
			ec->info2 >> 16, ep->posted, ep->hcd.halted ? ", held after a STALL" : "");
		dump_ring("transfer", ep->ring);
	}
}

void xhci_dump(struct usb_hcd *hcd)
{
	struct xhci *x = hcd->priv;
	const struct xhci_stats *st = &x->stats;

	kprintf("xhci%d: USBCMD %x USBSTS %x CONFIG %x DCBAAP %lx IMAN %x ERDP %lx\n", x->index,
		xhci_read(x, XHCI_USBCMD), xhci_read(x, XHCI_USBSTS), xhci_read(x, XHCI_CONFIG),
		(unsigned long)x->dcbaa_dma, mmio_read32(x->rt + XHCI_IMAN),
		(unsigned long)mmio_read32(x->rt + XHCI_ERDP));
	kprintf(" HCSPARAMS1 %x HCSPARAMS2 %x HCCPARAMS1 %x, %u-byte contexts, %u scratchpads%s\n",
		x->hcs1, x->hcs2, x->hcc1, x->ctx_size, x->n_scratch, x->dead ? ", DEAD" : "");
	for (unsigned p = 1; p <= x->n_ports; p++) {
		uint32_t v = xhci_read(x, XHCI_PORTSC(p));
		unsigned sp = XHCI_PORT_SPEED(v);
		kprintf(" port %u: USB%u PORTSC %x%s%s %s\n", p, x->port_major[p], v,
			(v & XHCI_PORT_CCS) ? " connected" : "", (v & XHCI_PORT_PED) ? " enabled" : "",
			(v & XHCI_PORT_CCS) && sp < ARRAY_SIZE(speed_names) ? speed_names[sp] : "");
	}
	dump_ring("command", &x->cmd);
	kprintf("   event ring: %u TRBs, dequeue %u cycle %u\n", XHCI_EVENT_TRBS, x->ev_deq,
		x->ev_cycle);
	for (unsigned i = 1; i <= x->max_slots; i++)
		if (x->slots[i])
			dump_slot(x, x->slots[i]);
	kprintf(" irqs %lu events %lu transfers %lu commands %lu (timed out %lu) bad events %lu "
		"ring growths %lu resets %lu; TDs on rings %u\n",
		(unsigned long)st->irqs, (unsigned long)st->events, (unsigned long)st->xfers,
		(unsigned long)st->cmds, (unsigned long)st->cmd_timeouts,
		(unsigned long)st->bad_events, (unsigned long)st->grows,
		(unsigned long)st->resets, x->tds);
}

static struct usb_hcd *nth_hcd(int index)
{
	struct xhci *x = xhci_by_index(index);

	return x ? &x->hcd : NULL;
}

static int cmd_xhcidump(int argc, char **argv)
{
	return hcd_dump_command(argc, argv, "xHCI", nth_hcd);
}
SHELL_COMMAND(xhcidump, "xhcidump", "xhcidump [controller]",
	      "xHCI registers, ports, rings, slot contexts", cmd_xhcidump);
