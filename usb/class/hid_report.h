/*
 * HID report-descriptor parsing for pointer devices (usb/class/hid_report.c):
 * where buttons, X, Y and wheel sit in the input report.
 */
#ifndef TERN_HID_REPORT_H
#define TERN_HID_REPORT_H

#include "types.h"

struct hid_field {
	bool present;
	uint8_t report_id;   /* 0 when the device uses no report IDs */
	uint32_t bit_offset; /* from the start of the report, after any ID byte */
	uint32_t bit_size;   /* buttons: number of 1-bit buttons */
	int32_t logical_min, logical_max;
};

struct hid_pointer_layout {
	struct hid_field buttons, x, y, wheel;
	bool absolute;       /* X/Y absolute (tablet) or relative (mouse) */
	bool uses_report_ids;
};

/* 0 on success; otherwise negative with the reason in err. */
int hid_parse_pointer(const uint8_t *desc, size_t len, struct hid_pointer_layout *out,
		      char *err, size_t errlen);
/* Extracts a field (sign-extended when logical_min < 0); 0 if it does
 * not fit in the report. */
int32_t hid_field_value(const struct hid_field *f, const uint8_t *report, size_t len);

#endif
