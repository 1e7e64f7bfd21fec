/*
 * Host tests of the HID report-descriptor parser: QEMU's usb-tablet layout
 * is found, a relative mouse is told apart, and malformed descriptors are
 * rejected with reasons.
 */
#include <string.h>

#include "harness.h"
#include "qemu_hid_desc.h"
#include "../../usb/class/hid_report.h"

static const uint8_t *const tablet = qemu_tablet_report_desc;
#define TABLET_LEN sizeof(qemu_tablet_report_desc)

static struct hid_pointer_layout lay;
static char err[96];

TEST(qemu_tablet_layout)
{
	const uint8_t report[6] = { 0x05, 0x34, 0x12, 0xff, 0x7f, 0xfe };
	CHECK_EQ(hid_parse_pointer(tablet, TABLET_LEN, &lay, err, sizeof(err)), 0);
	CHECK(lay.absolute);
	CHECK(!lay.uses_report_ids);
	CHECK_EQ(lay.buttons.bit_offset, 0);
	CHECK_EQ(lay.buttons.bit_size, 3);
	CHECK_EQ(lay.x.bit_offset, 8);
	CHECK_EQ(lay.x.bit_size, 16);
	CHECK_EQ(lay.x.logical_max, 0x7fff);
	CHECK_EQ(lay.y.bit_offset, 24);
	CHECK_EQ(lay.wheel.bit_offset, 40);
	CHECK_EQ(hid_field_value(&lay.buttons, report, 6), 5);
	CHECK_EQ(hid_field_value(&lay.x, report, 6), 0x1234);
	CHECK_EQ(hid_field_value(&lay.y, report, 6), 0x7fff);
	CHECK_EQ(hid_field_value(&lay.wheel, report, 6), -2);
	/* A short report yields 0 for fields beyond it, not a wild read. */
	CHECK_EQ(hid_field_value(&lay.wheel, report, 5), 0);
}

TEST(relative_mouse_with_report_id)
{
	const uint8_t mouse[] = {
		0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x02, 0x05, 0x09, 0x19, 0x01, 0x29, 0x05,
		0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x05, 0x81, 0x02, 0x75, 0x03, 0x95, 0x01,
		0x81, 0x01, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08,
		0x95, 0x02, 0x81, 0x06, 0xc0,
	};
	const uint8_t report[3] = { 0x01, 0xfb, 0x03 };
	CHECK_EQ(hid_parse_pointer(mouse, sizeof(mouse), &lay, err, sizeof(err)), 0);
	CHECK(!lay.absolute);
	CHECK(lay.uses_report_ids);
	CHECK_EQ(lay.x.report_id, 2);
	CHECK_EQ(hid_field_value(&lay.x, report, 3), -5);
	CHECK_EQ(hid_field_value(&lay.y, report, 3), 3);
	CHECK(!lay.wheel.present);
}

TEST(malformed_report_descriptors_are_rejected)
{
	uint8_t b[TABLET_LEN];
	CHECK(hid_parse_pointer(tablet, 4, &lay, err, sizeof(err)) < 0);
	CHECK(strstr(err, "no X/Y") != NULL);
	CHECK(hid_parse_pointer(tablet, 41, &lay, err, sizeof(err)) < 0); /* cut inside 0x26 ff 7f */
	CHECK(strstr(err, "item truncated at offset 40") != NULL);
	CHECK(hid_parse_pointer((const uint8_t[]){ 0xc0 }, 1, &lay, err, sizeof(err)) < 0);
	CHECK(strstr(err, "End Collection without") != NULL);
	CHECK(hid_parse_pointer((const uint8_t[]){ 0xb4 }, 1, &lay, err, sizeof(err)) < 0);
	CHECK(strstr(err, "Pop without Push") != NULL);
	CHECK(hid_parse_pointer((const uint8_t[]){ 0x75, 40, 0x95, 1, 0x81, 2 }, 6, &lay, err,
				sizeof(err)) < 0);
	CHECK(strstr(err, "report size 40") != NULL);
	CHECK(hid_parse_pointer((const uint8_t[]){ 0x75, 8, 0x96, 0xff, 0x7f, 0x81, 2 }, 7, &lay,
				err, sizeof(err)) < 0);
	CHECK(strstr(err, "too large") != NULL);
	CHECK(hid_parse_pointer((const uint8_t[]){ 0xfe, 10, 0 }, 3, &lay, err, sizeof(err)) < 0);
	CHECK(strstr(err, "long item truncated") != NULL);
	memcpy(b, tablet, sizeof(b));
	b[7] = 0x30; /* Usage (X) where the pointer usage was: still fine */
	CHECK_EQ(hid_parse_pointer(b, sizeof(b), &lay, err, sizeof(err)), 0);
}
