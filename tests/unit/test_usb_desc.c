/*
 * Host tests of usb/descriptors.c: well-formed QEMU descriptors parse into
 * the expected copies; every kind of malformed input is rejected with its
 * reason; string descriptors convert to UTF-8 with bad surrogates replaced.
 */
#include <string.h>

#include "harness.h"
#include "usb.h"

static const uint8_t hid_config[34] = {
	9, USB_DT_CONFIG, 34, 0, 1, 1, 0, 0xa0, 50,
	9, USB_DT_INTERFACE, 0, 0, 1, USB_CLASS_HID, 1, 1, 0,
	9, USB_DT_HID, 0x01, 0x01, 0, 1, USB_DT_HID_REPORT, 63, 0,
	7, USB_DT_ENDPOINT, 0x81, USB_EP_INTERRUPT, 8, 0, 10,
};

static struct usb_config cfg;
static char err[128];

static int parse_modified(size_t at, uint8_t value, size_t len)
{
	uint8_t b[64];
	memcpy(b, hid_config, sizeof(hid_config));
	b[at] = value;
	return usb_parse_config(b, len, &cfg, err, sizeof(err));
}

TEST(qemu_keyboard_config_parses)
{
	const uint8_t *hid;
	CHECK_EQ(usb_parse_config(hid_config, sizeof(hid_config), &cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.num_intf, 1);
	CHECK_EQ(cfg.intf[0].desc.bInterfaceProtocol, 1);
	CHECK_EQ(cfg.intf[0].ep_desc[0].bEndpointAddress, 0x81);
	CHECK_EQ(cfg.intf[0].ep_desc[0].wMaxPacketSize, 8);
	CHECK_EQ(cfg.intf[0].raw_off, 9);
	CHECK_EQ(cfg.intf[0].raw_len, 25);
	hid = usb_intf_find_desc(&cfg.intf[0], hid_config, USB_DT_HID, 9);
	CHECK(hid == hid_config + 18);
	CHECK(usb_intf_find_desc(&cfg.intf[0], hid_config, USB_DT_HUB, 2) == NULL);
}

#define REJECTS(expr, reason)                                     \
	do {                                                      \
		err[0] = 0;                                       \
		CHECK((expr) < 0);                                \
		CHECK(strstr(err, reason) != NULL);               \
		if (!strstr(err, reason))                         \
			fprintf(stderr, "  got: %s\n", err);      \
	} while (0)

TEST(malformed_configs_are_rejected_with_reasons)
{
	REJECTS(parse_modified(0, 9, 5), "truncated (5 of 9 bytes)");
	REJECTS(parse_modified(2, 40, 34), "wTotalLength 40 but only 34 bytes received");
	REJECTS(parse_modified(2, 4, 34), "wTotalLength 4 shorter than the header");
	REJECTS(parse_modified(1, USB_DT_DEVICE, 34), "expected configuration descriptor");
	REJECTS(parse_modified(9, 0, 34), "descriptor of length 0 at offset 9");
	REJECTS(parse_modified(27, 9, 34), "overruns wTotalLength");
	REJECTS(parse_modified(13, 2, 34), "declares 2 endpoints, found 1");
	REJECTS(parse_modified(13, 0, 34), "more endpoints than bNumEndpoints 0");
	REJECTS(parse_modified(4, 2, 34), "bNumInterfaces is 2 but 1 interfaces are present");
	REJECTS(parse_modified(29, 0x80, 34), "declares endpoint 0");
	REJECTS(parse_modified(31, 0, 34), "wMaxPacketSize 0");
	REJECTS(parse_modified(30, USB_EP_CONTROL, 34), "control endpoint");
	REJECTS(parse_modified(9, 5, 34), "interface descriptor at offset 9 too short");
	REJECTS(parse_modified(10, USB_DT_ENDPOINT, 34), "endpoint descriptor before any interface");
	REJECTS(parse_modified(29, 0x91, 34), "reserved bits");
	REJECTS(usb_parse_config(hid_config, 0, &cfg, err, sizeof(err)), "truncated (0 of 9");
}

TEST(duplicate_endpoints_and_interfaces_are_rejected)
{
	uint8_t b[48];
	memcpy(b, hid_config, 34);
	b[13] = 2;
	memcpy(b + 34, hid_config + 27, 7); /* the same endpoint again */
	b[2] = 41;
	REJECTS(usb_parse_config(b, 41, &cfg, err, sizeof(err)), "lists endpoint 0x81 twice");
	b[34 + 2] = 0x02; /* OUT 2: fine */
	CHECK_EQ(usb_parse_config(b, 41, &cfg, err, sizeof(err)), 0);

	memcpy(b, hid_config, 34);
	memcpy(b + 34, hid_config + 9, 9); /* interface 0 twice, no endpoints */
	b[34 + 4] = 0;
	b[2] = 43;
	b[4] = 2;
	REJECTS(usb_parse_config(b, 43, &cfg, err, sizeof(err)), "interface 0 appears twice");
	b[34 + 3] = 1; /* alternate setting 1: legal */
	b[4] = 1;
	CHECK_EQ(usb_parse_config(b, 43, &cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.num_intf, 2);
}

TEST(device_descriptor_checks)
{
	struct usb_device_descriptor d;
	uint8_t b[18] = { 18, 1, 0x10, 1, 0, 0, 0, 8, 0x27, 6, 1, 0, 0, 0, 1, 2, 3, 1 };
	CHECK_EQ(usb_parse_device_desc(b, 18, USB_SPEED_FULL, &d, err, sizeof(err)), 0);
	CHECK_EQ(d.idVendor, 0x0627);
	REJECTS(usb_parse_device_desc(b, 17, USB_SPEED_FULL, &d, err, sizeof(err)), "truncated");
	REJECTS(usb_parse_device_desc(b, 18, USB_SPEED_HIGH, &d, err, sizeof(err)),
		"bMaxPacketSize0 8 invalid at 480M");
	b[7] = 12;
	REJECTS(usb_parse_device_desc(b, 18, USB_SPEED_FULL, &d, err, sizeof(err)),
		"bMaxPacketSize0 12");
	b[7] = 8;
	b[17] = 0;
	REJECTS(usb_parse_device_desc(b, 18, USB_SPEED_FULL, &d, err, sizeof(err)),
		"bNumConfigurations is 0");
	b[0] = 9;
	REJECTS(usb_parse_device_desc(b, 18, USB_SPEED_FULL, &d, err, sizeof(err)), "bLength 9");
}

TEST(strings_convert_to_utf8)
{
	char out[32];
	const uint8_t ascii[] = { 10, 3, 'Q', 0, 'E', 0, 'M', 0, 'U', 0 };
	const uint8_t euro_and_emoji[] = { 10, 3, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde, 'x', 0 };
	const uint8_t lone[] = { 8, 3, 0x00, 0xdc, 'a', 0, 0x3d, 0xd8 };

	CHECK_EQ(usb_string_to_utf8(ascii, sizeof(ascii), out, sizeof(out)), 4);
	CHECK(strcmp(out, "QEMU") == 0);
	CHECK_EQ(usb_string_to_utf8(euro_and_emoji, sizeof(euro_and_emoji), out, sizeof(out)), 8);
	CHECK(strcmp(out, "\xe2\x82\xac\xf0\x9f\x98\x80x") == 0);
	usb_string_to_utf8(lone, sizeof(lone), out, sizeof(out));
	CHECK(strcmp(out, "\xef\xbf\xbd" "a\xef\xbf\xbd") == 0);
	/* bLength beyond the buffer: only what was received is read */
	CHECK_EQ(usb_string_to_utf8((const uint8_t[]){ 200, 3, 'h', 0 }, 4, out, sizeof(out)), 1);
	/* output too small: truncated at a character boundary, terminated */
	CHECK_EQ(usb_string_to_utf8(euro_and_emoji, sizeof(euro_and_emoji), out, 5), 3);
	CHECK_EQ(usb_string_to_utf8(ascii, 1, out, sizeof(out)), USB_ERR_INVAL);
	CHECK_EQ(out[0], 0);
}
