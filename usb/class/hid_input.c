/*
 * Where HID input goes. Key text is fed to the shell exactly as serial
 * input is; while the `input` command runs, keys and pointer moves are
 * captured into a small ring instead and printed live, until a key arrives
 * on the serial console.
 */
#include "console.h"
#include "hid.h"
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"

#define EVENT_RING 32

struct input_event {
	const char *kind;
	char dev[32];
	char keys[8];
	int nkeys;
	int32_t x, y, wheel;
	uint32_t buttons;
	bool absolute;
};

static struct input_event ring[EVENT_RING];
static unsigned ring_head, ring_tail, ring_dropped;
static bool capturing;

static struct input_event *new_event(struct hid_dev *h, const char *kind)
{
	struct input_event *e;

	if (ring_tail - ring_head >= EVENT_RING) {
		ring_dropped++;
		return NULL;
	}
	e = &ring[ring_tail++ % EVENT_RING];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	ksnprintf(e->dev, sizeof(e->dev), "%s", h->name);
	return e;
}

void hid_emit_keys(struct hid_dev *h, const char *s, int n)
{
	struct input_event *e;

	if (!capturing) {
		for (int i = 0; i < n; i++)
			console_input(s[i]);
		return;
	}
	e = new_event(h, "key");
	if (e) {
		e->nkeys = MIN(n, (int)sizeof(e->keys));
		memcpy(e->keys, s, (size_t)e->nkeys);
	}
}

void hid_emit_pointer(struct hid_dev *h, int32_t x, int32_t y, int32_t wheel,
		      uint32_t buttons, bool absolute)
{
	struct input_event *e;

	if (!capturing)
		return;
	e = new_event(h, absolute ? "tablet" : "mouse");
	if (e) {
		e->x = x;
		e->y = y;
		e->wheel = wheel;
		e->buttons = buttons;
		e->absolute = absolute;
	}
}

static void print_keys(const struct input_event *e)
{
	kprintf("%s: key", e->dev);
	for (int i = 0; i < e->nkeys; i++) {
		unsigned char c = (unsigned char)e->keys[i];
		if (c >= 0x20 && c < 0x7f)
			kprintf(" '%c'", c);
		else
			kprintf(" 0x%02x", c);
	}
	kprintf("\n");
}

static void print_event(const struct input_event *e)
{
	if (e->nkeys) {
		print_keys(e);
		return;
	}
	kprintf("%s: %s %s x=%d y=%d wheel=%d buttons=0x%x\n", e->dev, e->kind,
		e->absolute ? "abs" : "rel", e->x, e->y, e->wheel, e->buttons);
}

static bool event_or_serial_key(void *ctx)
{
	int *key = ctx;
	if (ring_head != ring_tail)
		return true;
	*key = shell_poll_char();
	return *key >= 0;
}

static int cmd_input(int argc, char **argv)
{
	int key = -1;

	kprintf("Showing USB input events; press a key on the serial console to stop.\n");
	ring_head = ring_tail = ring_dropped = 0;
	capturing = true;
	while (key < 0) {
		usb_wait_idle_until(event_or_serial_key, &key, NSEC_PER_SEC);
		while (ring_head != ring_tail)
			print_event(&ring[ring_head++ % EVENT_RING]);
	}
	capturing = false;
	if (ring_dropped)
		kprintf("(%u events dropped: printing was slower than input)\n", ring_dropped);
	return 0;
}

SHELL_COMMAND(input, "input", "input",
	      "show live USB keyboard/mouse/tablet events until a serial key", cmd_input);
