/*
 * EHCI diagnostics: the hcd `dump` op (shown by the core's `usbdebug`) and
 * the shell command `ehcidump` (registers, ports, the async ring walked
 * through the hardware links, the periodic tree, counters); the fault
 * injector `ehcifault` lives in tests/kernel/ehci_fault.c.
 */
#include "dma_pool.h"
#include "ehci.h"
#include "kstring.h"
#include "printk.h"
#include "shell.h"

#define EHCI_DUMP_MAX_QH 64

static void dump_ports(struct ehci *e)
{
	for (unsigned p = 1; p <= e->n_ports; p++) {
		uint32_t v = ehci_read(e, EHCI_PORTSC(p));
		kprintf("  port %u: PORTSC %08x%s%s%s%s%s%s%s\n", p, v,
			(v & EHCI_PORT_CCS) ? " connected" : "",
			(v & EHCI_PORT_PE) ? " enabled(480M)" : "",
			(v & EHCI_PORT_OWNER) ? " companion-owned" : "",
			(v & EHCI_PORT_PR) ? " reset" : "",
			(v & EHCI_PORT_CSC) ? " CSC" : "",
			(v & EHCI_PORT_PEC) ? " PEC" : "",
			(v & EHCI_PORT_PP) ? " power" : "");
	}
}

static unsigned queued_xfers(const struct ehci_ep *ep)
{
	unsigned n = 0;

	for (const struct list_node *i = ep->hcd.queue.next; i != &ep->hcd.queue; i = i->next)
		n++;
	return n;
}

static void dump_qh(struct ehci *e, uint32_t phys, const struct ehci_qh *qh)
{
	kprintf("  QH %08x%s dev %u ep %u maxp %u overlay token %08x next %08x "
		"current %08x\n", phys, (qh->ep_char & EHCI_QH_HEAD) ? " [head]" : "",
		qh->ep_char & 0x7f, (qh->ep_char >> 8) & 0xf, (qh->ep_char >> 16) & 0x7ff,
		ehci_dma_read(&qh->token), ehci_dma_read(&qh->next),
		ehci_dma_read(&qh->current));
}

/* Walks the ring as the controller does, from ASYNCLISTADDR. */
static void dump_async(struct ehci *e)
{
	uint32_t start = ehci_read(e, EHCI_ASYNCLISTADDR), link = start;

	kprintf(" async ring:\n");
	for (unsigned n = 0; n < EHCI_DUMP_MAX_QH; n++) {
		const struct ehci_qh *qh = dma_pool_phys_to_virt(e->pool, EHCI_LINK_ADDR(link));
		if (!qh) {
			kprintf("  link %08x does not lead to a live pool chunk!\n", link);
			return;
		}
		dump_qh(e, EHCI_LINK_ADDR(link), qh);
		link = ehci_dma_read(&qh->hlink);
		if (EHCI_LINK_ADDR(link) == EHCI_LINK_ADDR(start))
			return;
	}
	kprintf("  ... more than %d QHs, stopped\n", EHCI_DUMP_MAX_QH);
}

static void dump_endpoints(struct ehci *e)
{
	static const char *const states[] = { "unlinked", "linked", "unlinking" };

	const struct ehci_ep *ep;

	kprintf(" endpoints:\n");
	list_for_each_entry(ep, &e->eps, node) {
		kprintf("  QH %08lx dev %u ep %u %s %s, %u queued", (unsigned long)ep->qh_dma,
			ep->qh->ep_char & 0x7f, (ep->qh->ep_char >> 8) & 0xf,
			ep->periodic ? "interrupt" : "async", states[ep->state],
			queued_xfers(ep));
		if (ep->periodic)
			kprintf(", every %u frames from frame %u, S-mask %02x", ep->period,
				ep->phase, ep->smask);
		kprintf("%s\n", ep->hcd.closing ? ", closing" : "");
	}
}

/* --- consistency: hardware links against the driver's own view --------- */

static const struct ehci_ep *next_on_ring(struct ehci *e, const struct list_node *n)
{
	return n == &e->async_ring ? NULL : list_entry(n, struct ehci_ep, async);
}

static const char *async_ring_error(struct ehci *e)
{
	uint32_t link = e->head->hlink;
	const struct ehci_ep *sw = next_on_ring(e, e->async_ring.next);

	for (unsigned hops = 0; EHCI_LINK_ADDR(link) != e->head_dma; hops++) {
		if (!sw || hops == EHCI_DUMP_MAX_QH)
			return "the async ring has QHs the driver does not know";
		if (!(link & EHCI_LINK_TYPE_QH) || EHCI_LINK_ADDR(link) != sw->qh_dma ||
		    !dma_pool_phys_to_virt(e->pool, EHCI_LINK_ADDR(link)))
			return "an async link does not lead to the driver's next QH";
		if (sw->state != EHCI_EP_LINKED || sw->periodic)
			return "an async QH is linked but not marked linked";
		link = sw->qh->hlink;
		sw = next_on_ring(e, sw->async.next);
	}
	return sw ? "the async ring ends before the driver's last QH" : NULL;
}

static const char *frame_error(struct ehci *e, unsigned f)
{
	uint32_t link = e->frame_list[f];
	const struct ehci_ep *sw = e->frame_shadow[f];
	unsigned last_period = EHCI_MAX_PERIOD;

	for (unsigned hops = 0; !(link & EHCI_LINK_TERMINATE); hops++) {
		if (!sw || hops == EHCI_DUMP_MAX_QH || EHCI_LINK_ADDR(link) != sw->qh_dma ||
		    !dma_pool_phys_to_virt(e->pool, EHCI_LINK_ADDR(link)))
			return "a frame's links differ from the driver's interrupt tree";
		if (sw->period > last_period || f % sw->period != sw->phase)
			return "an interrupt QH sits in a frame outside its period and phase";
		last_period = sw->period;
		link = sw->qh->hlink;
		sw = sw->tree_next;
	}
	return sw ? "a frame's chain ends before the driver's tree does" : NULL;
}

/* NULL if the controller runs the schedules the driver believes in. */
const char *ehci_schedule_error(struct ehci *e)
{
	uint32_t cmd = ehci_read(e, EHCI_USBCMD);

	if (e->dead)
		return "the controller was given up after fatal errors";
	if ((cmd & (EHCI_CMD_RUN | EHCI_CMD_ASE | EHCI_CMD_PSE)) !=
		    (EHCI_CMD_RUN | EHCI_CMD_ASE | EHCI_CMD_PSE) ||
	    (ehci_read(e, EHCI_USBSTS) & EHCI_STS_HALTED))
		return "the controller or one of its schedules is not running";
	if (ehci_read(e, EHCI_ASYNCLISTADDR) != (uint32_t)e->head_dma ||
	    ehci_read(e, EHCI_PERIODICLISTBASE) != (uint32_t)e->frame_list_dma)
		return "ASYNCLISTADDR/PERIODICLISTBASE do not point at the driver's schedules";
	if (!(e->head->ep_char & EHCI_QH_HEAD) || !(e->head->token & EHCI_TOK_HALTED))
		return "the async head QH lost its H bit or halted overlay";
	const char *why = async_ring_error(e);
	for (unsigned f = 0; !why && f < EHCI_FRAME_LIST_ENTRIES; f++)
		why = frame_error(e, f);
	return why;
}

void ehci_dump(struct usb_hcd *hcd)
{
	struct ehci *e = hcd_to_ehci(hcd);
	const struct ehci_stats *s = &e->stats;

	kprintf("ehci%d: HCSPARAMS %08x HCCPARAMS %08x, %u ports, %u companions%s\n",
		e->index, e->hcsparams, e->hccparams, e->n_ports,
		EHCI_HCS_N_CC(e->hcsparams), e->dead ? ", DEAD" : "");
	kprintf(" USBCMD %08x USBSTS %08x USBINTR %08x FRINDEX %04x CONFIGFLAG %x\n",
		ehci_read(e, EHCI_USBCMD), ehci_read(e, EHCI_USBSTS),
		ehci_read(e, EHCI_USBINTR), ehci_read(e, EHCI_FRINDEX),
		ehci_read(e, EHCI_CONFIGFLAG));
	kprintf(" PERIODICLISTBASE %08x ASYNCLISTADDR %08x IRQ %u%s\n",
		ehci_read(e, EHCI_PERIODICLISTBASE), ehci_read(e, EHCI_ASYNCLISTADDR),
		e->irq_line, e->irq_ok ? "" : " (polling)");
	dump_ports(e);
	dump_async(e);
	dump_endpoints(e);
	const char *why = ehci_schedule_error(e);
	kprintf(" schedules: %s\n", why ? why : "consistent");
	kprintf(" irqs %lu transfers %lu doorbells %lu (slow %lu, lost %lu, kicks %lu) "
		"soft retries %lu resets %lu\n",
		(unsigned long)s->irqs, (unsigned long)s->xfers,
		(unsigned long)s->iaa_rings, (unsigned long)s->iaa_slow,
		(unsigned long)s->iaa_lost, (unsigned long)s->kicks,
		(unsigned long)s->soft_retries,
		(unsigned long)s->resets);
}

static bool parse_index(const char *arg, int *index)
{
	uint64_t v;

	if (!kstrtou64(arg, &v) || v > 64 || !ehci_by_index((int)v))
		return false;
	*index = (int)v;
	return true;
}

static int cmd_ehcidump(int argc, char **argv)
{
	int index = -1;

	if (argc > 2 || (argc == 2 && !parse_index(argv[1], &index))) {
		kprintf("usage: ehcidump [controller]  (no such controller)\n");
		return 1;
	}
	if (!ehci_by_index(0)) {
		kprintf("ehcidump: no EHCI controller\n");
		return 1;
	}
	for (int i = 0; ehci_by_index(i); i++)
		if (index < 0 || index == i)
			ehci_dump(&ehci_by_index(i)->hcd);
	return 0;
}
SHELL_COMMAND(ehcidump, "ehcidump", "ehcidump [controller]",
	      "EHCI registers, ports, async ring, periodic QHs", cmd_ehcidump);
