/*
 * HID class driver: boot-protocol keyboards and mice, and report-protocol
 * pointers (QEMU's usb-tablet) whose report descriptor is parsed for
 * buttons, X, Y and wheel. Set-up is a short chain of asynchronous control
 * requests (SET_PROTOCOL or GET_DESCRIPTOR(report), then SET_IDLE 0 so the
 * host does key repeat); then one interrupt IN request is resubmitted for
 * as long as the device is there. A device reset (usb_device_reset) runs
 * the set-up again and restores a keyboard's LEDs.
 */
#include "hid.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"

#define HID_SUBCLASS_BOOT 1
#define HID_PROTO_KEYBOARD 1
#define HID_PROTO_MOUSE 2
#define HID_REPORT_DESC_MAX 1024

enum setup_step { STEP_PROTOCOL_OR_REPORT, STEP_IDLE, STEP_RUNNING };

static uint8_t intf_num(const struct hid_dev *h) { return h->intf->desc.bInterfaceNumber; }

static int class_request(struct hid_dev *h, uint8_t req, uint16_t value, uint16_t len)
{
	return usb_control_async(h->ctrl, USB_TYPE_CLASS | USB_RECIP_INTERFACE, req, value,
				 intf_num(h), len, 500 * NSEC_PER_MSEC);
}

static void process_report(struct hid_dev *h, const uint8_t *r, size_t len)
{
	const struct hid_pointer_layout *l = &h->layout;

	if (h->kind == HID_KEYBOARD) {
		hid_kbd_report(h, r, len);
		return;
	}
	if (h->kind == HID_MOUSE) { /* HID 1.11 B.2: buttons, dx, dy[, wheel] */
		if (len >= 3)
			hid_emit_pointer(h, (int8_t)r[1], (int8_t)r[2], len >= 4 ? (int8_t)r[3] : 0,
					 r[0], false);
		return;
	}
	if (l->uses_report_ids) {
		if (len < 1 || r[0] != l->x.report_id)
			return;
		r++;
		len--;
	}
	hid_emit_pointer(h, hid_field_value(&l->x, r, len), hid_field_value(&l->y, r, len),
			 hid_field_value(&l->wheel, r, len),
			 (uint32_t)hid_field_value(&l->buttons, r, len), l->absolute);
}

static void report_in(struct usb_request *r)
{
	struct hid_dev *h = r->ctx;

	if (r->xfer.status == USB_ERR_CANCELLED || r->xfer.status == USB_ERR_RESET ||
	    !usb_int_in_ok(r, &h->in_errors, &h->retry, "input endpoint", "input"))
		return;
	process_report(h, r->xfer.buf, r->xfer.actual);
	if (usb_submit(r))
		work_schedule(&h->retry, USB_INT_IN_RETRY_NS);
}

static void retry_in(struct work *w)
{
	struct hid_dev *h = container_of(w, struct hid_dev, retry);
	if (!h->in->inflight && usb_submit(h->in))
		pr_err("%s: cannot resubmit the input request\n", h->name);
}

static const char *kind_name(enum hid_kind k)
{
	return k == HID_KEYBOARD ? "keyboard" : k == HID_MOUSE ? "mouse" : "pointer";
}

static void start_reports(struct hid_dev *h)
{
	h->setup_step = STEP_RUNNING;
	pr_info("%s: HID %s ready (%s)\n", h->name, kind_name(h->kind),
		h->kind == HID_POINTER ? (h->layout.absolute ? "absolute" : "relative")
				       : "boot protocol");
	if (usb_submit(h->in))
		pr_err("%s: cannot submit the input request\n", h->name);
}

static bool parse_report_descriptor(struct hid_dev *h)
{
	char err[96];

	if (h->ctrl->xfer.status) {
		pr_err("%s: GET_DESCRIPTOR(report) failed: %s\n", h->name,
		       usb_status_str(h->ctrl->xfer.status));
		return false;
	}
	if (hid_parse_pointer(h->ctrl->xfer.buf, h->ctrl->xfer.actual, &h->layout, err,
			      sizeof(err))) {
		pr_err("%s: report descriptor rejected: %s\n", h->name, err);
		return false;
	}
	return true;
}

static void setup_next(struct usb_request *r)
{
	struct hid_dev *h = r->ctx;

	if (r->xfer.status == USB_ERR_RESET)
		return; /* hid_post_reset starts over */
	switch (h->setup_step) {
	case STEP_PROTOCOL_OR_REPORT:
		if (h->kind == HID_POINTER && !parse_report_descriptor(h)) {
			h->setup_failed = true;
			return;
		}
		if (h->kind != HID_POINTER && r->xfer.status)
			pr_warn("%s: SET_PROTOCOL(boot) failed: %s\n", h->name,
				usb_status_str(r->xfer.status));
		h->setup_step = STEP_IDLE;
		/* Duration 0: report only on change; repeat is ours. */
		if (class_request(h, HID_REQ_SET_IDLE, 0, 0))
			start_reports(h);
		return;
	case STEP_IDLE: /* optional for mice: a stall is fine */
		start_reports(h);
		return;
	}
}

static enum hid_kind classify(const struct usb_interface *intf)
{
	if (intf->desc.bInterfaceSubClass == HID_SUBCLASS_BOOT &&
	    intf->desc.bInterfaceProtocol == HID_PROTO_KEYBOARD)
		return HID_KEYBOARD;
	if (intf->desc.bInterfaceSubClass == HID_SUBCLASS_BOOT &&
	    intf->desc.bInterfaceProtocol == HID_PROTO_MOUSE)
		return HID_MOUSE;
	return HID_POINTER;
}

/* wDescriptorLength of the report descriptor, from the HID descriptor
 * (HID 1.11 6.2.1); 0 if absent. */
static uint16_t report_desc_len(const struct usb_interface *intf)
{
	const uint8_t *d = usb_intf_find_desc(intf, intf->dev->raw_config, USB_DT_HID, 9);
	if (!d || d[6] != USB_DT_HID_REPORT)
		return 0;
	return (uint16_t)(d[7] | d[8] << 8);
}

static void hid_free(struct hid_dev *h)
{
	work_cancel(&h->retry);
	hid_kbd_stop(h);
	usb_request_free(h->ctrl);
	usb_request_free(h->in);
	kfree(h);
}

static int hid_begin(struct hid_dev *h)
{
	h->setup_step = STEP_PROTOCOL_OR_REPORT;
	if (h->kind == HID_POINTER)
		return usb_control_async(h->ctrl, USB_DIR_IN | USB_RECIP_INTERFACE,
					 USB_REQ_GET_DESCRIPTOR, USB_DT_HID_REPORT << 8,
					 intf_num(h), h->report_desc_len, 500 * NSEC_PER_MSEC);
	return class_request(h, HID_REQ_SET_PROTOCOL, 0 /* boot */, 0);
}

static int hid_probe(struct usb_interface *intf)
{
	struct usb_endpoint *ep = usb_intf_int_in(intf, "HID interface");
	struct hid_dev *h = ep ? kzalloc(sizeof(*h)) : NULL;
	char devname[40];

	if (!h)
		return -1;
	usb_dev_name(intf->dev, devname, sizeof(devname));
	h->intf = intf;
	h->dev = intf->dev;
	h->kind = classify(intf);
	ksnprintf(h->name, sizeof(h->name), "%s", devname);
	work_init(&h->retry, retry_in);
	h->report_desc_len = report_desc_len(intf);
	if (h->kind == HID_POINTER &&
	    (h->report_desc_len == 0 || h->report_desc_len > HID_REPORT_DESC_MAX)) {
		pr_err("%s: HID report descriptor length %u unusable\n", devname, h->report_desc_len);
		kfree(h);
		return -1;
	}
	h->ctrl = usb_request_alloc(h->dev, &h->dev->ep0, MAX(h->report_desc_len, 8u));
	h->in = usb_request_alloc(h->dev, ep, ep->max_packet);
	if (!h->ctrl || !h->in) {
		hid_free(h);
		return -1;
	}
	h->ctrl->ctx = h->in->ctx = h;
	h->ctrl->done = setup_next;
	h->in->done = report_in;
	h->in->xfer.len = ep->max_packet;
	if (h->kind == HID_KEYBOARD)
		hid_kbd_init(h);
	intf->driver_data = h;
	if (hid_begin(h)) {
		intf->driver_data = NULL;
		hid_free(h);
		return -1;
	}
	return 0;
}

static void hid_disconnect(struct usb_interface *intf)
{
	hid_free(intf->driver_data);
	intf->driver_data = NULL;
}

/* The reset device is back in its default state (report protocol, no
 * idle rate): set it up again as after probe; reports resume after. */
static void hid_post_reset(struct usb_interface *intf)
{
	struct hid_dev *h = intf->driver_data;

	work_cancel(&h->retry);
	h->in_errors = 0;
	h->setup_failed = false;
	hid_kbd_after_reset(h);
	if (hid_begin(h))
		pr_err("%s: cannot set the device up again after its reset\n", h->name);
}

static bool hid_settling(const struct usb_interface *intf)
{
	const struct hid_dev *h = intf->driver_data;
	return h && h->setup_step != STEP_RUNNING && !h->setup_failed;
}

struct usb_driver usb_hid_driver = {
	.name = "usbhid", USB_MATCH_CLASS(USB_CLASS_HID),
	.probe = hid_probe,
	.disconnect = hid_disconnect,
	.settling = hid_settling,
	.post_reset = hid_post_reset,
};
