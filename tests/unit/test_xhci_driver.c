/*
 * Host tests for the xHCI driver against a controller model
 * (tests/unit/seams/fake_xhci.c): BIOS hand-off, scratchpad and event ring
 * set-up, Supported Protocol port split, slots from Enable Slot to Disable
 * Slot and through Reset Device, control transfers (with short reads), interrupt rings wrapped many
 * times, STALL recovery with the queue held until the halt is cleared,
 * cancellation through Stop Endpoint and Set TR Dequeue, timeouts, a
 * command that never completes (aborted), restart after a host controller
 * error, and a fuzzer writing bogus event TRBs: wrong slots and
 * endpoints, pointers outside any ring, absurd lengths and codes. Every
 * case ends with the DMA pool chunks back to baseline and no pool misuse.
 */
#include <string.h>

#include "../../usb/xhci/xhci.h"
#include "harness.h"
#include "pci.h"
#include "seams/fake_xhci.h"
#include "seams/seams.h"
#include "usb.h"

/* The USB core's device naming, for xhcidump. */
const char *usb_dev_name(const struct usb_device *d, char *buf, size_t len)
{
	(void)d;
	return strncpy(buf, "usb 1-3", len);
}

static struct pci_dev pdev;
static const struct usb_hcd_ops *ops;
static struct usb_device root, dev;

static struct xhci *probe(void)
{
	fake_xhci_setup(&pdev);
	const struct pci_driver *drv = fake_pci_driver("xhci_hcd");
	CHECK(drv != NULL);
	CHECK_EQ(drv->prog_if, 0x30);
	int rc = drv->probe(&pdev);
	if (rc)
		fprintf(stderr, "%s", seam_log());
	CHECK_EQ(rc, 0);
	struct xhci *x = pdev.driver_data;
	ops = x->hcd.ops;
	memset(&root, 0, sizeof(root));
	root.hcd = &x->hcd;
	return x;
}

/* Interrupt, deferred work: lets the driver see what the model did. */
static void run(void)
{
	for (int i = 0; i < 4; i++) {
		fake_irq_fire();
		fake_work_run_for(0);
	}
}

/* A device on root port `port`, added and addressed as the core would. */
static struct xhci_slot *add_device(struct xhci *x, int port, enum usb_speed speed)
{
	memset(&dev, 0, sizeof(dev));
	dev.hcd = &x->hcd;
	dev.parent = &root;
	dev.port = (uint8_t)port;
	dev.speed = speed;
	CHECK_EQ(ops->device_add(&x->hcd, &dev), 0);
	CHECK_EQ(fake_xhci.last_bsr, 1);
	dev.ep0 = (struct usb_endpoint){ .dev = &dev, .speed = speed, .type = USB_EP_CONTROL,
					 .max_packet = 64 };
	CHECK_EQ(ops->ep_open(&x->hcd, &dev.ep0), 0);
	CHECK_EQ(ops->set_address(&x->hcd, &dev, 2), 0);
	CHECK_EQ(fake_xhci.last_bsr, 0);
	return dev.hcpriv;
}

static void remove_device(struct xhci *x)
{
	ops->ep_close(&x->hcd, &dev.ep0);
	ops->device_remove(&x->hcd, &dev);
	run();
	CHECK(dev.hcpriv == NULL);
}

static struct usb_setup get_descriptor = { 0x80, 6, 0x0100, 0, 18 };

struct io {
	struct usb_xfer x;
	struct fake_completion done;
	uint8_t buf[64];
	struct usb_setup setup;
};

static uint64_t submit_timeout_ns; /* for the next submit() */

static dma_addr_t submit_buf_dma = 0x200000; /* what the controller is told */

static int submit(struct xhci *x, struct io *io, struct usb_endpoint *ep, size_t len,
		  const struct usb_setup *setup)
{
	memset(io, 0, sizeof(*io));
	io->x = (struct usb_xfer){ .ep = ep, .buf = io->buf, .buf_dma = submit_buf_dma, .len = len,
				   .complete = fake_complete, .ctx = &io->done,
				   .timeout_ns = submit_timeout_ns };
	submit_timeout_ns = 0;
	if (setup) {
		io->setup = *setup;
		io->x.setup = &io->setup;
	}
	return ops->submit(&x->hcd, &io->x);
}

static void teardown(struct xhci *x)
{
	CHECK_EQ(x->stats.cmd_timeouts, 0);
	CHECK_EQ(fake_dma_misuse(), 0);
	CHECK_EQ(x->tds, 0);
}

TEST(probe_takes_over_builds_memory_and_drives_ports)
{
	struct xhci *x = probe();
	uint32_t legacy = mmio_read32(fake_xhci.regs + 0x2800);
	CHECK(legacy & XHCI_LEGACY_OS_OWNED);
	CHECK(!(legacy & XHCI_LEGACY_BIOS_OWNED));
	CHECK_EQ(mmio_read32(fake_xhci.regs + 0x2804) & XHCI_LEGCTLSTS_SMI_ENABLES, 0);
	CHECK_EQ(x->n_scratch, 2);
	CHECK(x->dcbaa[0] == x->scratch_array_dma && x->scratch_array[1] != 0);
	CHECK_EQ(fake_xhci.ev_size, XHCI_EVENT_TRBS);
	CHECK(!(fake_xhci_op(XHCI_USBSTS) & XHCI_STS_HCH));
	CHECK_EQ(fake_xhci_op(XHCI_CONFIG), FAKE_XHCI_SLOTS);
	CHECK(x->port_major[1] == 3 && x->port_major[2] == 3);
	CHECK(x->port_major[3] == 2 && x->port_major[4] == 2);
	CHECK_EQ(x->hcd.num_ports, 4);
	CHECK_EQ(x->hcd.speed, USB_SPEED_SUPER);

	/* Ports: connect, change bits, reset, speed. */
	enum usb_speed speed;

	fake_xhci_plug(3, XHCI_SPEED_HIGH);
	fake_xhci_plug(1, XHCI_SPEED_SUPER);
	unsigned before = fake_port_events;
	run();
	CHECK(fake_port_events > before);
	CHECK(ops->port_status(&x->hcd, 3) & USB_PORT_CONNECTED);
	CHECK(ops->port_status(&x->hcd, 3) & USB_PORT_CONNECT_CHANGE);
	ops->port_clear_changes(&x->hcd, 3);
	CHECK(!(ops->port_status(&x->hcd, 3) & USB_PORT_CONNECT_CHANGE));
	CHECK(!(ops->port_status(&x->hcd, 3) & USB_PORT_ENABLED));
	CHECK_EQ(ops->port_reset_start(&x->hcd, 3), 0);
	CHECK_EQ(ops->port_reset_finish(&x->hcd, 3, &speed), 0);
	CHECK_EQ(speed, USB_SPEED_HIGH);
	CHECK_EQ(ops->port_reset_finish(&x->hcd, 1, &speed), 0);
	CHECK_EQ(speed, USB_SPEED_SUPER);
	CHECK_EQ(ops->port_reset_finish(&x->hcd, 4, &speed), USB_ERR_NODEV);
}

TEST(control_transfers_complete_with_short_reads_measured)
{
	struct xhci *x = probe();
	long base = fake_dma_live_chunks();
	struct xhci_slot *s = add_device(x, 3, USB_SPEED_HIGH);
	struct io io;

	CHECK(s != NULL && s->id == 1);
	CHECK_EQ(submit(x, &io, &dev.ep0, 18, &get_descriptor), 0);
	CHECK_EQ(fake_xhci_complete_td(s->id, 1, CC_SUCCESS, 0), 3);
	run();
	fake_check_completion(&io.done, 1, USB_OK, 18);
	CHECK_EQ(submit(x, &io, &dev.ep0, 64, &get_descriptor), 0);
	CHECK_EQ(fake_xhci_complete_td(s->id, 1, CC_SHORT_PACKET, 46), 3);
	run();
	fake_check_completion(&io.done, 1, USB_OK, 18);
	CHECK_EQ(x->stats.bad_events, 0);

	/* The hub driver's hub_info sets the hub fields, keeping the route. */
	dev.desc.bDeviceProtocol = 2; /* multiple TTs */
	ops->hub_info(&x->hcd, &dev, 4, 2);
	const struct xhci_slot_ctx *sc = s->out_ctx;
	CHECK(sc->info & SLOT_HUB);
	CHECK(sc->info & SLOT_MTT);
	CHECK_EQ(SLOT_ROUTE(sc->info), 0);
	CHECK_EQ(sc->info2 >> 24, 4);
	CHECK_EQ((sc->info2 >> 16) & 0xff, 3); /* root port */
	CHECK_EQ((sc->tt >> 16) & 3, 2);
	remove_device(x);
	CHECK_EQ(fake_dma_live_chunks(), base);
	teardown(x);
}

TEST(interrupt_ring_wraps_many_times_without_losing_a_completion)
{
	struct xhci *x = probe();
	long base = fake_dma_live_chunks();
	struct xhci_slot *s = add_device(x, 3, USB_SPEED_HIGH);
	struct usb_endpoint ep = { .dev = &dev, .speed = USB_SPEED_HIGH, .ep_addr = 0x81,
				   .type = USB_EP_INTERRUPT, .max_packet = 8, .interval = 7 };
	struct io io[4];

	CHECK_EQ(ops->ep_open(&x->hcd, &ep), 0);
	CHECK(s->eps[3] != NULL);
	CHECK_EQ(SLOT_GET_ENTRIES(((struct xhci_slot_ctx *)s->out_ctx)->info), 3);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(submit(x, &io[i], &ep, 8, NULL), 0);
	for (int n = 0; n < 1000; n++) {
		CHECK_EQ(fake_xhci_complete_td(s->id, 3, CC_SUCCESS, (uint32_t)(n % 3)), 1);
		run();
		struct io *d = &io[n % 4];
		fake_check_completion(&d->done, 1, USB_OK, 8 - (size_t)(n % 3));
		CHECK_EQ(submit(x, d, &ep, 8, NULL), 0);
	}
	CHECK(s->eps[3]->ring->laps >= 15);
	CHECK_EQ(x->stats.bad_events, 0);
	ops->ep_close(&x->hcd, &ep);
	run();
	for (int i = 0; i < 4; i++)
		fake_check_completion(&io[i].done, 1, USB_ERR_CANCELLED, 0);
	remove_device(x);
	CHECK_EQ(fake_dma_live_chunks(), base);
	teardown(x);
}

/* Walks a TD from the endpoint's dequeue pointer as the controller would. */
static unsigned check_bulk_td(unsigned slot, unsigned dci, dma_addr_t buf, size_t len)
{
	dma_addr_t deq = fake_xhci_ep_deq(slot, dci);
	size_t total = 0;
	unsigned n = 0;

	for (;;) {
		struct xhci_trb *t = fake_dma_virt(deq);
		CHECK(t != NULL);
		if (!t)
			return n;
		if (TRB_GET_TYPE(t->control) == TRB_LINK) {
			deq = t->param;
			continue;
		}
		uint32_t trb_len = t->status & 0x1ffff;
		CHECK_EQ(t->param, buf + total);
		CHECK((t->param & 0xffff) + trb_len <= 0x10000); /* never crosses 64 KiB */
		CHECK(t->control & TRB_ISP);
		total += trb_len;
		n++;
		deq += 16;
		if (!(t->control & TRB_CH)) {
			CHECK(t->control & TRB_IOC);
			CHECK_EQ((t->status >> 17) & 31, 0); /* TD Size: nothing after */
			break;
		}
		CHECK(trb_len > 0);
	}
	CHECK_EQ(total, len);
	return n;
}

/* The core's usb_device_reset, as the driver sees it: endpoints closed,
 * port reset, device_reset, set_address, endpoints opened again. */
static void check_reset_device(struct xhci *x, struct xhci_slot *s, struct usb_endpoint *ep)
{
	const struct xhci_slot_ctx *sc = s->out_ctx;
	const struct xhci_ep_ctx *bulk = xhci_ctx(x, s->out_ctx, 5);
	struct io a;

	CHECK_EQ(sc->state >> 27, 3); /* Configured */
	CHECK_EQ(EP_STATE(bulk->info), 1);
	ops->ep_close(&x->hcd, ep);
	CHECK_EQ(ops->device_reset(&x->hcd, &dev), 0);
	CHECK_EQ(fake_xhci.commands[TRB_RESET_DEVICE], 1);
	CHECK_EQ(sc->state >> 27, 1); /* Default */
	CHECK_EQ(EP_STATE(bulk->info), 0);
	CHECK_EQ(ops->set_address(&x->hcd, &dev, 2), 0);
	CHECK_EQ(fake_xhci.last_bsr, 0);
	CHECK_EQ(sc->state >> 27, 2); /* Addressed, same slot */
	CHECK(dev.hcpriv == s && x->slots[s->id] == s);

	/* Endpoint 0 and a reopened bulk endpoint work as before. */
	CHECK_EQ(submit(x, &a, &dev.ep0, 18, &get_descriptor), 0);
	CHECK(fake_xhci_complete_td(s->id, 1, CC_SUCCESS, 0) > 0);
	run();
	fake_check_completion(&a.done, 1, USB_OK, 18);
	CHECK_EQ(ops->ep_open(&x->hcd, ep), 0);
	CHECK_EQ(EP_STATE(bulk->info), 1);
	CHECK_EQ(submit(x, &a, ep, 64, NULL), 0);
	CHECK_EQ(fake_xhci_complete_td(s->id, 5, CC_SUCCESS, 0), 1);
	run();
	fake_check_completion(&a.done, 1, USB_OK, 64);

	/* A slot lost to a controller reset cannot be reset. */
	s->lost = true;
	CHECK_EQ(ops->device_reset(&x->hcd, &dev), USB_ERR_NODEV);
	s->lost = false;
}

TEST(bulk_stall_holds_the_queue_large_transfers_split_and_a_device_reset)
{
	struct xhci *x = probe();
	struct xhci_slot *s = add_device(x, 1, USB_SPEED_SUPER);
	struct usb_endpoint ep = { .dev = &dev, .speed = USB_SPEED_SUPER, .ep_addr = 0x82,
				   .type = USB_EP_BULK, .max_packet = 1024 };
	struct io a, b;

	CHECK_EQ(ops->ep_open(&x->hcd, &ep), 0);
	CHECK_EQ(submit(x, &a, &ep, 64, NULL), 0);
	CHECK_EQ(submit(x, &b, &ep, 64, NULL), 0);
	CHECK_EQ(fake_xhci_complete_td(s->id, 5, CC_STALL, 64), 1);
	run();
	fake_check_completion(&a.done, 1, USB_ERR_STALL, 0);
	CHECK_EQ(fake_xhci.commands[TRB_RESET_EP], 1);
	CHECK_EQ(fake_xhci.commands[TRB_SET_TR_DEQ], 1);
	CHECK_EQ(fake_xhci_complete_td(s->id, 5, CC_SUCCESS, 0), 0); /* b held back */
	ops->ep_reset(&x->hcd, &ep);
	CHECK_EQ(fake_xhci_complete_td(s->id, 5, CC_SUCCESS, 0), 1);
	run();
	fake_check_completion(&b.done, 1, USB_OK, 64);

	/* Large transfers: TRBs split at 64 KiB boundaries, the ring grows. */
	static const struct { dma_addr_t buf; size_t len; unsigned trbs; } cases[] = {
		{ 0x200000, 512, 1 }, { 0x20fff0, 32, 2 }, { 0x200000, 1 << 20, 16 },
		{ 0x200100, 1 << 20, 17 }, { 0x300000, 8 << 20, 128 }, { 0x200000, 0, 1 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		submit_buf_dma = cases[i].buf;
		CHECK_EQ(submit(x, &a, &ep, cases[i].len, NULL), 0);
		CHECK_EQ(check_bulk_td(s->id, 5, cases[i].buf, cases[i].len), cases[i].trbs);
		CHECK_EQ(fake_xhci_complete_td(s->id, 5, CC_SUCCESS, 0), cases[i].trbs);
		run();
		fake_check_completion(&a.done, 1, USB_OK, cases[i].len);
	}
	submit_buf_dma = 0x200000;
	CHECK(x->stats.grows >= 2);
	CHECK_EQ(x->stats.bad_events, 0);
	check_reset_device(x, s, &ep);
	ops->ep_close(&x->hcd, &ep);
	remove_device(x);
	CHECK_EQ(ops->device_reset(&x->hcd, &dev), USB_ERR_NODEV);
	teardown(x);
}

TEST(cancel_and_timeout_stop_the_endpoint_and_move_past_the_td)
{
	struct xhci *x = probe();
	struct xhci_slot *s = add_device(x, 3, USB_SPEED_HIGH);
	struct io a, b;

	CHECK_EQ(submit(x, &a, &dev.ep0, 18, &get_descriptor), 0);
	CHECK_EQ(submit(x, &b, &dev.ep0, 18, &get_descriptor), 0);
	ops->cancel(&x->hcd, &a.x);
	run();
	fake_check_completion(&a.done, 1, USB_ERR_CANCELLED, 0);
	CHECK_EQ(fake_xhci.commands[TRB_STOP_EP], 1);
	CHECK_EQ(fake_xhci.commands[TRB_SET_TR_DEQ], 1);
	CHECK_EQ(x->stats.bad_events, 0);
	/* b went on the ring again behind the new dequeue pointer. */
	CHECK_EQ(fake_xhci_complete_td(s->id, 1, CC_SUCCESS, 0), 3);
	run();
	fake_check_completion(&b.done, 1, USB_OK, 18);

	/* A transfer that never completes times out the same way. */
	submit_timeout_ns = 10 * NSEC_PER_MSEC;
	CHECK_EQ(submit(x, &a, &dev.ep0, 18, &get_descriptor), 0);
	fake_work_run_for(5 * NSEC_PER_MSEC);
	CHECK_EQ(a.done.calls, 0);
	fake_work_run_for(10 * NSEC_PER_MSEC);
	run();
	fake_check_completion(&a.done, 1, USB_ERR_SETUP_TIMEOUT, 0);
	CHECK_EQ(fake_xhci.commands[TRB_STOP_EP], 2);
	remove_device(x);
	teardown(x);
}

TEST(a_hung_command_is_aborted_or_else_the_controller_restarts)
{
	struct xhci *x = probe();

	memset(&dev, 0, sizeof(dev));
	dev.hcd = &x->hcd;
	dev.parent = &root;
	dev.port = 3;
	dev.speed = USB_SPEED_HIGH;
	fake_xhci.commands_hang = true;
	CHECK_EQ(ops->device_add(&x->hcd, &dev), USB_ERR_TIMEOUT);
	CHECK_EQ(fake_xhci.aborts, 1);
	CHECK_EQ(x->stats.cmd_timeouts, 1);
	CHECK(seam_log_contains("timed out; aborting"));
	fake_xhci.commands_hang = false;
	x->stats.cmd_timeouts = 0;
	CHECK(add_device(x, 3, USB_SPEED_HIGH) != NULL);
	remove_device(x);

	/* A ring that does not even stop: the controller restarts, later. */
	fake_xhci.commands_hang = fake_xhci.abort_ignored = true;
	CHECK_EQ(ops->device_add(&x->hcd, &dev), USB_ERR_TIMEOUT);
	CHECK_EQ(x->stats.resets, 0);
	CHECK_EQ(ops->device_add(&x->hcd, &dev), USB_ERR_HC); /* until then */
	fake_xhci.commands_hang = fake_xhci.abort_ignored = false;
	fake_work_run_for(0);
	CHECK_EQ(x->stats.resets, 1);
	CHECK(add_device(x, 3, USB_SPEED_HIGH) != NULL);
	remove_device(x);
	x->stats.cmd_timeouts = 0;
	teardown(x);
}

TEST(host_controller_error_restarts_and_asks_for_enumeration)
{
	struct xhci *x = probe();
	long base = fake_dma_live_chunks();
	add_device(x, 3, USB_SPEED_HIGH);
	struct io a;

	CHECK_EQ(submit(x, &a, &dev.ep0, 18, &get_descriptor), 0);
	unsigned notifies = fake_reset_notifies;
	mmio_write32(fake_xhci.regs + 0x1028, 2); /* ERSTSZ 2: QEMU dies */
	mmio_write32(fake_xhci.regs + 0x1034, 0);
	CHECK(fake_xhci.hce == 1);
	fake_work_run_for(XHCI_HEALTH_PERIOD_NS);
	run();
	CHECK_EQ(x->stats.resets, 1);
	CHECK_EQ(fake_reset_notifies, notifies + 1);
	fake_check_completion(&a.done, 1, USB_ERR_HC, 0);
	CHECK(!(fake_xhci_op(XHCI_USBSTS) & XHCI_STS_HCH));
	CHECK_EQ(ops->submit(&x->hcd, &a.x), USB_ERR_NODEV);
	remove_device(x); /* the core forgets the device: memory only */
	CHECK_EQ(fake_dma_live_chunks(), base);
	CHECK(add_device(x, 3, USB_SPEED_HIGH) != NULL);
	remove_device(x);
	teardown(x);
}

static uint32_t rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* Random event TRBs: every field from a mix of plausible and absurd
 * values. The driver must reject what is not one of its TRBs and keep
 * transfers it has not seen finish pending. */
TEST(fuzzed_event_trbs_are_reported_never_followed)
{
	struct xhci *x = probe();
	long base = fake_dma_live_chunks();
	struct xhci_slot *s = add_device(x, 3, USB_SPEED_HIGH);
	struct io a;
	uint32_t seed = 2026;

	CHECK_EQ(submit(x, &a, &dev.ep0, 18, &get_descriptor), 0);
	dma_addr_t td = fake_xhci_ep_deq(s->id, 1);
	for (int i = 0; i < 20000; i++) {
		static const uint32_t types[] = { TRB_EV_TRANSFER, TRB_EV_COMMAND, TRB_EV_PORT,
						  TRB_EV_HOST, 0, 63 };
		uint64_t params[] = { td + 16 * (rnd(&seed) % 80), rnd(&seed), 0, ~0ull,
				      x->events_dma, x->dcbaa_dma, td + 8 };
		uint32_t type = types[rnd(&seed) % 6];
		uint32_t cc = rnd(&seed) % 4 ? CC_STOPPED : rnd(&seed) % 256;
		uint32_t slot = rnd(&seed) % 3 ? rnd(&seed) % 256 : s->id + 1;
		uint32_t ep = rnd(&seed) % 32;
		if (type == TRB_EV_TRANSFER && ep == 1 && slot == s->id)
			ep = 2; /* events for the live TD would be real completions */
		fake_xhci_event(params[rnd(&seed) % 7], cc << 24 | (rnd(&seed) & 0xffffff),
				TRB_TYPE(type) | TRB_SLOT(slot) | TRB_EP(ep));
		if (i % 64 == 0)
			run();
	}
	run();
	CHECK(x->stats.bad_events > 1000);
	CHECK_EQ(fake_xhci.dropped_events, 0);
	CHECK_EQ(a.done.calls, 0);
	/* Bogus pointers on the right endpoint, then the real completion. */
	fake_xhci_event(td + 8, CC_SUCCESS << 24, TRB_TYPE(TRB_EV_TRANSFER) | TRB_SLOT(s->id) | TRB_EP(1));
	fake_xhci_event(td + 16 * 40, CC_SUCCESS << 24, TRB_TYPE(TRB_EV_TRANSFER) | TRB_SLOT(s->id) | TRB_EP(1));
	fake_xhci_event(x->dcbaa_dma, CC_SUCCESS << 24, TRB_TYPE(TRB_EV_TRANSFER) | TRB_SLOT(s->id) | TRB_EP(1));
	run();
	CHECK_EQ(a.done.calls, 0);
	fake_xhci_event(td + 32, CC_SUCCESS << 24 | 0xffffff,
			TRB_TYPE(TRB_EV_TRANSFER) | TRB_SLOT(s->id) | TRB_EP(1));
	run();
	fake_check_completion(&a.done, 1, USB_OK, 0); /* absurd residual: 0 bytes, said */
	CHECK(seam_log_contains("residual longer than the transfer"));
	remove_device(x);
	CHECK_EQ(fake_dma_live_chunks(), base);
	teardown(x);
}
