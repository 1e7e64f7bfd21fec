/*
 * A simulated host controller for USB core tests: root ports, simulated
 * devices answering standard, hub and HID requests from canned
 * descriptors, fault injection, and checks on the rules the core must keep
 * (one device at address 0, endpoints closed, transfers returned).
 */
#ifndef TERN_USB_FAKE_HCD_H
#define TERN_USB_FAKE_HCD_H

#include "usb.h"

#define FAKE_MAX_PORTS 8
#define FAKE_MAX_PENDING 256
#define FAKE_BULK_NAK 1

struct fake_dev {
	const char *label;
	enum usb_speed speed;
	uint8_t dev_desc[18];
	uint8_t config[512];
	size_t config_len;
	const char *strings[4];     /* index 1..3 */
	const uint8_t *report_desc; /* HID report descriptor */
	size_t report_desc_len;
	/* state */
	uint8_t address;
	bool configured;
	uint8_t leds;
	unsigned set_address_count;
	/* faults */
	int stall_request;          /* bRequest to stall, -1 for none */
	int stall_desc_type;        /* with GET_DESCRIPTOR: this type only, -1 any */
	unsigned timeouts_left;     /* next N control transfers time out */
	bool int_halted;            /* interrupt IN stalls until CLEAR_FEATURE(HALT) */
	unsigned halt_clears;
	/* hub */
	bool is_hub;
	unsigned nports;
	struct fake_dev *child[FAKE_MAX_PORTS];
	uint16_t port_status[FAKE_MAX_PORTS], port_change[FAKE_MAX_PORTS];
	uint16_t hub_change;        /* C_HUB_LOCAL_POWER, C_HUB_OVER_CURRENT */
	/* interrupt IN data (HID reports) */
	uint8_t report[16][8];
	size_t report_len[16];
	unsigned report_head, report_tail;
	/* bulk endpoints: the test's device model answers each transfer with
	 * a status, or FAKE_BULK_NAK to keep it pending */
	int (*bulk)(struct fake_dev *d, struct usb_xfer *x);
	void *bulk_ctx;
	/* where it is plugged */
	struct fake_dev *parent_hub;
	unsigned parent_port;
};

struct fake_xfer {
	struct usb_xfer *x;
	uint64_t due_ns;
	bool cancelled;
};

struct fake_hcd {
	struct usb_hcd hcd;
	struct fake_dev *root[FAKE_MAX_PORTS];
	unsigned root_status[FAKE_MAX_PORTS]; /* USB_PORT_* bits incl. changes */
	bool hands_off_full_speed;            /* behave like EHCI with companions */
	uint64_t latency_ns;                  /* per transfer */
	bool swallow;                         /* accept transfers, never finish them */
	int devices_added;                    /* xHCI shape: device_add - device_remove */
	unsigned set_address_calls;
	unsigned device_resets;               /* xHCI shape: device_reset calls */
	struct fake_xfer pending[FAKE_MAX_PENDING];
	unsigned npending;
	struct work work;
	/* checks */
	unsigned addr0_conflicts;  /* transfers to address 0 with >1 candidate */
	unsigned addr0_max;        /* most devices seen at address 0 at once */
	int open_endpoints;
	unsigned ep_opens;         /* every ep_open, reopens included */
	unsigned ep_resets;        /* ep_reset calls (halt cleared) */
	unsigned closed_ep_resets; /* ep_reset on an endpoint not open: a bug */
	unsigned submits;
	unsigned resets_started;
	unsigned concurrent_resets_max, resets_active;
};

void fake_hcd_init(struct fake_hcd *fh, unsigned nports, enum usb_speed speed);
/* Makes the controller address devices itself, as xHCI does. */
void fake_hcd_xhci_shape(struct fake_hcd *fh);
/* Leaves out the optional ep_reset op. */
void fake_hcd_without_ep_reset(struct fake_hcd *fh);
void fake_plug_root(struct fake_hcd *fh, unsigned port, struct fake_dev *d);
void fake_unplug_root(struct fake_hcd *fh, unsigned port);
void fake_plug_hub(struct fake_dev *hub, unsigned port, struct fake_dev *d);
void fake_unplug_hub(struct fake_dev *hub, unsigned port);

/* Canned devices (QEMU's descriptors). */
void fake_make_keyboard(struct fake_dev *d, enum usb_speed speed);
void fake_make_mouse(struct fake_dev *d, enum usb_speed speed);
void fake_make_tablet(struct fake_dev *d, enum usb_speed speed);
void fake_make_hub(struct fake_dev *d, unsigned nports);
/* A mass-storage interface (08/06/50) with bulk IN 0x81 and OUT 0x02;
 * the caller sets d->bulk to the device model. */
void fake_make_storage(struct fake_dev *d, enum usb_speed speed);
void fake_queue_report(struct fake_dev *d, const uint8_t *rep, size_t len);

/* Advances the fake clock by ms, running work as it falls due. */
void fake_run_ms(uint64_t ms);

/* --- fixtures shared by the USB core tests ----------------------------- */
/* Plugs the NULL-terminated devices into root ports 1, 2, ... (a NULL
 * port in between is not possible: use fake_plug_root), registers fh as a
 * new bus and runs ms. fh must be fake_hcd_init()ed. */
void fake_bus_with(struct fake_hcd *fh, uint64_t ms, ...);
/* fake_make_hub(), with the NULL-terminated devices in ports 1, 2, ... */
void fake_make_hub_with(struct fake_dev *hub, unsigned nports, ...);
/* Plugs d into a root port and runs ms. */
void fake_plug_run(struct fake_hcd *fh, unsigned port, struct fake_dev *d, uint64_t ms);
/* Unplugs a root-port device and lets the core notice (50 ms). */
void fake_unplug_settle(struct fake_hcd *fh, unsigned port);
/* The log holds fmt with fh's bus number put in (numbers grow across tests). */
bool fake_log_has(const struct fake_hcd *fh, const char *fmt_with_bus);
/* The device at a port path ("4.1") of fh's bus, or NULL. */
struct usb_device *fake_find_path(const struct fake_hcd *fh, const char *path);
/* Devices of fh's bus that are configured, root hub left out. */
unsigned fake_configured_count(const struct fake_hcd *fh);

/* A CHECK that ends the test when it fails (what follows needs it). */
#define REQUIRE(cond)               \
	do {                        \
		CHECK(cond);        \
		if (!(cond))        \
			return;     \
	} while (0)

#endif
