/*
 * Host tests for the UHCI driver (usb/uhci/uhci.c, uhci_xfer.c,
 * uhci_debug.c) against a fake register file and the kernel around a
 * driver faked by fake_hcd.c (with the real DMA pool). The test plays the controller: it completes TDs the way QEMU's
 * UHCI model does (advancing the QH element after a good TD, leaving it on
 * a short or failed one), raises the interrupt, moves the frame counter
 * and runs the driver's work item.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_hcd.h"
#include "fake_uhci_io.h"
#include "harness.h"
#include "mm.h"
#include "pci.h"
#include "seams.h"
#include "uhci.h"

#define IO_BASE 0xc040

static struct pci_dev pdev;
static struct uhci_hc *hc;
static long base_live; /* chunks held by the controller itself */

static const struct pci_driver *uhci_driver(void) { return fake_pci_driver("uhci_hcd"); }

/* A controller as the BIOS leaves it, not yet probed. */
static void prepare_controller(uint8_t line)
{
	seam_log_clear();
	fake_hcd_reset();
	fake_uhci_reset(IO_BASE, 2);
	fake_uhci.config[0xC0 / 4] = 0x0000bf10; /* BIOS left SMI bits set */
	fake_uhci.portsc[1] |= UHCI_PORT_PR | UHCI_PORT_SUSP; /* and port 2 busy */
	fake_uhci.config[PCI_COMMAND / 4] = PCI_CMD_INTX_DISABLE; /* and INTx off */
	memset(&pdev, 0, sizeof(pdev));
	pdev.bar[4] = (struct pci_bar){ .base = IO_BASE, .size = 32, .is_io = true };
	pdev.irq_line = line;
	pdev.irq_pin = 1;
	uhci_hc_count = 0;
	CHECK(uhci_driver() != NULL);
}

static void boot_with_irq(uint8_t line)
{
	prepare_controller(line);
	CHECK_EQ(uhci_driver()->probe(&pdev), 0);
	hc = pdev.driver_data;
	base_live = fake_dma_live_chunks();
}

static void boot(void) { boot_with_irq(11); }

static void shutdown(void)
{
	CHECK(hc->dead || uhci_schedule_error(hc) == NULL);
	CHECK(list_empty(&hc->eps));
	CHECK_EQ(fake_dma_live_chunks(), base_live);
	kfree(hc);
	hc = NULL;
}

static void run_work(void)
{
	while (work_run_pending())
		;
}

static void advance_frames(unsigned n)
{
	fake_uhci.frnum = (fake_uhci.frnum + n) & UHCI_FRNUM_MASK;
	seam_now_ns += n * 1000000ull;
	run_work();
}

static void raise_irq(uint16_t bits)
{
	fake_uhci.usbsts |= bits;
	CHECK(fake_irq_registered());
	CHECK(fake_irq_fire());
	CHECK_EQ(fake_uhci.usbsts & bits & UHCI_STS_CAUSES, 0); /* acknowledged */
	run_work();
}

/* Acts as the controller on the QH's element TD. */
static void hc_do_td(struct uhci_qh *qh, unsigned actual, uint32_t err)
{
	CHECK(!(qh->element & UHCI_LINK_TERMINATE));
	struct uhci_td *td = fake_dma_virt(UHCI_LINK_ADDR(qh->element));
	CHECK(td != NULL);
	if (!td)
		return;
	CHECK(td->ctrl & UHCI_TD_ACTIVE);
	td->ctrl = (td->ctrl & ~(UHCI_TD_ACTIVE | 0x7FFu)) | ((actual - 1) & 0x7FF) | err;
	bool short_packet = (td->ctrl & UHCI_TD_SPD) && actual < UHCI_TD_MAXLEN(td->token);
	if (!err && !short_packet)
		qh->element = td->link;
}

static void hc_do_chain(struct uhci_qh *qh)
{
	while (!(qh->element & UHCI_LINK_TERMINATE)) {
		struct uhci_td *td = fake_dma_virt(UHCI_LINK_ADDR(qh->element));
		hc_do_td(qh, UHCI_TD_MAXLEN(td->token), 0);
	}
}

static bool qh_in_schedule(dma_addr_t qh_dma)
{
	uint32_t link = (uint32_t)hc->skel_dma[UHCI_SKEL_INT128] | UHCI_LINK_QH;
	for (int n = 0; n < 100 && !(link & UHCI_LINK_TERMINATE); n++) {
		if (UHCI_LINK_ADDR(link) == qh_dma)
			return true;
		link = ((struct uhci_qh *)fake_dma_virt(UHCI_LINK_ADDR(link)))->link;
	}
	return false;
}

static struct usb_endpoint control_ep(uint8_t addr)
{
	return (struct usb_endpoint){ .dev_addr = addr, .speed = USB_SPEED_FULL,
				      .type = USB_EP_CONTROL, .max_packet = 8 };
}

static struct usb_setup setup_pkt;
static struct usb_xfer control_xfer(struct usb_endpoint *ep, struct fake_completion *d, size_t len)
{
	setup_pkt = (struct usb_setup){ .bmRequestType = 0x80, .bRequest = 6,
					.wValue = 0x0100, .wLength = (uint16_t)len };
	return (struct usb_xfer){ .ep = ep, .setup = &setup_pkt, .setup_dma = 0x5000,
				  .buf_dma = 0x6000, .len = len, .complete = fake_complete,
				  .ctx = d };
}

/* One control endpoint with one control read on it. */
struct control_read {
	struct usb_endpoint ep;
	struct fake_completion done;
	struct usb_xfer x;
};
static struct control_read cr;

/* Opens a control endpoint of device addr and prepares a control read of
 * len bytes on it, submitted if `submit`. */
static struct control_read *open_control_read(uint8_t addr, size_t len, bool submit)
{
	cr = (struct control_read){ .ep = control_ep(addr) };
	CHECK_EQ(hc->hcd.ops->ep_open(&hc->hcd, &cr.ep), 0);
	cr.x = control_xfer(&cr.ep, &cr.done, len);
	if (submit)
		CHECK_EQ(hc->hcd.ops->submit(&hc->hcd, &cr.x), 0);
	return &cr;
}

static struct uhci_qh *qh_of(struct usb_endpoint *ep)
{
	return ((struct uhci_ep *)ep->hcpriv)->qh;
}

static struct usb_endpoint interrupt_in(uint8_t dev_addr, uint8_t ep_addr, uint8_t interval)
{
	return (struct usb_endpoint){ .dev_addr = dev_addr, .speed = USB_SPEED_FULL,
				      .ep_addr = ep_addr, .type = USB_EP_INTERRUPT,
				      .max_packet = 8, .interval = interval };
}

static struct usb_xfer data_xfer(struct usb_endpoint *ep, struct fake_completion *d, size_t len)
{
	return (struct usb_xfer){ .ep = ep, .buf_dma = 0x7000, .len = len,
				  .complete = fake_complete, .ctx = d };
}

static void open_eps(struct usb_endpoint *a, struct usb_endpoint *b)
{
	CHECK_EQ(hc->hcd.ops->ep_open(&hc->hcd, a), 0);
	if (b)
		CHECK_EQ(hc->hcd.ops->ep_open(&hc->hcd, b), 0);
}

/* Closes the endpoints, lets the frame counter move on, checks nothing
 * leaked. */
static void close_and_shutdown(struct usb_endpoint *a, struct usb_endpoint *b)
{
	hc->hcd.ops->ep_close(&hc->hcd, a);
	if (b)
		hc->hcd.ops->ep_close(&hc->hcd, b);
	advance_frames(2);
	shutdown();
}

TEST(probe_hands_off_resets_and_starts)
{
	boot();
	CHECK_EQ(fake_uhci.config[0xC0 / 4] & 0xFFFF, UHCI_LEGSUP_PIRQ);
	CHECK(fake_uhci.gresets >= 1);
	CHECK(fake_uhci.hcresets >= 1);
	CHECK_EQ(fake_uhci.usbcmd, UHCI_CMD_RS | UHCI_CMD_CF | UHCI_CMD_MAXP);
	CHECK_EQ(fake_uhci.usbintr, 0xF);
	CHECK_EQ(fake_uhci.sofmod, 64);
	CHECK(!(fake_uhci.usbsts & UHCI_STS_HCH));
	CHECK_EQ(fake_uhci.frbaseadd, hc->frame_list_dma);
	CHECK_EQ(hc->frame_list_dma & 0xFFF, 0);
	CHECK_EQ(fake_uhci.config[1] & 0xFFFF, PCI_CMD_IO | PCI_CMD_BUS_MASTER);
	CHECK_EQ(fake_irq_line(), 11);
	CHECK(fake_last_hcd == &hc->hcd);
	CHECK_EQ(hc->hcd.num_ports, 2);
	CHECK(strcmp(hc->hcd.driver_name, "uhci_hcd") == 0);
	CHECK_EQ(hc->hcd.speed, USB_SPEED_FULL);
	CHECK_EQ(fake_uhci.portsc[1], UHCI_PORT_VALID); /* HCRESET alone keeps PR */
	shutdown();
}

TEST(frame_list_serves_each_period_once_per_period)
{
	boot();
	/* Count, over 1024 frames, how often each skeleton is visited. */
	unsigned visits[UHCI_NUM_SKELS] = { 0 };
	for (unsigned f = 0; f < UHCI_FRAMES; f++) {
		uint32_t link = hc->frame_list[f];
		CHECK(link & UHCI_LINK_QH);
		for (int n = 0; n < 20 && !(link & UHCI_LINK_TERMINATE); n++) {
			for (int i = 0; i < UHCI_NUM_SKELS; i++)
				if (hc->skel_dma[i] == UHCI_LINK_ADDR(link))
					visits[i]++;
			link = ((struct uhci_qh *)fake_dma_virt(UHCI_LINK_ADDR(link)))->link;
		}
	}
	for (int k = 0; k <= 7; k++)
		CHECK_EQ(visits[UHCI_SKEL_INT1 - k], UHCI_FRAMES >> k);
	CHECK_EQ(visits[UHCI_SKEL_CONTROL], UHCI_FRAMES);
	CHECK_EQ(visits[UHCI_SKEL_BULK], UHCI_FRAMES);
	shutdown();
}

TEST(counts_ports_until_bit7_clear)
{
	seam_log_clear();
	fake_hcd_reset();
	fake_uhci_reset(IO_BASE, 5);
	fake_uhci.portsc[3] = 0; /* port 4 does not exist on this chip */
	pdev.bar[4] = (struct pci_bar){ .base = IO_BASE, .size = 32, .is_io = true };
	pdev.irq_line = 11;
	pdev.irq_pin = 1;
	uhci_hc_count = 0;
	CHECK_EQ(uhci_driver()->probe(&pdev), 0);
	hc = pdev.driver_data;
	CHECK_EQ(hc->hcd.num_ports, 3);
	base_live = fake_dma_live_chunks();
	shutdown();
}

TEST(rejects_memory_bar)
{
	fake_hcd_reset();
	fake_uhci_reset(IO_BASE, 2);
	struct pci_dev d = { .dev = 1, .fn = 2 };
	d.bar[4] = (struct pci_bar){ .base = 0xfebf0000, .size = 4096 };
	seam_log_clear();
	CHECK(uhci_driver()->probe(&d) != 0);
	CHECK(seam_log_contains("BAR4 is not an I/O range"));
}

TEST(root_port_reset_enables_and_reports_speed)
{
	boot();
	const struct usb_hcd_ops *ops = hc->hcd.ops;
	CHECK_EQ(ops->port_status(&hc->hcd, 1), 0);
	fake_uhci_connect(1, false);
	fake_uhci_connect(2, true);
	CHECK_EQ(ops->port_status(&hc->hcd, 1), USB_PORT_CONNECTED | USB_PORT_CONNECT_CHANGE);
	ops->port_clear_changes(&hc->hcd, 1);
	CHECK_EQ(ops->port_status(&hc->hcd, 1), USB_PORT_CONNECTED);
	CHECK_EQ(ops->port_status(&hc->hcd, 2) & USB_PORT_CONNECT_CHANGE, USB_PORT_CONNECT_CHANGE);
	CHECK_EQ(ops->port_reset_start(&hc->hcd, 1), 0);
	CHECK(fake_uhci.portsc[0] & UHCI_PORT_PR);
	enum usb_speed speed = USB_SPEED_HIGH;
	CHECK_EQ(ops->port_reset_finish(&hc->hcd, 1, &speed), 0);
	CHECK_EQ(speed, USB_SPEED_FULL);
	CHECK(!(fake_uhci.portsc[0] & UHCI_PORT_PR));
	CHECK(ops->port_status(&hc->hcd, 1) & USB_PORT_ENABLED);
	ops->port_reset_start(&hc->hcd, 2);
	CHECK_EQ(ops->port_reset_finish(&hc->hcd, 2, &speed), 0);
	CHECK_EQ(speed, USB_SPEED_LOW);
	/* Resetting port 2 did not clear port 2's pending connect change. */
	CHECK(ops->port_status(&hc->hcd, 2) & USB_PORT_CONNECT_CHANGE);
	ops->port_disable(&hc->hcd, 1);
	CHECK(!(ops->port_status(&hc->hcd, 1) & USB_PORT_ENABLED));
	fake_uhci_disconnect(2);
	CHECK_EQ(ops->port_status(&hc->hcd, 2),
		 USB_PORT_CONNECT_CHANGE | USB_PORT_ENABLE_CHANGE);
	CHECK_EQ(fake_uhci.reserved_writes, 0);
	shutdown();
}

TEST(root_port_reset_without_device_fails_cleanly)
{
	boot();
	const struct usb_hcd_ops *ops = hc->hcd.ops;
	enum usb_speed speed;
	ops->port_reset_start(&hc->hcd, 1);
	CHECK_EQ(ops->port_reset_finish(&hc->hcd, 1, &speed), USB_ERR_NODEV);
	CHECK_EQ(ops->port_reset_start(&hc->hcd, 3), USB_ERR_INVAL);
	CHECK_EQ(ops->port_status(&hc->hcd, 0), 0);
	shutdown();
}

TEST(control_transfer_completes_on_interrupt_and_tds_are_freed_later)
{
	boot();
	struct usb_endpoint ep = control_ep(0);
	CHECK_EQ(hc->hcd.ops->ep_open(&hc->hcd, &ep), 0);
	struct uhci_ep *uep = ep.hcpriv;
	CHECK(qh_in_schedule(uep->qh_dma));
	CHECK_EQ(uep->skel, UHCI_SKEL_CONTROL);
	struct fake_completion d = { 0 };
	struct usb_xfer x = control_xfer(&ep, &d, 18);
	CHECK_EQ(hc->hcd.ops->submit(&hc->hcd, &x), 0);
	CHECK_EQ(fake_dma_live_chunks(), base_live + 1 + 5);
	hc_do_chain(qh_of(&ep));
	raise_irq(UHCI_STS_USBINT);
	fake_check_completion(&d, 1, USB_OK, 18);
	CHECK(x.hcpriv == NULL);
	CHECK_EQ(fake_dma_live_chunks(), base_live + 1 + 5); /* retired, not yet free */
	advance_frames(2);
	CHECK_EQ(fake_dma_live_chunks(), base_live + 1);
	hc->hcd.ops->ep_close(&hc->hcd, &ep);
	CHECK(!qh_in_schedule(uep->qh_dma));
	advance_frames(2);
	shutdown();
}

TEST(short_control_read_runs_status_stage)
{
	boot();
	struct control_read *c = open_control_read(3, 64, true);
	struct uhci_qh *qh = qh_of(&c->ep);
	hc_do_td(qh, 8, 0);  /* SETUP */
	hc_do_td(qh, 8, 0);  /* DATA1 */
	hc_do_td(qh, 4, 0);  /* short DATA0: the queue stops here */
	raise_irq(UHCI_STS_USBINT);
	CHECK_EQ(c->done.calls, 0);
	struct uhci_td *status = fake_dma_virt(UHCI_LINK_ADDR(qh->element));
	CHECK(status != NULL && (status->token & 0xFF) == UHCI_PID_OUT);
	hc_do_td(qh, 0, 0);
	CHECK(qh->element & UHCI_LINK_TERMINATE);
	raise_irq(UHCI_STS_USBINT);
	fake_check_completion(&c->done, 1, USB_OK, 12);
	close_and_shutdown(&c->ep, NULL);
}

TEST(stall_is_reported_and_queue_continues)
{
	boot();
	struct usb_endpoint ep = control_ep(3);
	hc->hcd.ops->ep_open(&hc->hcd, &ep);
	struct fake_completion d1 = { 0 }, d2 = { 0 };
	struct usb_xfer x1 = control_xfer(&ep, &d1, 8), x2 = control_xfer(&ep, &d2, 0);
	hc->hcd.ops->submit(&hc->hcd, &x1);
	hc->hcd.ops->submit(&hc->hcd, &x2);
	struct uhci_qh *qh = qh_of(&ep);
	hc_do_td(qh, 8, 0);
	hc_do_td(qh, 0, UHCI_TD_STALLED);
	raise_irq(UHCI_STS_ERROR);
	fake_check_completion(&d1, 1, USB_ERR_STALL, FAKE_ANY_LENGTH);
	CHECK_EQ(d2.calls, 0);
	/* The second transfer now owns the element. */
	struct uhci_td *td = fake_dma_virt(UHCI_LINK_ADDR(qh->element));
	CHECK(td != NULL && (td->token & 0xFF) == UHCI_PID_SETUP && (td->ctrl & UHCI_TD_ACTIVE));
	hc_do_chain(qh);
	raise_irq(UHCI_STS_USBINT);
	fake_check_completion(&d2, 1, USB_OK, FAKE_ANY_LENGTH);
	close_and_shutdown(&ep, NULL);
}

static unsigned head_toggle(struct uhci_qh *qh)
{
	struct uhci_td *td = fake_dma_virt(UHCI_LINK_ADDR(qh->element));
	return td ? !!(td->token & UHCI_TD_TOGGLE) : 99;
}

TEST(bulk_toggles_carry_over_and_reset_on_core_clear_halt)
{
	boot();
	struct usb_endpoint bulk = { .dev_addr = 4, .speed = USB_SPEED_FULL, .ep_addr = 0x81,
				     .type = USB_EP_BULK, .max_packet = 64 };
	struct usb_endpoint ep0 = control_ep(4);
	open_eps(&bulk, &ep0);
	struct uhci_qh *qh = qh_of(&bulk);
	struct fake_completion d = { 0 };
	struct usb_xfer x = data_xfer(&bulk, &d, 192);
	hc->hcd.ops->submit(&hc->hcd, &x);
	CHECK_EQ(head_toggle(qh), 0);
	hc_do_chain(qh);
	raise_irq(UHCI_STS_USBINT);
	CHECK_EQ(d.actual, 192);
	hc->hcd.ops->submit(&hc->hcd, &x); /* three packets: next is DATA1 */
	CHECK_EQ(head_toggle(qh), 1);
	hc_do_td(qh, 10, 0);                /* short DATA1 ends it */
	raise_irq(UHCI_STS_USBINT);
	CHECK_EQ(d.calls, 2);
	CHECK_EQ(d.actual, 10);
	CHECK(qh->element & UHCI_LINK_TERMINATE);
	x.len = 64;
	hc->hcd.ops->submit(&hc->hcd, &x); /* one DATA0 packet */
	CHECK_EQ(head_toggle(qh), 0);
	hc_do_chain(qh);
	raise_irq(UHCI_STS_USBINT);
	CHECK_EQ(((struct uhci_ep *)bulk.hcpriv)->toggle, 1);

	/* A control transfer alone does not touch it: only ep_reset does. */
	struct fake_completion dc = { 0 };
	struct usb_xfer clear = control_xfer(&ep0, &dc, 0);
	setup_pkt = (struct usb_setup){ .bmRequestType = 0x02, .bRequest = 1, .wValue = 0,
					.wIndex = 0x81 };
	hc->hcd.ops->submit(&hc->hcd, &clear);
	hc_do_chain(qh_of(&ep0));
	raise_irq(UHCI_STS_USBINT);
	CHECK_EQ(dc.status, USB_OK);
	CHECK_EQ(((struct uhci_ep *)bulk.hcpriv)->toggle, 1);
	hc->hcd.ops->ep_reset(&hc->hcd, &bulk);
	CHECK_EQ(((struct uhci_ep *)bulk.hcpriv)->toggle, 0);
	hc->hcd.ops->submit(&hc->hcd, &x);
	CHECK_EQ(head_toggle(qh), 0);
	hc_do_chain(qh);
	raise_irq(UHCI_STS_USBINT);
	close_and_shutdown(&bulk, &ep0);
}

TEST(cancel_unlinks_then_completes_after_frame_moves)
{
	boot();
	struct usb_endpoint ep = { .dev_addr = 2, .speed = USB_SPEED_LOW, .ep_addr = 0x81,
				   .type = USB_EP_INTERRUPT, .max_packet = 8, .interval = 10 };
	hc->hcd.ops->ep_open(&hc->hcd, &ep);
	struct uhci_ep *uep = ep.hcpriv;
	CHECK_EQ(uep->skel, UHCI_SKEL_INT1 - 3); /* 10 ms -> every 8 frames */
	struct fake_completion d = { 0 };
	struct usb_xfer x = data_xfer(&ep, &d, 8);
	hc->hcd.ops->submit(&hc->hcd, &x);
	struct uhci_td *td = fake_dma_virt(UHCI_LINK_ADDR(uep->qh->element));
	CHECK(td->ctrl & UHCI_TD_LS);
	hc->hcd.ops->cancel(&hc->hcd, &x);
	CHECK(!qh_in_schedule(uep->qh_dma));
	run_work();
	CHECK_EQ(d.calls, 0); /* the frame has not moved yet */
	advance_frames(1);
	CHECK_EQ(d.calls, 0);
	advance_frames(1);
	fake_check_completion(&d, 1, USB_ERR_CANCELLED, FAKE_ANY_LENGTH);
	CHECK(qh_in_schedule(uep->qh_dma));
	CHECK(uep->qh->element & UHCI_LINK_TERMINATE);
	CHECK_EQ(fake_dma_live_chunks(), base_live + 1);
	close_and_shutdown(&ep, NULL);
}

TEST(timeout_unlinks_and_reports_setup_timeout)
{
	boot();
	struct control_read *c = open_control_read(5, 18, false);
	c->x.timeout_ns = 100 * 1000000ull;
	hc->hcd.ops->submit(&hc->hcd, &c->x);
	CHECK(fake_work_queued()); /* a deadline check is pending */
	seam_now_ns += 50 * 1000000ull;
	run_work();
	CHECK_EQ(c->done.calls, 0);
	seam_now_ns += 60 * 1000000ull;
	run_work();
	CHECK(!qh_in_schedule(((struct uhci_ep *)c->ep.hcpriv)->qh_dma));
	advance_frames(2);
	fake_check_completion(&c->done, 1, USB_ERR_SETUP_TIMEOUT, FAKE_ANY_LENGTH);
	CHECK(seam_log_contains("timed out"));
	CHECK_EQ(hc->stats.timed_out, 1);
	CHECK_EQ(hc->stats.unlinks, 1);
	close_and_shutdown(&c->ep, NULL);
}

TEST(close_with_pending_transfers_cancels_and_frees_everything)
{
	boot();
	struct usb_endpoint ep = { .dev_addr = 6, .speed = USB_SPEED_FULL, .ep_addr = 0x02,
				   .type = USB_EP_BULK, .max_packet = 64 };
	hc->hcd.ops->ep_open(&hc->hcd, &ep);
	struct fake_completion d = { 0 };
	struct usb_xfer x[3];
	for (int i = 0; i < 3; i++) {
		x[i] = (struct usb_xfer){ .ep = &ep, .buf_dma = 0x8000, .len = 1000,
					  .complete = fake_complete, .ctx = &d };
		CHECK_EQ(hc->hcd.ops->submit(&hc->hcd, &x[i]), 0);
	}
	hc_do_td(((struct uhci_ep *)ep.hcpriv)->qh, 64, 0);
	hc->hcd.ops->ep_close(&hc->hcd, &ep);
	CHECK(ep.hcpriv == NULL);
	run_work();
	CHECK_EQ(d.calls, 0);
	advance_frames(2);
	fake_check_completion(&d, 3, USB_ERR_CANCELLED, FAKE_ANY_LENGTH);
	shutdown();
}

TEST(foreign_interrupt_is_not_claimed)
{
	boot();
	fake_uhci.usbsts = 0;
	CHECK(fake_irq_registered());
	CHECK(!fake_irq_fire());
	CHECK(!fake_work_queued());
	shutdown();
}

TEST(process_error_resets_controller_and_fails_transfers)
{
	boot();
	struct control_read *c = open_control_read(7, 8, true);
	int resets_before = fake_uhci.hcresets;
	fake_uhci.usbcmd &= ~UHCI_CMD_RS;
	raise_irq(UHCI_STS_HCPE | UHCI_STS_HCH);
	fake_check_completion(&c->done, 1, USB_ERR_HC, FAKE_ANY_LENGTH);
	CHECK(seam_log_contains("host controller process error"));
	CHECK_EQ(fake_uhci.hcresets, resets_before + 1);
	CHECK_EQ(fake_reset_notifies, 1);
	CHECK(!(fake_uhci.usbsts & UHCI_STS_HCH));
	CHECK(qh_in_schedule(((struct uhci_ep *)c->ep.hcpriv)->qh_dma));
	CHECK_EQ(fake_dma_live_chunks(), base_live + 1);
	close_and_shutdown(&c->ep, NULL);
}

TEST(submit_out_of_dma_memory_fails_without_leaks)
{
	boot();
	struct control_read *c = open_control_read(8, 64, false);
	fake_fail_call(3);
	CHECK_EQ(hc->hcd.ops->submit(&hc->hcd, &c->x), USB_ERR_NOMEM);
	fake_fail_call(-1);
	CHECK_EQ(fake_dma_live_chunks(), base_live + 1);
	CHECK_EQ(c->done.calls, 0);
	close_and_shutdown(&c->ep, NULL);
}

TEST(dump_walks_the_schedule)
{
	boot();
	struct control_read *c = open_control_read(9, 8, true);
	seam_log_clear();
	hc->hcd.ops->dump(&hc->hcd);
	CHECK(seam_log_contains("skel int128"));
	CHECK(seam_log_contains("skel int1 "));
	CHECK(seam_log_contains("ep dev 9 ep 00"));
	CHECK(seam_log_contains("SETUP dev 9 ep 0 D0 max 8 active"));
	CHECK(seam_log_contains("OUT   dev 9 ep 0 D1 max 0 active"));
	CHECK(seam_log_contains("transfers: 0 ok, 0 failed, 0 cancelled, 0 timed out; "
				"0 QH unlinks"));
	CHECK(seam_log_contains("skel bulk"));
	if (getenv("SHOW_DUMP"))
		fputs(seam_log(), stderr);
	hc->hcd.ops->ep_close(&hc->hcd, &c->ep);
	advance_frames(2);
	CHECK_EQ(c->done.status, USB_ERR_CANCELLED);
	shutdown();
}

TEST(without_interrupt_line_the_work_item_polls)
{
	boot_with_irq(0xFF);
	CHECK(hc->polling);
	CHECK(!fake_irq_registered());
	CHECK(seam_log_contains("polling"));
	struct control_read *c = open_control_read(2, 8, true);
	CHECK(fake_work_queued());
	hc_do_chain(qh_of(&c->ep));
	fake_uhci.usbsts |= UHCI_STS_USBINT;
	advance_frames(1);
	fake_check_completion(&c->done, 1, USB_OK, FAKE_ANY_LENGTH);
	CHECK_EQ(fake_uhci.usbsts & UHCI_STS_USBINT, 0); /* acknowledged by the poll */
	close_and_shutdown(&c->ep, NULL);
}

TEST(repeated_fatal_errors_retire_the_controller)
{
	boot();
	struct usb_endpoint ep = control_ep(2);
	hc->hcd.ops->ep_open(&hc->hcd, &ep);
	for (int i = 0; i < 4; i++) {
		fake_uhci.usbcmd &= ~UHCI_CMD_RS;
		raise_irq(UHCI_STS_HSE | UHCI_STS_HCH);
	}
	CHECK(hc->dead);
	CHECK(seam_log_contains("host system error"));
	CHECK(seam_log_contains("giving up"));
	CHECK_EQ(fake_reset_notifies, 3);
	struct fake_completion d = { 0 };
	struct usb_xfer x = control_xfer(&ep, &d, 8);
	CHECK_EQ(hc->hcd.ops->submit(&hc->hcd, &x), USB_ERR_HC);
	hc->hcd.ops->ep_close(&hc->hcd, &ep);
	run_work(); /* halted for good: the endpoint is freed at once */
	shutdown();
}

/* Two 8-byte transfers queued on `in`; the device stalls the first. */
static void queue_two_and_stall_the_first(struct usb_endpoint *in, struct usb_xfer *x1,
					  struct fake_completion *d1, struct usb_xfer *x2, struct fake_completion *d2)
{
	*x1 = data_xfer(in, d1, 8);
	*x2 = *x1;
	x2->ctx = d2;
	hc->hcd.ops->submit(&hc->hcd, x1);
	hc->hcd.ops->submit(&hc->hcd, x2);
	hc_do_td(qh_of(in), 0, UHCI_TD_STALLED);
	raise_irq(UHCI_STS_ERROR);
}

TEST(stall_holds_the_queue_until_ep_reset_restarts_it_at_data0)
{
	boot();
	struct usb_endpoint in = interrupt_in(4, 0x83, 1);
	hc->hcd.ops->ep_open(&hc->hcd, &in);
	struct uhci_ep *uep = in.hcpriv;
	uep->toggle = 1;
	struct fake_completion d1 = { 0 }, d2 = { 0 };
	struct usb_xfer x1, x2;
	queue_two_and_stall_the_first(&in, &x1, &d1, &x2, &d2);
	CHECK_EQ(d1.calls, 1); /* the stall is reported at once */
	CHECK_EQ(d1.status, USB_ERR_STALL);
	CHECK_EQ(hc->stats.failed, 1);
	advance_frames(4);
	CHECK(uep->qh->element & UHCI_LINK_TERMINATE); /* x2 waits for ep_reset */
	CHECK_EQ(d2.calls, 0);
	hc->hcd.ops->ep_reset(&hc->hcd, &in);
	CHECK_EQ(hc->stats.halts_cleared, 1);
	CHECK_EQ(head_toggle(uep->qh), 0); /* x2 runs, from DATA0 */
	hc_do_chain(uep->qh);
	raise_irq(UHCI_STS_USBINT);
	fake_check_completion(&d2, 1, USB_OK, FAKE_ANY_LENGTH);
	close_and_shutdown(&in, NULL);
}

TEST(stalled_endpoint_closes_with_its_queue_cancelled)
{
	boot();
	struct usb_endpoint in = interrupt_in(4, 0x81, 1);
	hc->hcd.ops->ep_open(&hc->hcd, &in);
	struct fake_completion d1 = { 0 }, d2 = { 0 };
	struct usb_xfer x1, x2;
	queue_two_and_stall_the_first(&in, &x1, &d1, &x2, &d2);
	CHECK_EQ(d1.status, USB_ERR_STALL);
	hc->hcd.ops->ep_close(&hc->hcd, &in);
	advance_frames(2);
	fake_check_completion(&d2, 1, USB_ERR_CANCELLED, FAKE_ANY_LENGTH);
	shutdown();
}

TEST(schedule_checker_finds_damage)
{
	boot();
	struct usb_endpoint a = interrupt_in(2, 0x81, 8), b = control_ep(2);
	open_eps(&a, &b);
	CHECK(uhci_schedule_error(hc) == NULL);
	struct uhci_ep *uep = a.hcpriv;
	struct uhci_qh *skel = hc->skel[uep->skel];
	uint32_t saved = skel->link;
	skel->link = uep->qh->link; /* bypass the endpoint's QH */
	CHECK(uhci_schedule_error(hc) != NULL);
	skel->link = 0x00001000 | UHCI_LINK_QH; /* outside the pool */
	CHECK(uhci_schedule_error(hc) != NULL);
	skel->link = saved;
	uint32_t frame = hc->frame_list[5];
	hc->frame_list[5] = (uint32_t)uep->qh_dma | UHCI_LINK_QH;
	CHECK(uhci_schedule_error(hc) != NULL);
	hc->frame_list[5] = frame;
	CHECK(uhci_schedule_error(hc) == NULL);
	close_and_shutdown(&a, &b);
}

/* --- probe failures ---------------------------------------------------- */

/* After a failed probe: the controller halted and unclaimed, and the
 * rest of fake_hcd_check_released(). */
static void check_released(const struct fake_hcd_snapshot *before)
{
	CHECK(pdev.driver_data == NULL);
	CHECK_EQ(uhci_hc_count, 0);
	CHECK(fake_uhci.usbsts & UHCI_STS_HCH);
	fake_hcd_check_released(before);
}

static const char *const probe_steps[] = { "kzalloc", "dma_pool_create", "alloc_region",
					   "dma_pool_alloc", "irq_register", "usb_hcd_register" };

/* Probes once with the n-th fallible call failing; returns which step
 * failed, or NULL when the probe made fewer calls than that. */
static const char *probe_failing_call(long n)
{
	prepare_controller(11);
	struct fake_hcd_snapshot b = fake_hcd_snapshot();
	fake_fail_call(n);
	int rc = uhci_driver()->probe(&pdev);
	const char *what = fake_failed_call();
	if (!what || strcmp(what, "irq_register") == 0) {
		/* A missing interrupt is not fatal: the driver polls. */
		CHECK_EQ(rc, 0);
		CHECK(((struct uhci_hc *)pdev.driver_data)->polling == (what != NULL));
		kfree(pdev.driver_data);
		return what;
	}
	CHECK(rc != 0);
	check_released(&b);
	return what;
}

/* The controller, the pool, the frame list, 10 skeleton QHs, the
 * interrupt and the core: 16 calls at least. */
TEST(probe_failing_at_each_step_in_turn_releases_everything)
{
	fake_hcd_fail_each_call(probe_failing_call, 16, probe_steps, ARRAY_SIZE(probe_steps));
}

TEST(controller_that_will_not_reset_or_start_is_released)
{
	for (int stuck_in_reset = 0; stuck_in_reset < 2; stuck_in_reset++) {
		prepare_controller(11);
		fake_uhci.hcreset_stuck = stuck_in_reset;
		fake_uhci.run_stuck = !stuck_in_reset;
		struct fake_hcd_snapshot b = fake_hcd_snapshot();
		CHECK(uhci_driver()->probe(&pdev) != 0);
		CHECK(seam_log_contains(stuck_in_reset ? "HCRESET did not complete within 10 ms"
						       : "did not start"));
		CHECK(seam_log_contains("controller not started"));
		CHECK(fake_uhci.gresets == 1); /* the bus was reset all the same */
		check_released(&b);
		CHECK_EQ(fake_uhci.usbcmd & UHCI_CMD_RS, 0);
	}
}

TEST(fatal_errors_far_apart_do_not_retire_the_controller)
{
	boot();
	for (int i = 0; i < 6; i++) {
		seam_now_ns += 11 * 1000000000ull;
		fake_uhci.usbcmd &= ~UHCI_CMD_RS;
		raise_irq(UHCI_STS_HSE | UHCI_STS_HCH);
	}
	CHECK(!hc->dead);
	CHECK_EQ(hc->resets, 6);
	CHECK_EQ(fake_reset_notifies, 6);
	CHECK(!(fake_uhci.usbsts & UHCI_STS_HCH));
	shutdown();
}
