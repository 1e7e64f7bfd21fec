/*
 * Boot-keyboard handling: key usages (HID Usage Tables 1.12, chapter 10)
 * become the bytes a serial terminal sends (CR for Enter, DEL for
 * Backspace, ESC [ A..D for arrows, control codes with Ctrl), so the shell
 * cannot tell a USB keyboard from the serial console. Key repeat is done
 * here with a work item because SET_IDLE(0) makes the device report only
 * changes; lock keys toggle the LEDs with SET_REPORT.
 */
#include "hid.h"
#include "kstring.h"
#include "printk.h"

#define MOD_CTRL 0x11  /* left | right */
#define MOD_SHIFT 0x22
#define MOD_ALT 0x44

#define KEY_A 0x04
#define KEY_Z 0x1d
#define KEY_1 0x1e
#define KEY_ENTER 0x28
#define KEY_CAPS_LOCK 0x39
#define KEY_SCROLL_LOCK 0x47
#define KEY_NUM_LOCK 0x53
#define KEY_ERR_ROLLOVER 0x01
#define KEYPAD_FIRST 0x54
#define KEYPAD_LAST 0x63

/* Usages 0x1e..0x38, unshifted and shifted (US layout). */
static const char plain[] = "1234567890\r\x1b\x7f\t -=[]\\#;'`,./";
static const char shifted[] = "!@#$%^&*()\r\x1b\x7f\t _+{}|~:\"~<>?";

/* Usages 0x54..0x63 with Num Lock on; arrows etc. when off are below. */
static const char keypad[] = "/*-+\r1234567890.";

static int escape(char out[8], const char *seq)
{
	int n = (int)strlen(seq);
	memcpy(out, seq, (size_t)n);
	return n;
}

static int navigation_key(uint8_t usage, char out[8])
{
	switch (usage) {
	case 0x4f: return escape(out, "\x1b[C"); /* right */
	case 0x50: return escape(out, "\x1b[D"); /* left */
	case 0x51: return escape(out, "\x1b[B"); /* down */
	case 0x52: return escape(out, "\x1b[A"); /* up */
	case 0x4a: return escape(out, "\x1b[H"); /* home */
	case 0x4d: return escape(out, "\x1b[F"); /* end */
	case 0x4c: return escape(out, "\x1b[3~"); /* delete */
	case 0x49: return escape(out, "\x1b[2~"); /* insert */
	case 0x4b: return escape(out, "\x1b[5~"); /* page up */
	case 0x4e: return escape(out, "\x1b[6~"); /* page down */
	}
	return 0;
}

/* Keypad with Num Lock off acts as the navigation cluster. */
static uint8_t keypad_as_navigation(uint8_t usage)
{
	static const uint8_t nav[10] = { 0x4d, 0x51, 0x4e, 0x50, 0, 0x4f, 0x4a, 0x52, 0x4b, 0x49 };
	if (usage >= 0x59 && usage <= 0x62)
		return nav[usage - 0x59];
	return usage == 0x63 ? 0x4c : 0;
}

int hid_key_to_chars(uint8_t usage, uint8_t modifiers, uint8_t leds, char out[8])
{
	bool shift = modifiers & MOD_SHIFT, ctrl = modifiers & MOD_CTRL;
	char c;

	if (usage >= KEY_A && usage <= KEY_Z) {
		c = (char)('a' + usage - KEY_A);
		if (ctrl) {
			out[0] = (char)(c & 0x1f);
			return 1;
		}
		if (shift != !!(leds & HID_LED_CAPS))
			c = (char)(c - 'a' + 'A');
		out[0] = c;
		return 1;
	}
	if (usage >= KEY_1 && usage < KEY_1 + sizeof(plain) - 1) {
		out[0] = shift ? shifted[usage - KEY_1] : plain[usage - KEY_1];
		return 1;
	}
	if (usage >= KEYPAD_FIRST && usage <= KEYPAD_LAST) {
		uint8_t nav = keypad_as_navigation(usage);
		if (!(leds & HID_LED_NUM) && nav)
			return navigation_key(nav, out);
		if (!(leds & HID_LED_NUM) && usage >= 0x59)
			return 0;
		out[0] = keypad[usage - KEYPAD_FIRST];
		return 1;
	}
	return navigation_key(usage, out);
}

/* --- LEDs --------------------------------------------------------------- */
static void send_leds(struct hid_dev *h);

static void leds_sent(struct usb_request *r)
{
	struct hid_dev *h = r->ctx;
	if (h->kbd.led_dirty)
		send_leds(h);
}

static void send_leds(struct hid_dev *h)
{
	struct hid_kbd *k = &h->kbd;

	if (!k->led_req || k->led_req->inflight)
		return; /* sent when the one in flight completes */
	k->led_dirty = false;
	((uint8_t *)k->led_req->xfer.buf)[0] = k->leds;
	if (usb_control_async(k->led_req, USB_TYPE_CLASS | USB_RECIP_INTERFACE, HID_REQ_SET_REPORT,
			      HID_REPORT_OUTPUT << 8, h->intf->desc.bInterfaceNumber, 1,
			      500 * NSEC_PER_MSEC))
		pr_warn("%s: cannot set keyboard LEDs\n", h->name);
}

static bool toggle_lock(struct hid_dev *h, uint8_t usage)
{
	uint8_t bit = usage == KEY_CAPS_LOCK ? HID_LED_CAPS
		      : usage == KEY_NUM_LOCK ? HID_LED_NUM
		      : usage == KEY_SCROLL_LOCK ? HID_LED_SCROLL : 0;
	if (!bit)
		return false;
	h->kbd.leds ^= bit;
	h->kbd.led_dirty = true;
	send_leds(h);
	return true;
}

/* --- reports and repeat --------------------------------------------------- */
static bool key_held(const struct hid_boot_kbd_report *r, uint8_t usage)
{
	for (unsigned i = 0; i < 6; i++)
		if (r->keys[i] == usage)
			return true;
	return false;
}

static bool type_key(struct hid_dev *h, uint8_t usage)
{
	char out[8];
	int n = hid_key_to_chars(usage, h->kbd.prev.modifiers, h->kbd.leds, out);

	if (n > 0)
		hid_emit_keys(h, out, n);
	return n > 0;
}

static void repeat_key(struct work *w)
{
	struct hid_dev *h = container_of(w, struct hid_dev, kbd.repeat);

	if (!key_held(&h->kbd.prev, h->kbd.repeat_usage))
		return;
	type_key(h, h->kbd.repeat_usage);
	work_schedule(w, HID_REPEAT_PERIOD_NS);
}

void hid_kbd_report(struct hid_dev *h, const uint8_t *report, size_t len)
{
	struct hid_boot_kbd_report r;
	struct hid_kbd *k = &h->kbd;

	if (len < sizeof(r))
		return;
	memcpy(&r, report, sizeof(r));
	if (r.keys[0] == KEY_ERR_ROLLOVER)
		return; /* too many keys: the report says nothing reliable */
	k->prev.modifiers = r.modifiers;
	for (unsigned i = 0; i < 6; i++) {
		uint8_t u = r.keys[i];
		if (u == 0 || key_held(&k->prev, u))
			continue;
		if (toggle_lock(h, u))
			continue;
		if (type_key(h, u)) {
			k->repeat_usage = u;
			work_schedule(&k->repeat, HID_REPEAT_DELAY_NS);
		}
	}
	k->prev = r;
	if (!key_held(&r, k->repeat_usage))
		work_cancel(&k->repeat);
}

void hid_kbd_init(struct hid_dev *h)
{
	work_init(&h->kbd.repeat, repeat_key);
	h->kbd.led_req = usb_request_alloc(h->dev, &h->dev->ep0, 1);
	if (h->kbd.led_req) {
		h->kbd.led_req->ctx = h;
		h->kbd.led_req->done = leds_sent;
	}
}

void hid_kbd_after_reset(struct hid_dev *h)
{
	if (h->kind != HID_KEYBOARD)
		return;
	work_cancel(&h->kbd.repeat);
	memset(&h->kbd.prev, 0, sizeof(h->kbd.prev));
	if (h->kbd.leds)
		send_leds(h);
}

void hid_kbd_stop(struct hid_dev *h)
{
	if (h->kind != HID_KEYBOARD)
		return;
	work_cancel(&h->kbd.repeat);
	usb_request_free(h->kbd.led_req);
	h->kbd.led_req = NULL;
}
