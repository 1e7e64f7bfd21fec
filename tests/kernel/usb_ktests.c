/*
 * In-kernel self-tests of the USB core that need the real DMA pool and
 * kernel libraries: transfer buffers are DMA-reachable and size-checked,
 * the descriptor parser and keymap behave as on the host.
 */
#include "class/hid.h"
#include "kstring.h"
#include "ktest.h"
#include "usb.h"

KTEST(usb_buffers_are_below_4g_and_oversize_refused)
{
	dma_addr_t dma;
	uint8_t *p = usb_buffer_alloc(512, &dma);

	KT_ASSERT(p != NULL);
	KT_ASSERT(dma != 0 && dma + 511 <= 0xffffffffull);
	memset(p, 0xa5, 512);
	usb_buffer_free(p);
	KT_ASSERT(usb_buffer_alloc(128 * 1024, &dma) == NULL);
	return NULL;
}

KTEST(usb_config_parser_rejects_truncation)
{
	static const uint8_t cfg[25] = {
		9, USB_DT_CONFIG, 25, 0, 1, 1, 0, 0xe0, 0,
		9, USB_DT_INTERFACE, 0, 0, 1, USB_CLASS_HUB, 0, 0, 0,
		7, USB_DT_ENDPOINT, 0x81, USB_EP_INTERRUPT, 2, 0, 0xff,
	};
	static struct usb_config parsed;
	char err[96];

	KT_ASSERT(usb_parse_config(cfg, sizeof(cfg), &parsed, err, sizeof(err)) == 0);
	KT_ASSERT(parsed.intf[0].ep_desc[0].bInterval == 0xff);
	KT_ASSERT(usb_parse_config(cfg, 24, &parsed, err, sizeof(err)) < 0);
	KT_ASSERT(strcmp(err, "wTotalLength 25 but only 24 bytes received") == 0);
	return NULL;
}

KTEST(usb_keymap_matches_a_serial_terminal)
{
	char out[8];

	KT_ASSERT(hid_key_to_chars(0x04, 0x02, 0, out) == 1 && out[0] == 'A');
	KT_ASSERT(hid_key_to_chars(0x28, 0, 0, out) == 1 && out[0] == '\r');
	KT_ASSERT(hid_key_to_chars(0x2a, 0, 0, out) == 1 && out[0] == 0x7f);
	KT_ASSERT(hid_key_to_chars(0x52, 0, 0, out) == 3 && memcmp(out, "\x1b[A", 3) == 0);
	return NULL;
}
