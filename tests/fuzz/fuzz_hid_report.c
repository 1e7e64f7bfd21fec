/*
 * libFuzzer harness for the HID report-descriptor parser: arbitrary
 * descriptors, then field extraction from an arbitrary report.
 */
#include <stdlib.h>
#include <string.h>

#include "../../usb/class/hid_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hid_pointer_layout lay;
	char err[96];
	size_t split = size ? data[0] : 0;
	uint8_t *buf;

	if (size == 0)
		return 0;
	split = split < size - 1 ? split : size - 1;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	if (hid_parse_pointer(buf, split, &lay, err, sizeof(err)) == 0) {
		const uint8_t *rep = buf + split;
		size_t rlen = size - 1 - split;
		hid_field_value(&lay.buttons, rep, rlen);
		hid_field_value(&lay.x, rep, rlen);
		hid_field_value(&lay.y, rep, rlen);
		hid_field_value(&lay.wheel, rep, rlen);
	}
	free(buf);
	return 0;
}
