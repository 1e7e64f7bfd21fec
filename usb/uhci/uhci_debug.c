/*
 * Debug view of a UHCI controller: registers, root ports, and the schedule
 * as the controller sees it, walked through the hardware link pointers
 * (each translated with the DMA pool, so a corrupt link shows up as such).
 * Reached through the hcd `dump` op and the `uhcidump` shell command; the
 * same walk, as a checker, backs the `uhci_schedule_is_consistent` ktest.
 */
#include "dma_pool.h"
#include "hw.h"
#include "kstring.h"
#include "printk.h"
#include "shell.h"
#include "uhci.h"

#define DUMP_MAX_TDS 8
#define DUMP_MAX_QHS 64

static const char *pid_name(uint32_t token)
{
	switch (token & UHCI_TD_PID_MASK) {
	case UHCI_PID_SETUP: return "SETUP";
	case UHCI_PID_IN: return "IN";
	case UHCI_PID_OUT: return "OUT";
	default: return "?";
	}
}

static void dump_td(const struct uhci_td *td, dma_addr_t dma)
{
	uint32_t ctrl = td->ctrl, tok = td->token;
	kprintf("      td %08x %-5s dev %u ep %u D%u max %u", (unsigned)dma, pid_name(tok),
		(tok >> UHCI_TD_ADDR_SHIFT) & 0x7F, (tok >> UHCI_TD_ENDPT_SHIFT) & 0xF,
		!!(tok & UHCI_TD_TOGGLE), UHCI_TD_MAXLEN(tok));
	if (ctrl & UHCI_TD_ACTIVE)
		kprintf(" active%s\n", ctrl & UHCI_TD_NAK ? " nak" : "");
	else
		kprintf(" got %u%s%s%s%s%s\n", UHCI_TD_ACTLEN(ctrl),
			ctrl & UHCI_TD_STALLED ? " stalled" : "",
			ctrl & UHCI_TD_DBUFERR ? " dbuf" : "", ctrl & UHCI_TD_BABBLE ? " babble" : "",
			ctrl & UHCI_TD_CRC_TIMEOUT ? " crc/timeout" : "",
			ctrl & UHCI_TD_BITSTUFF ? " bitstuff" : "");
}

static void dump_element(struct uhci_hc *hc, uint32_t el)
{
	for (int n = 0; n < DUMP_MAX_TDS && !(el & UHCI_LINK_TERMINATE); n++) {
		if (el & UHCI_LINK_QH) {
			kprintf("      -> QH %08x\n", (unsigned)UHCI_LINK_ADDR(el));
			return;
		}
		const struct uhci_td *td = dma_pool_phys_to_virt(hc->pool, UHCI_LINK_ADDR(el));
		if (!td) {
			kprintf("      td %08x: NOT IN THE POOL\n", (unsigned)UHCI_LINK_ADDR(el));
			return;
		}
		dump_td(td, UHCI_LINK_ADDR(el));
		el = td->link;
	}
}

static const struct uhci_ep *ep_of_qh(struct uhci_hc *hc, dma_addr_t dma)
{
	const struct uhci_ep *e;
	list_for_each_entry(e, &hc->eps, node)
		if (e->qh_dma == dma)
			return e;
	return NULL;
}

static void dump_qh_name(struct uhci_hc *hc, dma_addr_t dma)
{
	for (int i = 0; i < UHCI_NUM_SKELS; i++) {
		if (hc->skel_dma[i] != dma)
			continue;
		if (i == UHCI_SKEL_CONTROL)
			kprintf("  skel control");
		else if (i == UHCI_SKEL_BULK)
			kprintf("  skel bulk");
		else
			kprintf("  skel int%u", 1u << (UHCI_SKEL_INT1 - i));
		return;
	}
	const struct uhci_ep *e = ep_of_qh(hc, dma);
	if (e && e->hcd.usb)
		kprintf("    ep dev %u ep %02x toggle %u", e->hcd.usb->dev_addr,
			e->hcd.usb->ep_addr, e->toggle);
	else
		kprintf("    qh (%s)", e ? "closing" : "unknown");
}

static void dump_schedule(struct uhci_hc *hc)
{
	uint32_t link = (uint32_t)hc->skel_dma[UHCI_SKEL_INT128] | UHCI_LINK_QH;
	for (int n = 0; n < DUMP_MAX_QHS && !(link & UHCI_LINK_TERMINATE); n++) {
		dma_addr_t dma = UHCI_LINK_ADDR(link);
		const struct uhci_qh *qh = dma_pool_phys_to_virt(hc->pool, dma);
		if (!qh) {
			kprintf("  QH %08x: NOT IN THE POOL\n", (unsigned)dma);
			return;
		}
		dump_qh_name(hc, dma);
		kprintf(" qh %08x element %08x\n", (unsigned)dma, qh->element);
		dump_element(hc, qh->element);
		link = qh->link;
	}
}

static void dump_ports(struct uhci_hc *hc)
{
	for (unsigned p = 0; p < hc->hcd.num_ports; p++) {
		uint16_t v = uhci_read16(hc, UHCI_PORTSC1 + 2 * p);
		kprintf("  port %u: %04x%s%s%s%s%s%s\n", p + 1, v,
			v & UHCI_PORT_CCS ? " connected" : "", v & UHCI_PORT_PE ? " enabled" : "",
			v & UHCI_PORT_LSDA ? " low-speed" : "", v & UHCI_PORT_PR ? " reset" : "",
			v & UHCI_PORT_CSC ? " CSC" : "", v & UHCI_PORT_PEC ? " PEC" : "");
	}
}

void uhci_dump(struct usb_hcd *hcd)
{
	struct uhci_hc *hc = hcd->priv;
	kprintf("%s: bus %d, I/O %04x%s%s, resets %u\n", hc->name, hcd->busnum, hc->io,
		hc->polling ? ", polling" : "", hc->dead ? ", DEAD" : "", hc->resets);
	kprintf("  USBCMD %04x USBSTS %04x USBINTR %04x FRNUM %04x FRBASEADD %08x SOFMOD %02x\n",
		uhci_read16(hc, UHCI_USBCMD), uhci_read16(hc, UHCI_USBSTS),
		uhci_read16(hc, UHCI_USBINTR), uhci_read16(hc, UHCI_FRNUM),
		inl(hc->io + UHCI_FRBASEADD), inb(hc->io + UHCI_SOFMOD));
	dump_ports(hc);
	dump_schedule(hc);
	unsigned retired = 0;
	for (const struct list_node *n = hc->retired.next; n != &hc->retired; n = n->next)
		retired++;
	kprintf("  retired transfers awaiting free: %u\n", retired);
	kprintf("  transfers: %llu ok, %llu failed, %llu cancelled, %llu timed out; "
		"%llu QH unlinks (%llu to avoid racing the controller), %llu halts cleared\n",
		(unsigned long long)hc->stats.completed, (unsigned long long)hc->stats.failed,
		(unsigned long long)hc->stats.cancelled, (unsigned long long)hc->stats.timed_out,
		(unsigned long long)hc->stats.unlinks, (unsigned long long)hc->stats.element_races,
		(unsigned long long)hc->stats.halts_cleared);
}

static bool is_skel(struct uhci_hc *hc, dma_addr_t dma, int *index)
{
	for (int i = 0; i < UHCI_NUM_SKELS; i++) {
		if (hc->skel_dma[i] == dma) {
			*index = i;
			return true;
		}
	}
	return false;
}

/* Every linked endpoint QH exactly once, the skeletons in order, every link
 * inside the pool, and an end. */
static const char *check_qh_chain(struct uhci_hc *hc)
{
	uint32_t link = (uint32_t)hc->skel_dma[UHCI_SKEL_INT128] | UHCI_LINK_QH;
	unsigned linked = 0, seen = 0;
	int next_skel = UHCI_SKEL_INT128, index;
	const struct uhci_ep *e;
	list_for_each_entry(e, &hc->eps, node)
		linked += e->state == UHCI_EP_LINKED;
	for (unsigned n = 0; !(link & UHCI_LINK_TERMINATE); n++) {
		dma_addr_t dma = UHCI_LINK_ADDR(link);
		const struct uhci_qh *qh = dma_pool_phys_to_virt(hc->pool, dma);
		if (!qh || !(link & UHCI_LINK_QH) || n > linked + UHCI_NUM_SKELS)
			return "QH list leaves the pool, holds a TD or loops";
		if (is_skel(hc, dma, &index)) {
			if (index != next_skel++)
				return "skeleton QHs out of order";
		} else {
			e = ep_of_qh(hc, dma);
			if (!e || e->state != UHCI_EP_LINKED)
				return "a QH in the schedule belongs to no linked endpoint";
			seen++;
		}
		link = qh->link;
	}
	if (next_skel != UHCI_NUM_SKELS)
		return "schedule ends before the bulk skeleton";
	return seen == linked ? NULL : "a linked endpoint is missing from the schedule";
}

const char *uhci_schedule_error(struct uhci_hc *hc)
{
	if (hc->dead)
		return "the controller was given up after fatal errors";
	if (inl(hc->io + UHCI_FRBASEADD) != (uint32_t)hc->frame_list_dma)
		return "FRBASEADD does not point at the frame list";
	for (unsigned f = 0; f < UHCI_FRAMES; f++) {
		uint32_t entry = hc->frame_list[f];
		int index;
		if (!(entry & UHCI_LINK_QH) || !is_skel(hc, UHCI_LINK_ADDR(entry), &index) ||
		    index > UHCI_SKEL_INT1)
			return "a frame list entry is not an interrupt skeleton QH";
	}
	return check_qh_chain(hc);
}

static int cmd_uhcidump(int argc, char **argv)
{
	if (argc > 1) {
		kprintf("usage: uhcidump\n");
		return 1;
	}
	if (uhci_hc_count == 0)
		kprintf("no UHCI controllers\n");
	for (unsigned i = 0; i < uhci_hc_count; i++)
		uhci_dump(&uhci_hcs[i]->hcd);
	return 0;
}

SHELL_COMMAND(uhcidump, "uhcidump", "uhcidump",
	      "print UHCI registers, root ports and the schedule", cmd_uhcidump);
