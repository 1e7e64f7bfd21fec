/*
 * Host tests for the EHCI driver against a controller model
 * (tests/unit/seams/fake_ehci.c): take-over from running firmware, port
 * routing and PORTSC change-bit masking, control/bulk transfers with
 * chains, short packets, halts and soft retries, cancellation through the
 * IAA doorbell (and its watchdog), timeouts, the periodic tree, recovery
 * from a host system error, and DMA pool chunks returning to baseline with
 * no misuse counted by the real pool (dma/pool.c). The model reads
 * descriptors only through live pool chunks and aborts on anything else.
 */
#include <string.h>

#include "../../usb/ehci/ehci.h"
#include "harness.h"
#include "pci.h"
#include "seams/seams.h"
#include "seams/fake_ehci.h"

static struct pci_dev pdev;
static const struct usb_hcd_ops *ops;

static struct ehci *probe_now(void)
{
	const struct pci_driver *drv = fake_pci_driver("ehci_hcd");

	CHECK(drv != NULL);
	CHECK_EQ(drv->order, 0);
	CHECK_EQ(drv->prog_if, 0x20);
	CHECK_EQ(drv->probe(&pdev), 0);
	struct ehci *e = pdev.driver_data;
	ops = e->hcd.ops;
	return e;
}

static struct ehci *probe(bool companions)
{
	fake_ehci_setup(&pdev, companions, true);
	return probe_now();
}

/* Lets the controller, its interrupt and the driver's work run a while. */
static void pump(void)
{
	for (int i = 0; i < 8; i++) {
		fake_ehci_run();
		fake_irq_fire();
		fake_work_run_for(0);
	}
}

static struct usb_endpoint make_ep(uint8_t addr, uint8_t ep_addr, enum usb_ep_type type,
				   uint16_t maxp, uint8_t interval)
{
	return (struct usb_endpoint){ .dev_addr = addr, .speed = USB_SPEED_HIGH,
				      .ep_addr = ep_addr, .type = type,
				      .max_packet = maxp, .interval = interval };
}

static struct usb_setup get_descriptor = { 0x80, 6, 0x0100, 0, 18 };
static struct usb_setup set_config = { 0x00, 9, 1, 0, 0 };

static struct usb_xfer control(struct usb_endpoint *ep, struct usb_setup *s,
			       size_t len, struct fake_completion *r)
{
	return (struct usb_xfer){ .ep = ep, .setup = s, .setup_dma = 0x30000000,
				  .buf_dma = 0x30001000, .len = len,
				  .complete = fake_complete, .ctx = r };
}

static struct usb_xfer bulk(struct usb_endpoint *ep, dma_addr_t buf, size_t len,
			    struct fake_completion *r)
{
	return (struct usb_xfer){ .ep = ep, .buf_dma = buf, .len = len,
				  .complete = fake_complete, .ctx = r };
}

static void submit_and_pump(struct usb_hcd *h, struct usb_xfer *x)
{
	CHECK_EQ(ops->submit(h, x), 0);
	pump();
}

/* --- scripted devices ---------------------------------------------------- */

static unsigned short_at = ~0u, short_len;   /* exec index answering short */
static unsigned xact_left, stall_at = ~0u, babble_at = ~0u;
static bool nak_all;

static void script_reset(void)
{
	short_at = stall_at = babble_at = ~0u;
	xact_left = 0;
	nak_all = false;
	fake_ehci.executed = 0;
}

static enum fake_outcome scripted(const struct fake_exec *x, uint32_t *actual)
{
	unsigned n = fake_ehci.executed;

	if (nak_all && x->pid != EHCI_PID_SETUP)
		return FAKE_NAK;
	if (xact_left) {
		xact_left--;
		return FAKE_XACT;
	}
	if (n == stall_at)
		return FAKE_STALL;
	if (n == babble_at)
		return FAKE_BABBLE;
	*actual = n == short_at ? short_len : x->len;
	return FAKE_OK;
}

struct fixture {
	long chunks, kmem;               /* pool chunks and kmallocs at start */
	struct usb_endpoint ep0, in;
};

static struct ehci *fixture_init(struct fixture *f)
{
	struct ehci *e = probe(true);

	f->chunks = fake_dma_live_chunks();
	f->kmem = fake_kmalloc_live;
	f->ep0 = make_ep(1, 0, USB_EP_CONTROL, 64, 0);
	f->in = make_ep(1, 0x81, USB_EP_BULK, 512, 0);
	fake_ehci.device = scripted;
	script_reset();
	return e;
}

static void write_usbcmd_reset_behind_driver(void)
{
	uint32_t cmd = EHCI_CMD_HCRESET;

	mmio_write32(fake_ehci.regs + FAKE_EHCI_OPBASE + EHCI_USBCMD, cmd);
}

/* --- tests ---------------------------------------------------------------- */

TEST(interrupt_periods_and_phase_balancing)
{
	static const struct { uint8_t b; unsigned frames; uint8_t smask; } table[] = {
		{ 0, 1, 0xff }, { 1, 1, 0xff }, { 2, 1, 0x55 }, { 3, 1, 0x11 },
		{ 4, 1, 0x01 }, { 5, 2, 0x01 }, { 7, 8, 0x01 }, { 11, 128, 0x01 },
		{ 12, 256, 0x01 }, { 16, 256, 0x01 }, { 255, 256, 0x01 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(table); i++) {
		unsigned frames;
		uint8_t smask;
		ehci_hs_interrupt_period(table[i].b, &frames, &smask);
		CHECK_EQ(frames, table[i].frames);
		CHECK_EQ(smask, table[i].smask);
	}

	static uint32_t load[EHCI_FRAME_LIST_ENTRIES];
	memset(load, 0, sizeof(load));
	CHECK_EQ(ehci_pick_phase(load, 8), 0);
	for (unsigned f = 0; f < EHCI_FRAME_LIST_ENTRIES; f += 8)
		load[f] = 64;                        /* phase 0 of period 8 busy */
	CHECK_EQ(ehci_pick_phase(load, 8), 1);
	CHECK_EQ(ehci_pick_phase(load, 4), 1);   /* frames 0,4,8.. hit the load */
	CHECK_EQ(ehci_pick_phase(load, 1), 0);   /* only one phase exists */
	load[1] = 8;                             /* one busy frame spoils phase 1 */
	CHECK_EQ(ehci_pick_phase(load, 8), 2);
}

TEST(portsc_maps_to_core_port_bits)
{
	CHECK_EQ(ehci_portsc_to_usb(0x1000), 0);
	CHECK_EQ(ehci_portsc_to_usb(0x1003), USB_PORT_CONNECTED | USB_PORT_CONNECT_CHANGE);
	CHECK_EQ(ehci_portsc_to_usb(0x1005),
		 USB_PORT_CONNECTED | USB_PORT_ENABLED | USB_PORT_HIGH_SPEED);
	CHECK_EQ(ehci_portsc_to_usb(0x1401), USB_PORT_CONNECTED | USB_PORT_LOW_SPEED);
	CHECK_EQ(ehci_portsc_to_usb(0x3002), USB_PORT_OWNED_BY_COMPANION);
	CHECK_EQ(ehci_portsc_to_usb(0x101d), USB_PORT_CONNECTED | USB_PORT_ENABLED |
		 USB_PORT_HIGH_SPEED | USB_PORT_OVERCURRENT | USB_PORT_ENABLE_CHANGE);
	CHECK_EQ(ehci_portsc_preserve(0xffffffff), 0xffffffd5);
}

TEST(probe_takes_over_from_running_firmware)
{
	struct ehci *e = probe(true);

	CHECK_EQ(fake_ehci.resets, 1);
	CHECK_EQ(fake_ehci.pci_cfg[0x6b], 1);          /* OS owned */
	CHECK_EQ(fake_ehci.pci_cfg[0x6a] & 1, 0);      /* BIOS released */
	uint32_t legctl;
	memcpy(&legctl, &fake_ehci.pci_cfg[0x6c], 4);
	CHECK_EQ(legctl & EHCI_LEGCTLSTS_SMI_ENABLES, 0);
	CHECK((fake_ehci.pci_cfg[4] & 6) == 6);        /* memory + bus master */

	uint32_t cmd = fake_ehci_op(EHCI_USBCMD);
	CHECK((cmd & (EHCI_CMD_RUN | EHCI_CMD_ASE | EHCI_CMD_PSE)) ==
	      (EHCI_CMD_RUN | EHCI_CMD_ASE | EHCI_CMD_PSE));
	CHECK_EQ((cmd & EHCI_CMD_ITC_MASK) >> EHCI_CMD_ITC_SHIFT, 1);
	CHECK_EQ(cmd & EHCI_CMD_FLS_MASK, 0);
	CHECK_EQ(fake_ehci_op(EHCI_CONFIGFLAG), 1);
	CHECK_EQ(fake_ehci_op(EHCI_USBINTR), 0x37);

	/* Fresh schedules in pool memory, not the firmware's. */
	uint32_t async = fake_ehci_op(EHCI_ASYNCLISTADDR);
	CHECK(async != 0x7f000);
	struct ehci_qh *head = fake_dma_virt(async);
	CHECK(head != NULL);
	CHECK(head->ep_char & EHCI_QH_HEAD);
	CHECK(head->token & EHCI_TOK_HALTED);
	CHECK_EQ(EHCI_LINK_ADDR(head->hlink), async);
	uint32_t plb = fake_ehci_op(EHCI_PERIODICLISTBASE);
	CHECK_EQ(plb & 0xfff, 0);
	uint32_t *fl = fake_dma_virt(plb);
	CHECK(fl != NULL);
	for (int f = 0; f < EHCI_FRAME_LIST_ENTRIES; f++)
		CHECK_EQ(fl[f], EHCI_LINK_TERMINATE);

	CHECK_EQ(fake_hcd_registered, 1);
	CHECK(fake_last_hcd == &e->hcd);
	CHECK_EQ(e->hcd.num_ports, 6);
	CHECK_EQ(e->hcd.speed, USB_SPEED_HIGH);
	CHECK(strcmp(e->hcd.driver_name, "ehci_hcd") == 0);
}

TEST(stubborn_bios_looping_caps_and_standalone_controller)
{
	fake_ehci_setup(&pdev, false, true);
	fake_ehci.bios_releases = false;
	/* USBLEGSUP -> cap 0x0a at 0x70 -> back to 0x68: a loop */
	*(uint32_t *)&fake_ehci.pci_cfg[0x68] = 0x00017001;
	*(uint32_t *)&fake_ehci.pci_cfg[0x70] = 0x0000680a;
	struct ehci *e = probe_now();

	CHECK(seam_log_contains("taking it by force"));
	CHECK(seam_log_contains("loops"));
	CHECK_EQ(fake_ehci.pci_cfg[0x6a] & 1, 0);
	CHECK_EQ(fake_ehci.pci_cfg[0x6b], 1);

	/* No companions: a full-speed device cannot be handed anywhere. */
	enum usb_speed speed;
	fake_ehci_plug(1, false);
	CHECK_EQ(ops->port_reset_start(&e->hcd, 1), 0);
	CHECK_EQ(ops->port_reset_finish(&e->hcd, 1, &speed), USB_ERR_NODEV);
	CHECK(seam_log_contains("no companion"));
	CHECK(!(fake_ehci_op(EHCI_PORTSC(1)) & EHCI_PORT_OWNER));
}

TEST(ports_route_by_speed_and_keep_change_bits)
{
	struct ehci *e = probe(true);
	struct usb_hcd *h = &e->hcd;
	enum usb_speed speed = USB_SPEED_LOW;

	fake_ehci_plug(1, true);
	unsigned st = ops->port_status(h, 1);
	CHECK(st & USB_PORT_CONNECTED);
	CHECK(st & USB_PORT_CONNECT_CHANGE);
	CHECK(!(st & USB_PORT_OWNED_BY_COMPANION));

	/* Change bits survive every driver write but the clearing one. */
	fake_ehci_set_op(EHCI_PORTSC(1), fake_ehci_op(EHCI_PORTSC(1)) |
					 EHCI_PORT_PEC | EHCI_PORT_OCC);
	CHECK_EQ(ops->port_reset_start(h, 1), 0);
	CHECK(fake_ehci_op(EHCI_PORTSC(1)) & EHCI_PORT_PR);
	CHECK_EQ(ops->port_reset_finish(h, 1, &speed), 0);
	CHECK_EQ(speed, USB_SPEED_HIGH);
	uint32_t v = fake_ehci_op(EHCI_PORTSC(1));
	CHECK((v & EHCI_PORT_RWC_MASK) == EHCI_PORT_RWC_MASK);
	CHECK(v & EHCI_PORT_PE);
	CHECK(!(v & EHCI_PORT_PR));
	st = ops->port_status(h, 1);
	CHECK((st & (USB_PORT_ENABLED | USB_PORT_HIGH_SPEED)) ==
	      (USB_PORT_ENABLED | USB_PORT_HIGH_SPEED));
	ops->port_clear_changes(h, 1);
	v = fake_ehci_op(EHCI_PORTSC(1));
	CHECK_EQ(v & EHCI_PORT_RWC_MASK, 0);
	CHECK(v & EHCI_PORT_PE);

	/* Full speed: handed to the companion after reset. */
	fake_ehci_plug(2, false);
	CHECK_EQ(ops->port_reset_start(h, 2), 0);
	CHECK_EQ(ops->port_reset_finish(h, 2, &speed), USB_PORT_HANDED_OFF);
	CHECK(fake_ehci_op(EHCI_PORTSC(2)) & EHCI_PORT_OWNER);
	CHECK_EQ(ops->port_status(h, 2), USB_PORT_OWNED_BY_COMPANION);
	/* Unplugged: the port is EHCI's again, and empty. */
	fake_ehci_unplug(2);
	st = ops->port_status(h, 2);
	CHECK(!(st & USB_PORT_OWNED_BY_COMPANION));
	CHECK(!(st & USB_PORT_CONNECTED));

	/* Low speed seen on the line: hand-off without an EHCI reset. */
	fake_ehci.port[2] = (struct fake_ehci_port){ true, false, true };
	fake_ehci_set_op(EHCI_PORTSC(3), EHCI_PORT_PP | EHCI_PORT_CCS | EHCI_PORT_LS_K);
	CHECK(ops->port_status(h, 3) & USB_PORT_LOW_SPEED);
	CHECK_EQ(ops->port_reset_start(h, 3), 0);
	CHECK(!(fake_ehci_op(EHCI_PORTSC(3)) & EHCI_PORT_PR));
	CHECK_EQ(ops->port_reset_finish(h, 3, &speed), USB_PORT_HANDED_OFF);
	CHECK(fake_ehci_op(EHCI_PORTSC(3)) & EHCI_PORT_OWNER);

	/* Disable keeps a pending connect change. */
	fake_ehci_set_op(EHCI_PORTSC(1), fake_ehci_op(EHCI_PORTSC(1)) | EHCI_PORT_CSC);
	ops->port_disable(h, 1);
	v = fake_ehci_op(EHCI_PORTSC(1));
	CHECK(!(v & EHCI_PORT_PE));
	CHECK(v & EHCI_PORT_CSC);

	CHECK_EQ(ops->port_reset_start(h, 4), USB_ERR_NODEV);
	CHECK_EQ(ops->port_reset_start(h, 7), USB_ERR_INVAL);
	CHECK_EQ(ops->port_status(h, 0), 0);

	/* A port change raises PCD; the driver tells the core. */
	unsigned before = fake_port_events;
	fake_ehci_plug(5, true);
	pump();
	CHECK(fake_port_events > before);
}

TEST(transfers_chains_short_packets_halts_and_retries)
{
	struct fixture f;
	struct ehci *e = fixture_init(&f);
	struct usb_hcd *h = &e->hcd;
	struct usb_endpoint *ep0 = &f.ep0, *in = &f.in;
	struct fake_completion r[3];
	struct usb_xfer x, y, z;

	CHECK_EQ(ops->ep_open(h, ep0), 0);
	CHECK_EQ(ops->ep_open(h, in), 0);
	CHECK(in->hcpriv != NULL);
	CHECK(ehci_schedule_error(e) == NULL);

	/* GET_DESCRIPTOR: SETUP DATA0, IN DATA1, status OUT DATA1 */
	script_reset();
	memset(r, 0, sizeof(r));
	x = control(ep0, &get_descriptor, 18, &r[0]);
	submit_and_pump(h, &x);
	fake_check_completion(&r[0], 1, USB_OK, 18);
	CHECK_EQ(fake_ehci.executed, 3);
	CHECK_EQ(fake_ehci.log[0].pid, EHCI_PID_SETUP);
	CHECK(!fake_ehci.log[0].toggle);
	CHECK_EQ(fake_ehci.log[1].pid, EHCI_PID_IN);
	CHECK(fake_ehci.log[1].toggle);
	CHECK_EQ(fake_ehci.log[2].pid, EHCI_PID_OUT);
	CHECK(fake_ehci.log[2].toggle);
	CHECK(x.hcpriv == NULL);

	/* Short data stage: the status stage still runs. */
	script_reset();
	short_at = 1;
	short_len = 8;
	x = control(ep0, &get_descriptor, 18, &r[0]);
	submit_and_pump(h, &x);
	fake_check_completion(&r[0], 2, USB_OK, 8);
	CHECK_EQ(fake_ehci.executed, 3);
	CHECK_EQ(fake_ehci.log[2].pid, EHCI_PID_OUT);

	/* No data stage: status is IN. */
	script_reset();
	x = control(ep0, &set_config, 0, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_OK);
	CHECK_EQ(fake_ehci.executed, 2);
	CHECK_EQ(fake_ehci.log[1].pid, EHCI_PID_IN);

	/* STALL in the data stage, then the endpoint works again. */
	script_reset();
	stall_at = 1;
	x = control(ep0, &get_descriptor, 18, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_ERR_STALL);
	script_reset();
	x = control(ep0, &get_descriptor, 18, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_OK);
	CHECK_EQ(r[0].actual, 18);

	/* 64 KiB bulk: four qTDs, none over five pages, toggles carried. */
	script_reset();
	x = bulk(in, 0x20000000, 64 * 1024, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_OK);
	CHECK_EQ(r[0].actual, 64 * 1024);
	CHECK_EQ(fake_ehci.executed, 4);
	CHECK_EQ(fake_ehci.log[0].len, 20480);
	CHECK_EQ(fake_ehci.log[3].len, 4096);
	CHECK_EQ(fake_ehci.oversized_qtds, 0);
	CHECK(!fake_ehci.log[0].toggle && !fake_ehci.log[1].toggle); /* 40 packets each */

	/* Three queued; the first ends short in its second qTD and the
	 * controller goes on with the next transfer, not the leftovers. */
	script_reset();
	short_at = 1;
	short_len = 100;
	memset(r, 0, sizeof(r));
	x = bulk(in, 0x20000000, 64 * 1024, &r[0]);
	y = bulk(in, 0x20100000, 512, &r[1]);
	z = bulk(in, 0x20200000, 30000, &r[2]);
	CHECK_EQ(ops->submit(h, &x), 0);
	CHECK_EQ(ops->submit(h, &y), 0);
	submit_and_pump(h, &z);
	CHECK_EQ(r[0].calls, 1);
	CHECK_EQ(r[0].actual, 20480 + 100);
	CHECK_EQ(r[1].actual, 512);
	CHECK_EQ(r[2].actual, 30000);
	CHECK_EQ(fake_ehci.executed, 2 + 1 + 2);
	CHECK_EQ(fake_ehci.log[2].buf, 0x20100000);

	/* Transaction errors: two soft retries, then success. */
	script_reset();
	xact_left = 2;
	uint64_t retries = e->stats.soft_retries;
	x = bulk(in, 0x20000000, 512, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_OK);
	CHECK_EQ(e->stats.soft_retries - retries, 2);
	/* ... and a device that never answers: bounded, then an error. */
	script_reset();
	xact_left = 100;
	x = bulk(in, 0x20000000, 512, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_ERR_XACT);
	CHECK_EQ(fake_ehci.executed, 1 + EHCI_SOFT_RETRIES); /* bounded attempts */
	CHECK_EQ(xact_left, 100 - 1 - EHCI_SOFT_RETRIES);

	script_reset();
	babble_at = 0;
	x = bulk(in, 0x20000000, 512, &r[0]);
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_ERR_BABBLE);

	/* After an idle gap a submission rings the doorbell (QEMU's async
	 * timer has slowed down); right after a completion it does not. */
	script_reset();
	unsigned bells = fake_ehci.doorbells;
	seam_now_ns += 5 * NSEC_PER_MSEC;
	x = bulk(in, 0x20000000, 512, &r[0]);
	CHECK_EQ(ops->submit(h, &x), 0);
	CHECK_EQ(fake_ehci.doorbells, bells + 1);
	pump();
	y = bulk(in, 0x20000000, 512, &r[1]);
	CHECK_EQ(ops->submit(h, &y), 0);
	CHECK_EQ(fake_ehci.doorbells, bells + 1);
	pump();
	CHECK_EQ(r[1].status, USB_OK);

	/* Bad buffers are refused before anything is queued. */
	x = bulk(in, 0xfffff000ull, 0x2000, &r[0]);
	CHECK_EQ(ops->submit(h, &x), USB_ERR_INVAL);
	CHECK(ehci_schedule_error(e) == NULL);

	/* The consistency check notices a link the driver did not make. */
	uint32_t saved = e->head->hlink;
	e->head->hlink = (uint32_t)e->head_dma | EHCI_LINK_TYPE_QH;
	CHECK(ehci_schedule_error(e) != NULL);
	e->head->hlink = saved;

	ops->ep_close(h, ep0);
	ops->ep_close(h, in);
	CHECK(ep0->hcpriv == NULL);
	pump();
	CHECK_EQ(fake_dma_live_chunks(), f.chunks);
	CHECK_EQ(fake_kmalloc_live, f.kmem);
	CHECK_EQ(fake_dma_misuse(), 0);
}

/* Two one-packet bulk transfers queued; the device stalls the first. */
static void queue_two_and_stall_the_first(struct usb_hcd *h, struct usb_endpoint *in,
					  struct usb_xfer *x, struct usb_xfer *y, struct fake_completion r[2])
{
	script_reset();
	stall_at = 0;
	*x = bulk(in, 0x20000000, 512, &r[0]);
	*y = bulk(in, 0x20001000, 512, &r[1]);
	CHECK_EQ(ops->submit(h, x), 0);
	CHECK_EQ(ops->submit(h, y), 0);
	pump();
	CHECK_EQ(r[0].status, USB_ERR_STALL);
}

TEST(stall_holds_the_queue_until_ep_reset_restarts_it_at_data0)
{
	struct fixture f;
	struct ehci *e = fixture_init(&f);
	struct usb_hcd *h = &e->hcd;
	struct usb_endpoint *in = &f.in;
	struct fake_completion r[2];
	struct usb_xfer x, y;

	memset(r, 0, sizeof(r));
	CHECK_EQ(ops->ep_open(h, in), 0);
	x = bulk(in, 0x20000000, 512, &r[0]); /* one packet: DATA1 next */
	submit_and_pump(h, &x);
	CHECK_EQ(r[0].status, USB_OK);

	queue_two_and_stall_the_first(h, in, &x, &y, r);
	CHECK(fake_ehci.log[0].toggle);
	CHECK_EQ(r[1].calls, 0); /* held: the device's endpoint is halted */
	CHECK_EQ(fake_ehci.executed, 1);
	CHECK(ehci_schedule_error(e) == NULL);

	ops->ep_reset(h, in);
	pump();
	fake_check_completion(&r[1], 1, USB_OK, FAKE_ANY_LENGTH);
	CHECK_EQ(fake_ehci.executed, 2);
	CHECK(!fake_ehci.log[1].toggle); /* restarted at DATA0 */

	/* An idle endpoint restarts at DATA0 too. */
	submit_and_pump(h, &x);
	CHECK(fake_ehci.log[2].toggle);
	ops->ep_reset(h, in);
	pump();
	submit_and_pump(h, &x);
	CHECK(!fake_ehci.log[3].toggle);

	/* Closing a halted endpoint cancels what waits behind the stall. */
	memset(r, 0, sizeof(r));
	queue_two_and_stall_the_first(h, in, &x, &y, r);
	ops->ep_close(h, in);
	pump();
	fake_check_completion(&r[1], 1, USB_ERR_CANCELLED, FAKE_ANY_LENGTH);
	CHECK_EQ(fake_dma_live_chunks(), f.chunks);
	CHECK_EQ(fake_kmalloc_live, f.kmem);
	CHECK_EQ(fake_dma_misuse(), 0);
}

TEST(cancel_timeout_and_iaa_watchdog)
{
	struct ehci *e = probe(true);
	struct usb_hcd *h = &e->hcd;
	long baseline = fake_dma_live_chunks();
	struct usb_endpoint in = make_ep(2, 0x82, USB_EP_BULK, 512, 0);
	struct fake_completion r[3];
	struct usb_xfer x, y, z;

	memset(r, 0, sizeof(r));
	fake_ehci.device = scripted;
	script_reset();
	nak_all = true;
	CHECK_EQ(ops->ep_open(h, &in), 0);
	x = bulk(&in, 0x20000000, 512, &r[0]);
	y = bulk(&in, 0x20001000, 512, &r[1]);
	y.timeout_ns = 100 * NSEC_PER_MSEC;
	CHECK_EQ(ops->submit(h, &x), 0);
	submit_and_pump(h, &y);
	CHECK_EQ(r[0].calls + r[1].calls, 0);

	unsigned bells = fake_ehci.doorbells;
	ops->cancel(h, &x);
	CHECK_EQ(fake_ehci.doorbells, bells + 1);
	CHECK_EQ(r[0].calls, 0); /* not before the controller lets go */
	pump();
	fake_check_completion(&r[0], 1, USB_ERR_CANCELLED, FAKE_ANY_LENGTH);
	CHECK_EQ(r[1].calls, 0);

	fake_work_run_for(150 * NSEC_PER_MSEC);
	pump();
	fake_check_completion(&r[1], 1, USB_ERR_SETUP_TIMEOUT, FAKE_ANY_LENGTH);
	CHECK(seam_log_contains("no completion within 100 ms"));

	/* The relinked QH still works. */
	script_reset();
	z = bulk(&in, 0x20002000, 512, &r[2]);
	submit_and_pump(h, &z);
	CHECK_EQ(r[2].status, USB_OK);
	CHECK_EQ(r[2].actual, 512);
	CHECK(ehci_schedule_error(e) == NULL);

	/* Closing with work queued: cancelled, freed only after IAA. */
	nak_all = true;
	x = bulk(&in, 0x20000000, 512, &r[0]);
	CHECK_EQ(ops->submit(h, &x), 0);
	fake_ehci.iaa_responds = false;
	ops->ep_close(h, &in);
	pump();
	CHECK(fake_dma_live_chunks() > baseline);
	CHECK_EQ(r[0].calls, 1);
	fake_work_run_for(60 * NSEC_PER_MSEC);
	/* The doorbell bit still reads 1: the controller has not acted yet. */
	CHECK(fake_dma_live_chunks() > baseline);
	CHECK(e->stats.iaa_slow > 0);
	fake_work_run_for(EHCI_IAA_GIVE_UP_NS);
	CHECK(seam_log_contains("no async-advance interrupt"));
	CHECK_EQ(e->stats.iaa_lost, 1);
	fake_check_completion(&r[0], 2, USB_ERR_CANCELLED, FAKE_ANY_LENGTH);
	CHECK_EQ(fake_dma_live_chunks(), baseline);

	/* A doorbell acted on (bit cleared) without an interrupt: lost, and
	 * the watchdog proceeds at 50 ms. */
	struct usb_endpoint c = make_ep(5, 0x81, USB_EP_BULK, 512, 0);
	CHECK_EQ(ops->ep_open(h, &c), 0);
	ops->ep_close(h, &c);
	fake_ehci_set_op(EHCI_USBCMD, fake_ehci_op(EHCI_USBCMD) & ~EHCI_CMD_IAAD);
	fake_work_run_for(60 * NSEC_PER_MSEC);
	CHECK_EQ(e->stats.iaa_lost, 2);
	CHECK_EQ(fake_dma_live_chunks(), baseline);

	/* Two unlinks while one doorbell is out: the second waits for a
	 * second doorbell. */
	fake_ehci.iaa_responds = true;
	struct usb_endpoint a = make_ep(3, 0x81, USB_EP_BULK, 512, 0);
	struct usb_endpoint b = make_ep(4, 0x81, USB_EP_BULK, 512, 0);
	CHECK_EQ(ops->ep_open(h, &a), 0);
	CHECK_EQ(ops->ep_open(h, &b), 0);
	bells = fake_ehci.doorbells;
	ops->ep_close(h, &a);
	ops->ep_close(h, &b);
	CHECK_EQ(fake_ehci.doorbells, bells + 1);
	pump();
	CHECK_EQ(fake_ehci.doorbells, bells + 2);
	CHECK_EQ(fake_dma_live_chunks(), baseline);
	CHECK(list_empty(&e->eps));
	CHECK_EQ(fake_dma_misuse(), 0);
}

static unsigned polls;
static struct usb_hcd *poll_hcd;

static void resubmit(struct usb_xfer *x)
{
	if (x->status == USB_OK) {
		polls++;
		CHECK_EQ(poll_hcd->ops->submit(poll_hcd, x), 0);
	}
}

/* Walks frame f in hardware and checks it against the open endpoints. */
static void check_frame(struct ehci *e, unsigned f, struct usb_endpoint **eps, int n)
{
	uint32_t link = e->frame_list[f];
	unsigned last_period = ~0u;
	int seen = 0;
	struct ehci_ep *shadow = e->frame_shadow[f];

	for (int hops = 0; !(link & EHCI_LINK_TERMINATE); hops++) {
		CHECK(hops < 64);
		if (hops >= 64)
			return;
		struct ehci_qh *qh = fake_dma_virt(EHCI_LINK_ADDR(link));
		CHECK(qh != NULL);
		CHECK(shadow != NULL && shadow->qh == qh);
		CHECK(shadow->period <= last_period);
		CHECK_EQ(f % shadow->period, shadow->phase);
		last_period = shadow->period;
		seen++;
		link = qh->hlink;
		shadow = shadow->tree_next;
	}
	int expected = 0;
	for (int i = 0; i < n; i++) {
		struct ehci_ep *ep = eps[i]->hcpriv;
		if (ep && f % ep->period == ep->phase)
			expected++;
	}
	CHECK_EQ(seen, expected);
}

TEST(periodic_tree_placement_polling_and_unlink)
{
	struct ehci *e = probe(true);
	struct usb_hcd *h = &e->hcd;
	long baseline = fake_dma_live_chunks();
	static const uint8_t intervals[] = { 1, 4, 5, 7, 7, 9, 12, 16 };
	static const unsigned periods[] = { 1, 1, 2, 8, 8, 32, 256, 256 };
	struct usb_endpoint ep[8];
	struct usb_endpoint *list[8];

	for (int i = 0; i < 8; i++) {
		ep[i] = make_ep((uint8_t)(10 + i), 0x81, USB_EP_INTERRUPT, 8, intervals[i]);
		list[i] = &ep[i];
		CHECK_EQ(ops->ep_open(h, &ep[i]), 0);
		struct ehci_ep *s = ep[i].hcpriv;
		CHECK_EQ(s->period, periods[i]);
		CHECK_EQ(s->qh->ep_caps & 0xff, i == 0 ? 0xff : 0x01);
	}
	/* equal periods are spread over different frames */
	CHECK(((struct ehci_ep *)ep[3].hcpriv)->phase != ((struct ehci_ep *)ep[4].hcpriv)->phase);
	for (unsigned f = 0; f < EHCI_FRAME_LIST_ENTRIES; f++)
		check_frame(e, f, list, 8);
	CHECK(ehci_schedule_error(e) == NULL);

	/* A keyboard-like poll every 8 frames, resubmitted from its callback. */
	struct fake_completion r = { 0 };
	struct usb_xfer x = bulk(&ep[3], 0x20000000, 8, &r);
	x.complete = resubmit;
	poll_hcd = h;
	fake_ehci.device = scripted;
	script_reset();
	nak_all = false;
	polls = 0;
	CHECK_EQ(ops->submit(h, &x), 0);
	for (unsigned f = 0; f < 64; f++) {
		fake_ehci_run_frame(f);
		fake_irq_fire();
		fake_work_run_for(0);
	}
	CHECK_EQ(polls, 8);

	/* Unlinking takes it out of every frame at once; freed two frames on. */
	x.complete = fake_complete;
	ops->ep_close(h, &ep[3]);
	for (unsigned f = 0; f < EHCI_FRAME_LIST_ENTRIES; f++)
		check_frame(e, f, list, 8);
	CHECK(ehci_schedule_error(e) == NULL);
	for (unsigned f = 64; f < 68; f++)
		fake_ehci_run_frame(f);
	fake_work_run_for(2 * NSEC_PER_MSEC);
	CHECK_EQ(r.status, USB_ERR_CANCELLED);
	for (int i = 0; i < 8; i++)
		ops->ep_close(h, &ep[i]);
	fake_work_run_for(10 * NSEC_PER_MSEC);
	CHECK_EQ(fake_dma_live_chunks(), baseline);
	for (unsigned f = 0; f < EHCI_FRAME_LIST_ENTRIES; f++)
		CHECK_EQ(e->frame_list[f], EHCI_LINK_TERMINATE);
	CHECK_EQ(fake_dma_misuse(), 0);
}

TEST(recovery_hotplug_cycles_and_shared_irq)
{
	struct fixture f;
	struct ehci *e = fixture_init(&f);
	struct usb_hcd *h = &e->hcd;

	fake_ehci_set_op(EHCI_USBSTS, fake_ehci_op(EHCI_USBSTS) & ~EHCI_STS_ACK_MASK);
	CHECK(!fake_irq_fire()); /* shared line, nothing of ours */

	struct usb_endpoint *ep0 = &f.ep0, *in = &f.in;
	struct fake_completion r[2];
	struct usb_xfer x, y;
	memset(r, 0, sizeof(r));
	CHECK_EQ(ops->ep_open(h, ep0), 0);
	CHECK_EQ(ops->ep_open(h, in), 0);
	nak_all = true;
	x = bulk(in, 0x20000000, 512, &r[0]);
	submit_and_pump(h, &x);

	unsigned resets = fake_ehci.resets;
	fake_ehci_set_op(EHCI_USBSTS, fake_ehci_op(EHCI_USBSTS) | EHCI_STS_HSE);
	CHECK(fake_irq_fire());
	fake_work_run_for(0);
	CHECK(seam_log_contains("host system error"));
	CHECK_EQ(fake_ehci.resets, resets + 1);
	CHECK_EQ(fake_reset_notifies, 1);
	CHECK_EQ(r[0].status, USB_ERR_HC);
	CHECK(fake_ehci_op(EHCI_USBCMD) & EHCI_CMD_RUN);
	CHECK_EQ(fake_ehci_op(EHCI_CONFIGFLAG), 1);
	CHECK(!e->dead);
	CHECK(ehci_schedule_error(e) == NULL);

	/* The endpoints are back in the rebuilt schedule. */
	script_reset();
	y = control(ep0, &get_descriptor, 18, &r[1]);
	submit_and_pump(h, &y);
	CHECK_EQ(r[1].status, USB_OK);

	/* A halt the driver did not ask for is fatal too. */
	fake_ehci_set_op(EHCI_USBCMD, fake_ehci_op(EHCI_USBCMD) & ~EHCI_CMD_RUN);
	fake_ehci_set_op(EHCI_USBSTS, EHCI_STS_HALTED | EHCI_STS_ERRINT);
	CHECK(fake_irq_fire());
	fake_work_run_for(0);
	CHECK(seam_log_contains("halted unexpectedly"));
	CHECK_EQ(fake_reset_notifies, 2);

	/* ... also when it stops without any interrupt (QEMU's own reset on
	 * a schedule it cannot process clears USBINTR too). */
	write_usbcmd_reset_behind_driver();
	CHECK(!fake_irq_fire());
	fake_work_run_for(EHCI_HEALTH_PERIOD_NS + NSEC_PER_MSEC);
	CHECK(seam_log_contains("halted without telling"));
	CHECK_EQ(fake_reset_notifies, 3);
	CHECK(fake_ehci_op(EHCI_USBCMD) & EHCI_CMD_RUN);
	ops->ep_close(h, ep0);
	ops->ep_close(h, in);
	pump();
	CHECK_EQ(fake_dma_live_chunks(), f.chunks);

	/* 20 hot-plug cycles alternating speeds on one port. */
	for (int cycle = 0; cycle < 20; cycle++) {
		bool hs = cycle % 2 == 0;
		enum usb_speed speed;
		fake_ehci_plug(3, hs);
		pump();
		ops->port_clear_changes(h, 3);
		CHECK_EQ(ops->port_reset_start(h, 3), 0);
		int rc = ops->port_reset_finish(h, 3, &speed);
		if (hs) {
			CHECK_EQ(rc, 0);
			struct usb_endpoint d0 = make_ep(5, 0, USB_EP_CONTROL, 64, 0);
			CHECK_EQ(ops->ep_open(h, &d0), 0);
			x = control(&d0, &get_descriptor, 18, &r[0]);
			CHECK_EQ(ops->submit(h, &x), 0);
			pump();
			CHECK_EQ(r[0].status, USB_OK);
			fake_ehci_unplug(3);
			ops->ep_close(h, &d0);
		} else {
			CHECK_EQ(rc, USB_PORT_HANDED_OFF);
			fake_ehci_unplug(3);
		}
		pump();
		CHECK(!(ops->port_status(h, 3) & (USB_PORT_CONNECTED | USB_PORT_OWNED_BY_COMPANION)));
	}
	CHECK_EQ(fake_dma_live_chunks(), f.chunks);
	CHECK_EQ(fake_kmalloc_live, f.kmem);
	CHECK_EQ(fake_dma_misuse(), 0);

	/* A fourth fatal error within 10 s: the controller is given up, yet
	 * closing its endpoints still frees everything. */
	struct usb_endpoint last = make_ep(6, 0, USB_EP_CONTROL, 64, 0);
	CHECK_EQ(ops->ep_open(h, &last), 0);
	write_usbcmd_reset_behind_driver();
	fake_work_run_for(EHCI_HEALTH_PERIOD_NS + NSEC_PER_MSEC);
	CHECK(seam_log_contains("keeps failing"));
	CHECK(e->dead);
	CHECK_EQ(fake_reset_notifies, 4);
	x = control(&last, &get_descriptor, 18, &r[0]);
	CHECK_EQ(ops->submit(h, &x), USB_ERR_HC);
	CHECK_EQ(ops->ep_open(h, ep0), USB_ERR_HC);
	CHECK_EQ(ops->port_status(h, 1), 0);
	ops->ep_close(h, &last);
	fake_work_run_for(NSEC_PER_MSEC);
	CHECK_EQ(fake_dma_live_chunks(), f.chunks);
	CHECK_EQ(fake_kmalloc_live, f.kmem);
}
