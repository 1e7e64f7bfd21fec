/*
 * Internals of the HID class driver (usb/class/hid*.c): one struct per
 * bound interface, the keyboard's state, and the input-event sink shared
 * with the `input` shell command.
 */
#ifndef TERN_USB_HID_H
#define TERN_USB_HID_H

#include "hid_report.h"
#include "ktime.h"
#include "usb.h"
#include "work.h"

enum hid_kind { HID_KEYBOARD, HID_MOUSE, HID_POINTER };

/* HID 1.11 7.2: class requests. */
#define HID_REQ_SET_REPORT 0x09
#define HID_REQ_SET_IDLE 0x0a
#define HID_REQ_SET_PROTOCOL 0x0b
#define HID_REPORT_OUTPUT 2

/* HID 1.11 Appendix B.1: the boot keyboard report. */
struct hid_boot_kbd_report {
	uint8_t modifiers;
	uint8_t reserved;
	uint8_t keys[6];
} __packed;
_Static_assert(sizeof(struct hid_boot_kbd_report) == 8, "HID 1.11 B.1");

#define HID_LED_NUM 0x01
#define HID_LED_CAPS 0x02
#define HID_LED_SCROLL 0x04

struct hid_kbd {
	struct hid_boot_kbd_report prev;
	uint8_t leds;
	bool led_dirty;
	struct usb_request *led_req;
	struct work repeat;
	uint8_t repeat_usage;
};

struct hid_dev {
	struct usb_interface *intf;
	struct usb_device *dev;
	enum hid_kind kind;
	char name[32];
	struct usb_request *ctrl;  /* set-up requests */
	struct usb_request *in;    /* the interrupt IN report */
	unsigned setup_step;
	bool setup_failed;         /* gave up with a message; no input */
	unsigned in_errors;
	struct work retry;
	uint16_t report_desc_len;
	struct hid_pointer_layout layout;
	struct hid_kbd kbd;
};

/* Typematic repeat: delay before the first repeat, then the period. */
#define HID_REPEAT_DELAY_NS (500 * NSEC_PER_MSEC)
#define HID_REPEAT_PERIOD_NS (33 * NSEC_PER_MSEC)

/* hid_keyboard.c */
/* Translates one key usage (HID Usage Tables 10) to what a serial
 * terminal would send; returns the byte count (0: nothing). */
int hid_key_to_chars(uint8_t usage, uint8_t modifiers, uint8_t leds, char out[8]);
void hid_kbd_init(struct hid_dev *h);
void hid_kbd_report(struct hid_dev *h, const uint8_t *report, size_t len);
void hid_kbd_stop(struct hid_dev *h);
/* After a device reset: nothing is held any more, and the LEDs, which
 * the keyboard forgot, are sent again. */
void hid_kbd_after_reset(struct hid_dev *h);

/* hid_input.c: where key text and pointer moves go */
void hid_emit_keys(struct hid_dev *h, const char *s, int n);
void hid_emit_pointer(struct hid_dev *h, int32_t x, int32_t y, int32_t wheel,
		      uint32_t buttons, bool absolute);

#endif
