/*
 * Defensive parsing of standard USB descriptors (USB 2.0 chapter 9). Every
 * length is checked against the buffer before a byte is read, and anything
 * inconsistent (counts that disagree with what is present, endpoint 0 in a
 * configuration, duplicate endpoint addresses, zero max packet) is rejected
 * with a reason, because a device is untrusted input. Pure C: no
 * allocation, host-tested and fuzzed (tests/fuzz/fuzz_usb_desc.c).
 */
#include "kstring.h"
#include "usb.h"

static int reject(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

static int reject(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		kvsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return USB_ERR_INVAL;
}

static uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static bool valid_ep0_max_packet(unsigned mps, enum usb_speed speed)
{
	/* USB 2.0 9.6.1: 8 for low speed, 64 for high speed, 8/16/32/64 for
	 * full speed. */
	if (speed == USB_SPEED_LOW)
		return mps == 8;
	if (speed == USB_SPEED_HIGH)
		return mps == 64;
	if (speed == USB_SPEED_SUPER) /* USB 3.2 9.6.1: 2^9 = 512 */
		return mps == 9;
	return mps == 8 || mps == 16 || mps == 32 || mps == 64;
}

int usb_parse_device_desc(const void *buf, size_t len, enum usb_speed speed,
			  struct usb_device_descriptor *out, char *err, size_t errlen)
{
	const uint8_t *b = buf;

	if (len < sizeof(*out))
		return reject(err, errlen, "device descriptor truncated (%zu of 18 bytes)", len);
	if (b[0] < sizeof(*out))
		return reject(err, errlen, "device descriptor bLength %u < 18", b[0]);
	if (b[1] != USB_DT_DEVICE)
		return reject(err, errlen, "expected device descriptor, got type 0x%x", b[1]);
	memcpy(out, b, sizeof(*out));
	if (!valid_ep0_max_packet(out->bMaxPacketSize0, speed))
		return reject(err, errlen, "bMaxPacketSize0 %u invalid at %s", out->bMaxPacketSize0,
			      usb_speed_str(speed));
	if (out->bNumConfigurations == 0)
		return reject(err, errlen, "bNumConfigurations is 0");
	return 0;
}

static int parse_endpoint(struct usb_interface *intf, const uint8_t *d, size_t off,
			  char *err, size_t errlen)
{
	struct usb_endpoint_descriptor ep;
	unsigned n = 0;

	if (d[0] < sizeof(ep))
		return reject(err, errlen, "endpoint descriptor at offset %zu has bLength %u < 7",
			      off, d[0]);
	memcpy(&ep, d, sizeof(ep));
	if ((ep.bEndpointAddress & 0x0f) == 0)
		return reject(err, errlen, "interface %u declares endpoint 0 at offset %zu",
			      intf->desc.bInterfaceNumber, off);
	if (ep.bEndpointAddress & 0x70)
		return reject(err, errlen, "endpoint address 0x%x has reserved bits set",
			      ep.bEndpointAddress);
	if ((ep.wMaxPacketSize & 0x7ff) == 0)
		return reject(err, errlen, "endpoint 0x%x has wMaxPacketSize 0", ep.bEndpointAddress);
	if ((ep.bmAttributes & 3) == USB_EP_CONTROL)
		return reject(err, errlen, "endpoint 0x%x is a control endpoint (unsupported)",
			      ep.bEndpointAddress);
	while (n < USB_MAX_ENDPOINTS && intf->ep_desc[n].bLength) {
		if (intf->ep_desc[n].bEndpointAddress == ep.bEndpointAddress)
			return reject(err, errlen, "interface %u lists endpoint 0x%x twice",
				      intf->desc.bInterfaceNumber, ep.bEndpointAddress);
		n++;
	}
	if (n >= intf->desc.bNumEndpoints || n >= USB_MAX_ENDPOINTS)
		return reject(err, errlen, "interface %u has more endpoints than bNumEndpoints %u",
			      intf->desc.bInterfaceNumber, intf->desc.bNumEndpoints);
	intf->ep_desc[n] = ep;
	intf->ep_desc[n].bLength = sizeof(ep); /* parsed copy: extra bytes dropped */
	return 0;
}

static unsigned count_endpoints(const struct usb_interface *intf)
{
	unsigned n = 0;
	while (n < USB_MAX_ENDPOINTS && intf->ep_desc[n].bLength)
		n++;
	return n;
}

static int check_totals(const struct usb_config *cfg, char *err, size_t errlen)
{
	unsigned numbers = 0;

	for (unsigned i = 0; i < cfg->num_intf; i++) {
		const struct usb_interface *in = &cfg->intf[i];
		if (count_endpoints(in) != in->desc.bNumEndpoints)
			return reject(err, errlen, "interface %u alt %u declares %u endpoints, found %u",
				      in->desc.bInterfaceNumber, in->desc.bAlternateSetting,
				      in->desc.bNumEndpoints, count_endpoints(in));
		if (in->desc.bAlternateSetting != 0)
			continue;
		for (unsigned j = 0; j < i; j++)
			if (cfg->intf[j].desc.bAlternateSetting == 0 &&
			    cfg->intf[j].desc.bInterfaceNumber == in->desc.bInterfaceNumber)
				return reject(err, errlen, "interface %u appears twice",
					      in->desc.bInterfaceNumber);
		numbers++;
	}
	if (numbers != cfg->desc.bNumInterfaces)
		return reject(err, errlen, "bNumInterfaces is %u but %u interfaces are present",
			      cfg->desc.bNumInterfaces, numbers);
	return 0;
}

static int parse_header(const uint8_t *b, size_t len, struct usb_config *out, char *err,
			size_t errlen)
{
	if (len < sizeof(out->desc))
		return reject(err, errlen, "configuration descriptor truncated (%zu of 9 bytes)", len);
	if (b[1] != USB_DT_CONFIG)
		return reject(err, errlen, "expected configuration descriptor, got type 0x%x", b[1]);
	if (b[0] < sizeof(out->desc))
		return reject(err, errlen, "configuration bLength %u < 9", b[0]);
	memcpy(&out->desc, b, sizeof(out->desc));
	if (out->desc.wTotalLength < b[0])
		return reject(err, errlen, "wTotalLength %u shorter than the header",
			      out->desc.wTotalLength);
	if (out->desc.wTotalLength > len)
		return reject(err, errlen, "wTotalLength %u but only %zu bytes received",
			      out->desc.wTotalLength, len);
	return 0;
}

int usb_parse_config(const void *buf, size_t len, struct usb_config *out, char *err,
		     size_t errlen)
{
	const uint8_t *b = buf;
	struct usb_interface *cur = NULL;
	size_t off, total;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_header(b, len, out, err, errlen);
	if (rc)
		return rc;
	total = out->desc.wTotalLength;
	for (off = b[0]; off < total; off += b[off]) {
		const uint8_t *d = b + off;
		if (total - off < 2)
			return reject(err, errlen, "descriptor header truncated at offset %zu", off);
		if (d[0] < 2)
			return reject(err, errlen, "descriptor of length %u at offset %zu", d[0], off);
		if (d[0] > total - off)
			return reject(err, errlen, "descriptor at offset %zu overruns wTotalLength %zu",
				      off, total);
		if (d[1] == USB_DT_INTERFACE) {
			if (d[0] < sizeof(struct usb_interface_descriptor))
				return reject(err, errlen, "interface descriptor at offset %zu too short",
					      off);
			if (out->num_intf >= USB_MAX_INTERFACES)
				return reject(err, errlen, "more than %d interface descriptors",
					      USB_MAX_INTERFACES);
			cur = &out->intf[out->num_intf++];
			memcpy(&cur->desc, d, sizeof(cur->desc));
			cur->desc.bLength = sizeof(cur->desc);
			cur->raw_off = (uint16_t)off;
		} else if (d[1] == USB_DT_ENDPOINT) {
			if (!cur)
				return reject(err, errlen, "endpoint descriptor before any interface");
			rc = parse_endpoint(cur, d, off, err, errlen);
			if (rc)
				return rc;
		} else if (d[1] == USB_DT_CONFIG || d[1] == USB_DT_DEVICE) {
			return reject(err, errlen, "unexpected descriptor type 0x%x at offset %zu",
				      d[1], off);
		}
		if (cur)
			cur->raw_len = (uint16_t)(off + d[0] - cur->raw_off);
	}
	return check_totals(out, err, errlen);
}

const uint8_t *usb_intf_find_desc(const struct usb_interface *intf, const uint8_t *raw,
				  uint8_t type, size_t min_len)
{
	/* The span was validated by usb_parse_config: every bLength >= 2 and
	 * inside it. */
	size_t off = intf->raw_off, end = (size_t)intf->raw_off + intf->raw_len;

	while (off + 2 <= end && raw[off] >= 2 && off + raw[off] <= end) {
		if (raw[off + 1] == type && raw[off] >= min_len)
			return raw + off;
		off += raw[off];
	}
	return NULL;
}

static size_t put_utf8(char *out, size_t pos, size_t outlen, uint32_t cp)
{
	uint8_t tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (uint8_t)(0xc0 | (cp >> 6));
		tmp[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (uint8_t)(0xe0 | (cp >> 12));
		tmp[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (uint8_t)(0xf0 | (cp >> 18));
		tmp[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (pos + n >= outlen) /* keep room for the NUL; never split a sequence */
		return pos;
	memcpy(out + pos, tmp, n);
	return pos + n;
}

int usb_string_to_utf8(const void *buf, size_t len, char *out, size_t outlen)
{
	const uint8_t *b = buf;
	size_t pos = 0, units, i;

	if (outlen == 0)
		return USB_ERR_INVAL;
	out[0] = 0;
	if (len < 2 || b[1] != USB_DT_STRING || b[0] < 2)
		return USB_ERR_INVAL;
	/* USB 2.0 9.6.7: bLength bounds the string; trust the smaller. */
	units = (MIN((size_t)b[0], len) - 2) / 2;
	for (i = 0; i < units; i++) {
		uint32_t cp = get_le16(b + 2 + 2 * i);
		if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < units) {
			uint32_t lo = get_le16(b + 4 + 2 * i);
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		size_t next = put_utf8(out, pos, outlen, cp);
		if (next == pos)
			break; /* full: stop rather than skip a character */
		pos = next;
	}
	out[pos] = 0;
	return (int)pos;
}

const char *usb_speed_str(enum usb_speed speed)
{
	switch (speed) {
	case USB_SPEED_LOW: return "1.5M";
	case USB_SPEED_FULL: return "12M";
	case USB_SPEED_HIGH: return "480M";
	case USB_SPEED_SUPER: return "5000M";
	}
	return "?";
}
