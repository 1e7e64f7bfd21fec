/*
 * Host tests of the USB core's enumeration, hub driver and hot-plug, run
 * against the simulated controller in usb_fake_hcd.c with the fake clock:
 * trees of devices, address reuse, disconnect mid-enumeration, malformed
 * descriptors, stalls and timeouts, the one-device-at-address-0 rule, and
 * overlapped enumeration of several ports.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_usb.h"
#include "harness.h"
#include "ktime.h"
#include "seams.h"
#include "usb_fake_hcd.h"
#include "../../usb/usb_core.h"

static bool drivers_registered;

static void setup_core(void)
{
	if (!drivers_registered) {
		usb_register_driver(&usb_hub_driver);
		drivers_registered = true;
	}
	seam_log_clear();
	seam_log_echo = getenv("USB_ECHO") != NULL;
}

/* A fresh simulated controller registered as a new bus. */
static void start_bus(struct fake_hcd *fh, unsigned nports, enum usb_speed speed)
{
	setup_core();
	fake_hcd_init(fh, nports, speed);
	CHECK_EQ(usb_hcd_register(&fh->hcd), 0);
}

static bool addr0_slot_free(const struct fake_hcd *fh)
{
	return ((struct usb_bus *)fh->hcd.core)->addr0_owner == NULL;
}

/* start_bus(), then d, already made, plugged into a root port for ms. */
static void start_bus_with(struct fake_hcd *fh, unsigned nports, enum usb_speed speed,
			   unsigned port, struct fake_dev *d, uint64_t ms)
{
	start_bus(fh, nports, speed);
	fake_plug_run(fh, port, d, ms);
}

/* Unplugs a root-port device mid-enumeration: nothing of it may remain. */
static void unplug_and_check_gone(struct fake_hcd *fh, unsigned port)
{
	fake_unplug_settle(fh, port);
	CHECK_EQ(fake_configured_count(fh), 0);
	CHECK_EQ(fh->npending, 0);
	CHECK(addr0_slot_free(fh));
}

static uint64_t now_ms(void) { return seam_now_ns / NSEC_PER_MSEC; }

TEST(single_device_enumerates_with_strings_and_address_2)
{
	static struct fake_hcd fh;
	static struct fake_dev kbd;
	struct usb_device *d;

	fake_make_keyboard(&kbd, USB_SPEED_FULL);
	start_bus_with(&fh, 2, USB_SPEED_FULL, 1, &kbd, 400);
	d = fake_find_path(&fh, "1");
	REQUIRE(d != NULL);
	CHECK_EQ(d->state, USB_STATE_CONFIGURED);
	CHECK_EQ(d->address, 2); /* 1 is the root hub's */
	CHECK_EQ(kbd.address, 2);
	CHECK(kbd.configured);
	CHECK_EQ(d->desc.idVendor, 0x0627);
	CHECK(strcmp(d->product, "QEMU USB Keyboard") == 0);
	CHECK(strcmp(d->manufacturer, "QEMU") == 0);
	CHECK(strcmp(d->serial, "42") == 0);
	CHECK_EQ(d->config.num_intf, 1);
	CHECK_EQ(d->config.intf[0].desc.bInterfaceClass, USB_CLASS_HID);
	CHECK(fake_log_has(&fh, "usb %d-1: new 12M USB device number 2: 0627:0001 QEMU QEMU USB Keyboard"));
	CHECK_EQ(fh.addr0_conflicts, 0);
}

TEST(tree_of_hubs_enumerates_and_unplugging_a_hub_frees_subtree)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, hub2, k1, k2, m1;
	long dma_before = fake_dma_live(), mem_before;

	start_bus(&fh, 2, USB_SPEED_FULL);
	fake_run_ms(50);
	mem_before = fake_kmalloc_live;
	dma_before = fake_dma_live();
	fake_make_hub(&hub, 8);
	fake_make_hub(&hub2, 4);
	fake_make_keyboard(&k1, USB_SPEED_FULL);
	fake_make_keyboard(&k2, USB_SPEED_LOW);
	fake_make_mouse(&m1, USB_SPEED_FULL);
	fake_plug_hub(&hub, 1, &k1);
	fake_plug_hub(&hub, 3, &hub2);
	fake_plug_hub(&hub2, 2, &k2);
	fake_plug_root(&fh, 2, &hub);
	fake_plug_run(&fh, 1, &m1, 2000);
	CHECK_EQ(fake_configured_count(&fh), 5);
	CHECK(fake_find_path(&fh, "2.3.2") != NULL);
	if (fake_find_path(&fh, "2.3.2")) {
		CHECK_EQ(fake_find_path(&fh, "2.3.2")->speed, USB_SPEED_LOW);
		CHECK_EQ(fake_find_path(&fh, "2.3.2")->depth, 3);
	}
	CHECK(fake_find_path(&fh, "2.1") != NULL);
	CHECK_EQ(fh.addr0_conflicts, 0);
	CHECK(fh.addr0_max <= 1);

	fake_unplug_root(&fh, 2);
	fake_run_ms(100);
	CHECK_EQ(fake_configured_count(&fh), 1);
	CHECK(fake_find_path(&fh, "2.3.2") == NULL);
	CHECK(fake_log_has(&fh, "usb %d-2.3.2: USB disconnect, device number 6"));
	fake_unplug_root(&fh, 1);
	fake_run_ms(100);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK_EQ(fh.npending, 0);
	CHECK_EQ(fake_dma_live(), dma_before);
	CHECK_EQ(fake_kmalloc_live, mem_before);
	CHECK_EQ(fh.open_endpoints, 0);
	CHECK_EQ(fake_dma_misuse(), 0);
}

TEST(address_is_reused_after_disconnect)
{
	static struct fake_hcd fh;
	static struct fake_dev a, b;

	start_bus(&fh, 2, USB_SPEED_FULL);
	for (int cycle = 0; cycle < 20; cycle++) {
		fake_make_keyboard(&a, USB_SPEED_FULL);
		fake_make_tablet(&b, USB_SPEED_FULL);
		fake_plug_root(&fh, 1, &a);
		fake_run_ms(300);
		fake_plug_root(&fh, 2, &b);
		fake_run_ms(300);
		CHECK_EQ(a.address, 2);
		CHECK_EQ(b.address, 3);
		fake_unplug_root(&fh, 1);
		fake_unplug_root(&fh, 2);
		fake_run_ms(100);
		CHECK_EQ(fake_configured_count(&fh), 0);
	}
	CHECK_EQ(fh.open_endpoints, 0);
}

TEST(disconnect_mid_enumeration_leaves_nothing_behind)
{
	static struct fake_hcd fh;
	static struct fake_dev kbd;
	long dma_before, mem_before;

	start_bus(&fh, 2, USB_SPEED_FULL);
	fake_run_ms(10);
	dma_before = fake_dma_live();
	mem_before = fake_kmalloc_live;
	/* Unplug at many points of the sequence (debounce, reset, transfers). */
	for (uint64_t at = 50; at < 260; at += 7) {
		fake_make_keyboard(&kbd, USB_SPEED_FULL);
		fake_plug_root(&fh, 1, &kbd);
		fake_run_ms(at);
		unplug_and_check_gone(&fh, 1);
	}
	CHECK_EQ(fake_dma_live(), dma_before);
	CHECK_EQ(fake_kmalloc_live, mem_before);
	CHECK_EQ(fh.open_endpoints, 0);
	/* The address space is whole again: the next device gets 2. */
	fake_make_keyboard(&kbd, USB_SPEED_FULL);
	fake_plug_run(&fh, 1, &kbd, 300);
	CHECK_EQ(kbd.address, 2);
	fake_unplug_settle(&fh, 1);
}

TEST(malformed_config_is_rejected_with_a_message_naming_the_device)
{
	static struct fake_hcd fh;
	static struct fake_dev bad;

	fake_make_keyboard(&bad, USB_SPEED_FULL);
	bad.config[13] = 2; /* bNumEndpoints 2, one present */
	start_bus_with(&fh, 2, USB_SPEED_FULL, 2, &bad, 500);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK(fake_log_has(&fh, "usb %d-2: device not accepted: bad configuration descriptor: "
				"interface 0 alt 0 declares 2 endpoints, found 1"));
	CHECK_EQ(fh.root_status[1] & USB_PORT_ENABLED, 0);
	CHECK_EQ(fh.resets_started, 1); /* no retry of a malformed device */
	fake_unplug_settle(&fh, 2);
}

TEST(stalled_string_requests_do_not_stop_enumeration)
{
	static struct fake_hcd fh;
	static struct fake_dev dev;
	struct usb_device *d;

	fake_make_mouse(&dev, USB_SPEED_FULL);
	dev.stall_request = USB_REQ_GET_DESCRIPTOR;
	dev.stall_desc_type = USB_DT_STRING;
	start_bus_with(&fh, 1, USB_SPEED_FULL, 1, &dev, 400);
	d = fake_find_path(&fh, "1");
	CHECK(d && d->state == USB_STATE_CONFIGURED);
	CHECK(d && d->product[0] == 0);
	fake_unplug_settle(&fh, 1);
}

TEST(stall_on_set_configuration_gives_up_after_bounded_retries)
{
	static struct fake_hcd fh;
	static struct fake_dev dev;

	fake_make_mouse(&dev, USB_SPEED_FULL);
	dev.stall_request = USB_REQ_SET_CONFIGURATION;
	start_bus_with(&fh, 1, USB_SPEED_FULL, 1, &dev, 3000);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK_EQ(fh.resets_started, 3);
	CHECK(fake_log_has(&fh, "usb %d-1: device not accepted: SET_CONFIGURATION: stalled; "
				"port disabled"));
	CHECK(addr0_slot_free(&fh));
	/* Address space is clean: all three attempts gave theirs back. */
	CHECK(usb_find_device(fh.hcd.busnum, 2) == NULL);
	fake_unplug_settle(&fh, 1);
	CHECK_EQ(fh.open_endpoints, 0);
}

TEST(timeouts_are_retried_and_recovered)
{
	static struct fake_hcd fh;
	static struct fake_dev dev;

	fake_make_mouse(&dev, USB_SPEED_FULL);
	dev.timeouts_left = 1; /* the first GET_DESCRIPTOR times out */
	start_bus_with(&fh, 1, USB_SPEED_FULL, 1, &dev, 1000);
	CHECK_EQ(fake_configured_count(&fh), 1);
	CHECK_EQ(fh.resets_started, 2);
	CHECK(seam_log_contains("(attempt 1 of 3)"));
	fake_unplug_settle(&fh, 1);
}

TEST(ports_enumerate_overlapped_but_one_device_at_address_0)
{
	static struct fake_hcd fh;
	static struct fake_dev devs[4];
	uint64_t start;

	start_bus(&fh, 4, USB_SPEED_FULL);
	fake_run_ms(10);
	start = now_ms();
	for (unsigned i = 0; i < 4; i++) {
		fake_make_keyboard(&devs[i], USB_SPEED_FULL);
		fake_plug_root(&fh, i + 1, &devs[i]);
	}
	while (fake_configured_count(&fh) < 4 && now_ms() - start < 5000)
		fake_run_ms(1);
	CHECK_EQ(fake_configured_count(&fh), 4);
	/* Serially each needs >= 100 + 50 + 10 + 2 ms of spec delays; with
	 * overlap only recovery..SET_ADDRESS (12 ms + 2 transfers) is serial. */
	CHECK(now_ms() - start < 162 + 4 * 20);
	CHECK_EQ(fh.addr0_conflicts, 0);
	CHECK_EQ(fh.addr0_max, 1);
	/* Root resets overlap; only their ends are serialised. */
	CHECK_EQ(fh.concurrent_resets_max, 4);
	for (unsigned i = 0; i < 4; i++)
		fake_unplug_root(&fh, i + 1);
	fake_run_ms(50);
}

TEST(two_buses_enumerate_concurrently)
{
	static struct fake_hcd a, b;
	static struct fake_dev da, db;
	uint64_t start;

	setup_core();
	fake_hcd_init(&a, 2, USB_SPEED_FULL);
	fake_hcd_init(&b, 2, USB_SPEED_FULL);
	fake_make_keyboard(&da, USB_SPEED_FULL);
	fake_make_keyboard(&db, USB_SPEED_FULL);
	fake_plug_root(&a, 1, &da);
	fake_plug_root(&b, 1, &db);
	start = now_ms();
	CHECK_EQ(usb_hcd_register(&a.hcd), 0);
	CHECK_EQ(usb_hcd_register(&b.hcd), 0);
	CHECK(a.hcd.busnum != b.hcd.busnum);
	while ((fake_configured_count(&a) < 1 || fake_configured_count(&b) < 1) && now_ms() - start < 2000)
		fake_run_ms(1);
	/* Both at once: both resets overlap, well under two serial runs. */
	CHECK(now_ms() - start < 250);
	CHECK_EQ(da.address, 2);
	CHECK_EQ(db.address, 2);
	fake_unplug_root(&a, 1);
	fake_unplug_root(&b, 1);
	fake_run_ms(50);
}

TEST(full_speed_device_on_high_speed_root_is_handed_off_quietly)
{
	static struct fake_hcd fh;
	static struct fake_dev fs;

	start_bus(&fh, 2, USB_SPEED_HIGH);
	fh.hands_off_full_speed = true;
	fake_make_keyboard(&fs, USB_SPEED_FULL);
	fake_plug_run(&fh, 2, &fs, 500);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK(seam_log_contains("port 2: full-speed device handed to companion"));
	CHECK(!seam_log_contains("not accepted"));
	CHECK(addr0_slot_free(&fh));
	/* Unplug: ownership comes back, nothing to do. */
	fh.root[1] = NULL;
	fh.root_status[1] = USB_PORT_CONNECT_CHANGE;
	fake_run_ms(100);
	CHECK_EQ(fake_configured_count(&fh), 0);
}

/* usbwait's view of a hand-off: pending from the EHCI side's hand-off
 * until a full-speed root port sees the device, or until it expires. */
TEST(handoff_counts_until_the_companion_sees_the_device)
{
	static struct fake_hcd ehci, companion;
	static struct fake_dev fs, other;

	fake_run_ms(2000); /* hand-offs of earlier tests expire */
	CHECK_EQ(usb_handoffs_in_progress(), 0);
	start_bus(&ehci, 2, USB_SPEED_HIGH);
	start_bus(&companion, 2, USB_SPEED_FULL);
	ehci.hands_off_full_speed = true;
	fake_make_keyboard(&fs, USB_SPEED_FULL);
	fake_plug_run(&ehci, 1, &fs, 500);
	CHECK_EQ(usb_handoffs_in_progress(), 1);
	fake_plug_run(&companion, 1, &fs, 500);
	CHECK_EQ(usb_handoffs_in_progress(), 0);
	CHECK_EQ(fake_configured_count(&companion), 1);

	fake_make_keyboard(&other, USB_SPEED_FULL);
	fake_plug_run(&ehci, 2, &other, 500);
	CHECK_EQ(usb_handoffs_in_progress(), 1);
	fake_run_ms(2000); /* no companion driver ever reports it */
	CHECK_EQ(usb_handoffs_in_progress(), 0);
}

TEST(hubs_deeper_than_the_usb_limit_are_refused)
{
	static struct fake_hcd fh;
	static struct fake_dev hubs[6], kbd;

	start_bus(&fh, 1, USB_SPEED_FULL);
	for (int i = 0; i < 6; i++)
		fake_make_hub(&hubs[i], 2);
	for (int i = 0; i < 5; i++)
		fake_plug_hub(&hubs[i], 1, &hubs[i + 1]);
	fake_make_keyboard(&kbd, USB_SPEED_FULL);
	fake_plug_hub(&hubs[4], 2, &kbd); /* tier 7: allowed */
	fake_plug_run(&fh, 1, &hubs[0], 5000);
	CHECK(fake_find_path(&fh, "1.1.1.1.1.2") != NULL);
	CHECK(fake_log_has(&fh, "usb %d-1.1.1.1.1.1: hub at tier 7"));
	CHECK(fake_find_path(&fh, "1.1.1.1.1.1") != NULL); /* enumerated, not used as hub */
	fake_unplug_settle(&fh, 1);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK_EQ(fh.open_endpoints, 0);
}

TEST(hub_port_hotplug_after_boot)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, k;
	long dma_before;

	fake_make_hub(&hub, 4);
	start_bus_with(&fh, 1, USB_SPEED_FULL, 1, &hub, 600);
	CHECK_EQ(fake_configured_count(&fh), 1);
	dma_before = fake_dma_live();
	/* A hub-level change is acknowledged, not reported forever. */
	hub.hub_change = 0x2;
	fake_run_ms(300);
	CHECK_EQ(hub.hub_change, 0);
	/* A halted status endpoint is cleared and keeps reporting. */
	hub.int_halted = true;
	fake_run_ms(50);
	CHECK_EQ(hub.halt_clears, 1);
	CHECK_EQ(fh.ep_resets, 1);
	for (int cycle = 0; cycle < 5; cycle++) {
		fake_make_keyboard(&k, USB_SPEED_FULL);
		fake_plug_hub(&hub, 4, &k);
		fake_run_ms(600);
		CHECK_EQ(fake_configured_count(&fh), 2);
		CHECK(fake_find_path(&fh, "1.4") != NULL);
		fake_unplug_hub(&hub, 4);
		fake_run_ms(600);
		CHECK_EQ(fake_configured_count(&fh), 1);
		CHECK_EQ(fake_dma_live(), dma_before); /* back to baseline each cycle */
	}
	/* Unplugged at every point of its enumeration behind the hub. */
	for (uint64_t at = 90; at < 160; at += 3) {
		fake_make_keyboard(&k, USB_SPEED_FULL);
		fake_plug_hub(&hub, 3, &k);
		fake_run_ms(at);
		fake_unplug_hub(&hub, 3);
		fake_run_ms(300);
		CHECK_EQ(fake_configured_count(&fh), 1);
		CHECK_EQ(fake_dma_live(), dma_before);
	}
	fake_unplug_settle(&fh, 1);
}

TEST(buffer_alloc_refuses_oversize_clearly)
{
	dma_addr_t dma;
	seam_log_clear();
	CHECK(usb_buffer_alloc(1 << 20, &dma) == NULL);
	CHECK(seam_log_contains("buffer of 1048576 bytes refused"));
	/* The simulated physical range straddles 4 GiB: buffers stay below. */
	for (int i = 0; i < 64; i++) {
		void *p = usb_buffer_alloc(64 * KiB, &dma);
		CHECK(p != NULL);
		CHECK(dma + 64 * KiB - 1 <= 0xffffffffull);
		usb_buffer_free(p);
	}
	CHECK_EQ(fake_dma_misuse(), 0);
	CHECK(strcmp(usb_status_str(USB_ERR_STALL), "stalled") == 0);
}

TEST(sync_control_times_out_and_cancels_when_the_controller_never_answers)
{
	static struct fake_hcd fh;
	static struct fake_dev dev;
	struct usb_device *d;
	uint8_t buf[18];
	uint64_t t0;
	long dma_before;

	fake_make_mouse(&dev, USB_SPEED_FULL);
	start_bus_with(&fh, 1, USB_SPEED_FULL, 1, &dev, 400);
	d = fake_find_path(&fh, "1");
	REQUIRE(d != NULL);
	CHECK_EQ(usb_control_sync(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0,
				  buf, sizeof(buf), NULL, 100 * NSEC_PER_MSEC), 0);
	CHECK_EQ(buf[0], 18);
	/* The root hub is the core's own: nothing to send it. */
	CHECK_EQ(usb_control_sync(d->parent, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR,
				  USB_DT_DEVICE << 8, 0, buf, sizeof(buf), NULL,
				  100 * NSEC_PER_MSEC), USB_ERR_NODEV);
	dma_before = fake_dma_live();
	fh.swallow = true;
	t0 = seam_now_ns;
	CHECK_EQ(usb_control_sync(d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0,
				  buf, sizeof(buf), NULL, 100 * NSEC_PER_MSEC),
		 USB_ERR_SETUP_TIMEOUT);
	/* Bounded: the timeout plus the one-second guard, no more. */
	CHECK(seam_now_ns - t0 <= 1200 * NSEC_PER_MSEC);
	CHECK_EQ(fake_dma_live(), dma_before);
	fh.swallow = false;
	fake_unplug_settle(&fh, 1);
	CHECK_EQ(fh.npending, 0);
}

TEST(controller_reset_forgets_and_re_enumerates_the_bus)
{
	static struct fake_hcd fh;
	static struct fake_dev a;

	fake_make_keyboard(&a, USB_SPEED_FULL);
	start_bus_with(&fh, 2, USB_SPEED_FULL, 2, &a, 400);
	CHECK_EQ(fake_configured_count(&fh), 1);
	fh.root_status[1] &= ~USB_PORT_ENABLED; /* what a controller reset does */
	a.address = 0;
	usb_hcd_reset_notify(&fh.hcd);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK(fake_log_has(&fh, "usb: bus %d: controller was reset, enumerating again"));
	fake_run_ms(400);
	CHECK_EQ(fake_configured_count(&fh), 1);
	CHECK_EQ(a.address, 2);
	fake_unplug_settle(&fh, 2);
	CHECK_EQ(fh.open_endpoints, 0);
}

TEST(dma_exhaustion_during_enumeration_fails_cleanly)
{
	static struct fake_hcd fh;
	static struct fake_dev a;

	start_bus(&fh, 1, USB_SPEED_FULL);
	fake_make_keyboard(&a, USB_SPEED_FULL);
	fake_plug_root(&fh, 1, &a);
	fake_dma_exhaust();
	fake_run_ms(400);
	fake_dma_restore();
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK(fake_log_has(&fh, "usb %d-1: device not accepted: out of DMA memory; port disabled"));
	fake_unplug_settle(&fh, 1);
	/* Plugged again with memory back: it works. */
	fake_make_keyboard(&a, USB_SPEED_FULL);
	fake_plug_run(&fh, 1, &a, 400);
	CHECK_EQ(fake_configured_count(&fh), 1);
	fake_unplug_settle(&fh, 1);
}

TEST(controller_that_addresses_devices_itself_gets_no_set_address)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, k;

	setup_core();
	fake_hcd_init(&fh, 2, USB_SPEED_FULL);
	fake_hcd_xhci_shape(&fh);
	CHECK_EQ(usb_hcd_register(&fh.hcd), 0);
	fake_make_hub(&hub, 4);
	fake_make_keyboard(&k, USB_SPEED_FULL);
	fake_plug_hub(&hub, 2, &k);
	fake_plug_run(&fh, 1, &hub, 1000);
	CHECK_EQ(fake_configured_count(&fh), 2);
	CHECK_EQ(fh.set_address_calls, 2);
	CHECK_EQ(hub.set_address_count + k.set_address_count, 0); /* none on the wire */
	CHECK_EQ(k.address, 3);
	CHECK_EQ(fh.devices_added, 2);
	fake_unplug_settle(&fh, 1);
	CHECK_EQ(fh.devices_added, 0);
	CHECK_EQ(fh.open_endpoints, 0);
}

TEST(full_speed_devices_behind_a_high_speed_hub_get_its_transaction_translator)
{
	static struct fake_hcd fh;
	static struct fake_dev hs_hub, fs_hub, k1, k2;
	struct usb_device *d1, *d2;

	fake_make_hub(&hs_hub, 4);
	hs_hub.speed = USB_SPEED_HIGH;
	hs_hub.dev_desc[7] = 64;
	fake_make_hub(&fs_hub, 4);
	fake_make_keyboard(&k1, USB_SPEED_FULL);
	fake_make_keyboard(&k2, USB_SPEED_LOW);
	fake_plug_hub(&hs_hub, 3, &k1);
	fake_plug_hub(&hs_hub, 4, &fs_hub);
	fake_plug_hub(&fs_hub, 1, &k2);
	start_bus_with(&fh, 2, USB_SPEED_HIGH, 1, &hs_hub, 1500);
	d1 = fake_find_path(&fh, "1.3");
	d2 = fake_find_path(&fh, "1.4.1");
	CHECK(d1 && d2);
	if (!d1 || !d2)
		return;
	CHECK_EQ(d1->tt_hub_addr, hs_hub.address);
	CHECK_EQ(d1->tt_port, 3);
	CHECK_EQ(d1->ep0.tt_hub_addr, hs_hub.address);
	/* Behind a full-speed hub the nearest high-speed hub still translates. */
	CHECK_EQ(d2->tt_hub_addr, hs_hub.address);
	CHECK_EQ(d2->tt_port, 4);
	CHECK_EQ(fake_find_path(&fh, "1")->tt_hub_addr, 0);
	fake_unplug_settle(&fh, 1);
}

TEST(bad_device_descriptors_and_oversized_configs_are_rejected)
{
	static struct fake_hcd fh;
	static struct fake_dev a, b, hub;

	start_bus(&fh, 3, USB_SPEED_FULL);
	fake_make_mouse(&a, USB_SPEED_FULL);
	a.dev_desc[7] = 12; /* bMaxPacketSize0 12: not a legal size */
	fake_make_mouse(&b, USB_SPEED_FULL);
	b.config[2] = 0x00;
	b.config[3] = 0x20; /* wTotalLength 8192 */
	fake_make_hub(&hub, 0);
	fake_plug_root(&fh, 1, &a);
	fake_plug_root(&fh, 2, &b);
	fake_plug_run(&fh, 3, &hub, 1000);
	CHECK(fake_log_has(&fh, "usb %d-1: device not accepted: bad device descriptor: "
			   "bMaxPacketSize0 12; port disabled"));
	CHECK(fake_log_has(&fh, "usb %d-2: device not accepted: bad configuration descriptor: "
			   "wTotalLength 8192 out of range 9..4096; port disabled"));
	CHECK(fake_log_has(&fh, "usb %d-3: hub: 0 ports unsupported (1..31); hub not used"));
	CHECK_EQ(fake_configured_count(&fh), 1); /* the hub, enumerated but unused */
	for (unsigned port = 1; port <= 3; port++)
		fake_unplug_root(&fh, port);
	fake_run_ms(50);
	CHECK_EQ(fake_configured_count(&fh), 0);
	CHECK_EQ(fh.open_endpoints, 0);
}

TEST(unplugging_a_hub_while_its_children_enumerate_leaves_nothing_behind)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, k1, k2;
	long dma_before, mem_before;

	start_bus(&fh, 1, USB_SPEED_FULL);
	fake_run_ms(10);
	dma_before = fake_dma_live();
	mem_before = fake_kmalloc_live;
	/* The hub is configured ~190 ms after plugging; its children go
	 * through debounce, reset and transfers in the 300 ms after that. */
	for (uint64_t at = 150; at < 520; at += 9) {
		fake_make_hub(&hub, 4);
		fake_make_keyboard(&k1, USB_SPEED_FULL);
		fake_make_keyboard(&k2, USB_SPEED_LOW);
		fake_plug_hub(&hub, 1, &k1);
		fake_plug_hub(&hub, 2, &k2);
		fake_plug_root(&fh, 1, &hub);
		fake_run_ms(at);
		unplug_and_check_gone(&fh, 1);
	}
	CHECK_EQ(fake_dma_live(), dma_before);
	CHECK_EQ(fake_kmalloc_live, mem_before);
	CHECK_EQ(fh.open_endpoints, 0);
	CHECK_EQ(fake_dma_misuse(), 0);
	CHECK(usb_find_device(fh.hcd.busnum, 2) == NULL);
}
