/*
 * libFuzzer harness for usb/descriptors.c: arbitrary bytes as a
 * configuration, a device and a string descriptor. A parsed configuration
 * must be self-consistent: counts match, spans lie inside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "usb.h"

static void check_config(const uint8_t *data, size_t size, const struct usb_config *cfg)
{
	for (unsigned i = 0; i < cfg->num_intf; i++) {
		const struct usb_interface *in = &cfg->intf[i];
		if ((size_t)in->raw_off + in->raw_len > size || in->desc.bNumEndpoints > USB_MAX_ENDPOINTS)
			abort();
		for (unsigned e = 0; e < in->desc.bNumEndpoints; e++)
			if ((in->ep_desc[e].bEndpointAddress & 0xf) == 0 ||
			    (in->ep_desc[e].wMaxPacketSize & 0x7ff) == 0)
				abort();
		usb_intf_find_desc(in, data, USB_DT_HID, 9);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct usb_config cfg;
	struct usb_device_descriptor dd;
	char err[128], str[64];
	/* A private copy so ASan catches reads past the end. */
	uint8_t *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	if (usb_parse_config(buf, size, &cfg, err, sizeof(err)) == 0)
		check_config(buf, size, &cfg);
	usb_parse_device_desc(buf, size, USB_SPEED_FULL, &dd, err, sizeof(err));
	if (usb_string_to_utf8(buf, size, str, sizeof(str)) >= (int)sizeof(str))
		abort();
	free(buf);
	return 0;
}
