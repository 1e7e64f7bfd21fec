/*
 * Host tests of usb_device_reset (a reset that keeps the device) against
 * the simulated controller: the device struct, its address and its driver
 * binding survive, requests in flight fail with USB_ERR_RESET and new
 * ones are refused until it is over, the device is addressed and
 * configured again on the wire (or through the controller's device_reset
 * and set_address ops, xHCI's shape), and typing works afterwards. A
 * device whose descriptor changed, or that is unplugged meanwhile, is
 * handled as a new device or a disconnect.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_usb.h"
#include "harness.h"
#include "ktime.h"
#include "seams.h"
#include "usb_fake_hcd.h"
#include "../../usb/class/hid.h"
#include "../../usb/usb_core.h"

static bool inited;
static struct fake_dev kbd;

/* A keyboard on root port 1 of a fresh full-speed controller (a registered
 * bus keeps its controller, so each test gets its own). */
static struct fake_hcd *plug_keyboard(bool xhci_shape)
{
	struct fake_hcd *fh = calloc(1, sizeof(*fh));

	if (!inited) {
		usb_init();
		inited = true;
	}
	seam_log_echo = getenv("USB_ECHO") != NULL;
	seam_log_clear();
	fake_shell_clear();
	fake_hcd_init(fh, 2, USB_SPEED_FULL);
	if (xhci_shape)
		fake_hcd_xhci_shape(fh);
	fake_make_keyboard(&kbd, USB_SPEED_FULL);
	fake_bus_with(fh, 400, &kbd, NULL);
	return fh;
}

static void type_key(uint8_t usage)
{
	const uint8_t down[8] = { 0, 0, usage }, up[8] = { 0 };

	fake_queue_report(&kbd, down, 8);
	fake_run_ms(20);
	fake_queue_report(&kbd, up, 8);
	fake_run_ms(20);
}

/* The keyboard still types (want: what the A key gives); then it is
 * unplugged, leaving nothing open. */
static void check_types_then_unplug(struct fake_hcd *fh, const char *want)
{
	type_key(0x04);
	CHECK(strcmp(fake_shell_typed, want) == 0);
	fake_unplug_settle(fh, 1);
	CHECK_EQ(fh->open_endpoints, 0);
	CHECK_EQ(fh->devices_added, 0);
}

static int last_status = 1;
static void note_status(struct usb_request *r) { last_status = r->xfer.status; }

static struct usb_request *descriptor_request(struct usb_device *dev)
{
	struct usb_request *r = usb_request_alloc(dev, &dev->ep0, 2);

	r->done = note_status;
	*r->xfer.setup = (struct usb_setup){ USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 2 };
	r->xfer.len = 2;
	return r;
}

TEST(reset_keeps_the_device_its_address_and_driver_and_it_types_after)
{
	struct fake_hcd *fh = plug_keyboard(false);
	struct usb_device *dev = fake_find_path(fh, "1");
	REQUIRE(dev != NULL);
	struct usb_interface *intf = &dev->config.intf[0];
	const struct usb_driver *drv = intf->driver;
	void *hid = intf->driver_data;
	uint8_t addr = dev->address;
	unsigned set_addresses = kbd.set_address_count, opens = fh->ep_opens;
	struct usb_request *r = descriptor_request(dev);

	REQUIRE(drv != NULL);
	type_key(0x39); /* caps lock: the keyboard forgets its LED in the reset */
	CHECK_EQ(kbd.leds, HID_LED_CAPS);
	fh->latency_ns = 5 * NSEC_PER_MSEC; /* r is still in flight at the reset */
	CHECK_EQ(usb_submit(r), 0);
	CHECK_EQ(usb_device_reset(dev), 0);
	CHECK(dev->resetting);
	fake_run_ms(1);
	CHECK_EQ(last_status, USB_ERR_RESET);
	CHECK_EQ(usb_submit(r), USB_ERR_RESET);
	fake_run_ms(300);
	CHECK(!dev->resetting);
	CHECK(fake_find_path(fh, "1") == dev);
	CHECK_EQ(dev->address, addr);
	CHECK_EQ(kbd.address, addr);
	CHECK_EQ(kbd.set_address_count, set_addresses + 1);
	CHECK(kbd.configured);
	CHECK_EQ(kbd.leds, HID_LED_CAPS); /* sent again */
	CHECK(intf->driver == drv && intf->driver_data == hid);
	CHECK(fh->ep_opens > opens); /* endpoint 0 and the interrupt IN reopened */
	CHECK(fake_log_has(fh, "usb %d-1: reset done, device number 2 kept"));
	CHECK(!seam_log_contains("USB disconnect"));
	CHECK_EQ(usb_submit(r), 0);
	fake_run_ms(20);
	CHECK_EQ(last_status, USB_OK);
	usb_request_free(r);
	check_types_then_unplug(fh, "A");
}

TEST(a_controller_that_addresses_devices_resets_them_through_its_ops)
{
	struct fake_hcd *fh = plug_keyboard(true);
	struct usb_device *dev = fake_find_path(fh, "1");
	REQUIRE(dev != NULL);
	unsigned set_address_calls = fh->set_address_calls;

	CHECK_EQ(usb_device_reset(dev), 0);
	fake_run_ms(300);
	CHECK_EQ(fh->device_resets, 1);
	CHECK_EQ(fh->set_address_calls, set_address_calls + 1);
	CHECK_EQ(kbd.set_address_count, 0); /* none on the wire */
	CHECK_EQ(fh->devices_added, 1);     /* the controller's record kept */
	CHECK(fake_find_path(fh, "1") == dev && dev->address == kbd.address);
	check_types_then_unplug(fh, "a");
}

TEST(a_changed_device_descriptor_falls_back_to_a_new_enumeration)
{
	struct fake_hcd *fh = plug_keyboard(false);
	struct usb_device *dev = fake_find_path(fh, "1");
	REQUIRE(dev != NULL);

	kbd.dev_desc[12]++; /* bcdDevice: new firmware */
	CHECK_EQ(usb_device_reset(dev), 0);
	fake_run_ms(500);
	CHECK(fake_log_has(fh, "usb %d-1: device descriptor changed across the reset; "
			       "enumerating it as a new device"));
	CHECK(seam_log_contains("USB disconnect, device number"));
	CHECK(fake_log_has(fh, "usb %d-1: new 12M USB device number 2"));
	CHECK_EQ(fake_configured_count(fh), 1);
	check_types_then_unplug(fh, "a");
}

TEST(unplugging_during_a_reset_is_a_disconnect_and_a_reset_needs_a_device)
{
	struct fake_hcd *fh = plug_keyboard(false);
	struct usb_device *root, *dev = fake_find_path(fh, "1");
	REQUIRE(dev != NULL);

	for (unsigned ms = 0; ms < 60; ms += 15) { /* quiescing, resetting, readdressing */
		fake_plug_run(fh, 1, &kbd, 400);
		dev = fake_find_path(fh, "1");
		REQUIRE(dev != NULL);
		CHECK_EQ(usb_device_reset(dev), 0);
		fake_run_ms(ms);
		fake_unplug_settle(fh, 1);
		CHECK_EQ(fake_configured_count(fh), 0);
		CHECK_EQ(fh->open_endpoints, 0);
		CHECK_EQ(fh->npending, 0);
	}
	root = ((struct usb_bus *)fh->hcd.core)->root;
	CHECK_EQ(usb_device_reset(root), USB_ERR_INVAL);
}
