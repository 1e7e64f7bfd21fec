/*
 * The USB core's interface for class drivers and the shell: the device
 * model (bus, device, configuration, interface), standard descriptors as
 * defined in USB 2.0 chapter 9, class-driver registration, and requests
 * (asynchronous transfers owned by the core so a disconnect can cancel and
 * free them). Host-controller drivers use include/usb_hcd.h instead.
 */
#ifndef TERN_USB_H
#define TERN_USB_H

#include "list.h"
#include "types.h"
#include "usb_hcd.h"
#include "work.h"

/* --- standard descriptors (USB 2.0 9.6) -------------------------------- */
#define USB_DT_DEVICE 1
#define USB_DT_CONFIG 2
#define USB_DT_STRING 3
#define USB_DT_INTERFACE 4
#define USB_DT_ENDPOINT 5
#define USB_DT_HID 0x21
#define USB_DT_HID_REPORT 0x22
#define USB_DT_HUB 0x29

/* USB 2.0 9.6.1, Table 9-8 */
struct usb_device_descriptor {
	uint8_t bLength;
	uint8_t bDescriptorType;
	uint16_t bcdUSB;
	uint8_t bDeviceClass;
	uint8_t bDeviceSubClass;
	uint8_t bDeviceProtocol;
	uint8_t bMaxPacketSize0;
	uint16_t idVendor;
	uint16_t idProduct;
	uint16_t bcdDevice;
	uint8_t iManufacturer;
	uint8_t iProduct;
	uint8_t iSerialNumber;
	uint8_t bNumConfigurations;
} __packed;
_Static_assert(sizeof(struct usb_device_descriptor) == 18, "USB 2.0 Table 9-8");

/* USB 2.0 9.6.3, Table 9-10 */
struct usb_config_descriptor {
	uint8_t bLength;
	uint8_t bDescriptorType;
	uint16_t wTotalLength;
	uint8_t bNumInterfaces;
	uint8_t bConfigurationValue;
	uint8_t iConfiguration;
	uint8_t bmAttributes;
	uint8_t bMaxPower;
} __packed;
_Static_assert(sizeof(struct usb_config_descriptor) == 9, "USB 2.0 Table 9-10");

/* USB 2.0 9.6.5, Table 9-12 */
struct usb_interface_descriptor {
	uint8_t bLength;
	uint8_t bDescriptorType;
	uint8_t bInterfaceNumber;
	uint8_t bAlternateSetting;
	uint8_t bNumEndpoints;
	uint8_t bInterfaceClass;
	uint8_t bInterfaceSubClass;
	uint8_t bInterfaceProtocol;
	uint8_t iInterface;
} __packed;
_Static_assert(sizeof(struct usb_interface_descriptor) == 9, "USB 2.0 Table 9-12");

/* USB 2.0 9.6.6, Table 9-13 */
struct usb_endpoint_descriptor {
	uint8_t bLength;
	uint8_t bDescriptorType;
	uint8_t bEndpointAddress;
	uint8_t bmAttributes;
	uint16_t wMaxPacketSize;
	uint8_t bInterval;
} __packed;
_Static_assert(sizeof(struct usb_endpoint_descriptor) == 7, "USB 2.0 Table 9-13");

/* --- standard requests (USB 2.0 9.4, Table 9-4) ------------------------ */
#define USB_DIR_IN 0x80
#define USB_TYPE_STANDARD 0x00
#define USB_TYPE_CLASS 0x20
#define USB_RECIP_DEVICE 0x00
#define USB_RECIP_INTERFACE 0x01
#define USB_RECIP_ENDPOINT 0x02
#define USB_RECIP_OTHER 0x03

#define USB_REQ_GET_STATUS 0
#define USB_REQ_CLEAR_FEATURE 1
#define USB_REQ_SET_FEATURE 3
#define USB_REQ_SET_ADDRESS 5
#define USB_REQ_GET_DESCRIPTOR 6
#define USB_REQ_SET_CONFIGURATION 9
#define USB_FEATURE_ENDPOINT_HALT 0

#define USB_CLASS_PER_INTERFACE 0x00
#define USB_CLASS_HID 0x03
#define USB_CLASS_MASS_STORAGE 0x08
#define USB_CLASS_HUB 0x09

/* --- parsed configuration ---------------------------------------------- */
#define USB_MAX_INTERFACES 16 /* interface descriptors incl. alternates */
#define USB_MAX_ENDPOINTS 16  /* per interface descriptor */
#define USB_MAX_CONFIG_SIZE 4096
#define USB_STRING_MAX 128    /* UTF-8 bytes incl. NUL */

struct usb_driver;

struct usb_interface {
	struct usb_device *dev;
	struct usb_interface_descriptor desc;
	struct usb_endpoint_descriptor ep_desc[USB_MAX_ENDPOINTS];
	/* Open endpoints of alternate setting 0 (after SET_CONFIGURATION). */
	struct usb_endpoint ep[USB_MAX_ENDPOINTS];
	bool ep_opened[USB_MAX_ENDPOINTS];
	/* This interface's descriptors (its own, class-specific, endpoints)
	 * as a span of the device's raw configuration blob. */
	uint16_t raw_off, raw_len;
	const struct usb_driver *driver;
	void *driver_data;
};

struct usb_config {
	struct usb_config_descriptor desc;
	unsigned num_intf; /* interface descriptors, alternates included */
	struct usb_interface intf[USB_MAX_INTERFACES];
};

/*
 * Descriptor parsing (usb/descriptors.c): pure functions, no allocation.
 * On failure they return a negative status and write a reason into err.
 */
int usb_parse_device_desc(const void *buf, size_t len, enum usb_speed speed,
			  struct usb_device_descriptor *out, char *err, size_t errlen);
int usb_parse_config(const void *buf, size_t len, struct usb_config *out,
		     char *err, size_t errlen);
/* The first descriptor of `type` in the interface's span; its length is
 * checked to be at least min_len. NULL if absent. */
const uint8_t *usb_intf_find_desc(const struct usb_interface *intf, const uint8_t *raw,
				  uint8_t type, size_t min_len);
/* A string descriptor (UTF-16LE) to UTF-8. Unpaired surrogates become
 * U+FFFD; output always NUL-terminated. Negative on a malformed header. */
int usb_string_to_utf8(const void *buf, size_t len, char *out, size_t outlen);

/* --- device model ------------------------------------------------------ */
enum usb_dev_state { USB_STATE_ENUMERATING, USB_STATE_CONFIGURED, USB_STATE_GONE };

struct usb_request;
struct usb_hub;

struct usb_device {
	struct usb_bus *bus;
	struct usb_hcd *hcd;
	enum usb_dev_state state;
	uint8_t address;          /* 0 until SET_ADDRESS; root hub: 1 */
	enum usb_speed speed;
	struct usb_device *parent; /* NULL for a root hub */
	uint8_t port;             /* port on the parent hub, from 1 */
	uint8_t depth;            /* hubs above: root hub 0, its devices 1 */
	char path[32];            /* "4.1": ports from the root, Linux style */
	uint8_t tt_hub_addr, tt_port; /* high-speed hub in front (EHCI splits) */
	struct usb_endpoint ep0;
	bool ep0_open;
	bool hcd_added;           /* ops->device_add succeeded */
	void *hcpriv;             /* the controller driver's state (xHCI: a slot) */
	struct usb_device_descriptor desc;
	uint8_t *raw_config;      /* kmalloc'd copy of the whole configuration */
	size_t raw_config_len;
	struct usb_config config;
	bool configured;
	char manufacturer[USB_STRING_MAX];
	char product[USB_STRING_MAX];
	char serial[USB_STRING_MAX];
	struct usb_hub *hub;      /* set while this device acts as a hub */
	uint64_t t_configured_ns;

	/* core bookkeeping */
	unsigned inflight;                /* requests handed to the HCD or queued */
	unsigned refs;                    /* holders besides the bus (sync waits) */
	struct list_node requests;        /* every live request (usb_request.dev_node) */
	struct list_node ep0_queue;       /* control requests waiting, in order */
	struct usb_request *ep0_active;   /* the one the HCD has now */
	bool removing;
	bool resetting;                   /* usb_device_reset under way */
	struct list_node bus_node;        /* on usb_bus.devices */
};

/* One host controller as the core sees it. */
struct usb_bus {
	struct usb_hcd *hcd;
	int busnum;
	struct usb_device *root;      /* root hub, address 1 */
	struct list_node devices;     /* every device incl. the root hub, newest first */
	uint8_t addr_used[128 / 8];
	struct usb_port *addr0_owner; /* the one port whose device may be at 0 */
	struct list_node addr0_waiters; /* ports queued for address 0, in arrival order */
	struct work poll_work;
	uint64_t t_register_ns, t_last_configured_ns;
	uint64_t t_enum_start_ns;     /* registration or last full re-enumeration */
	unsigned enumerated, failed;
	unsigned root_polls;          /* root ports looked at this many times */
	uint64_t last_poll_ns;        /* ... the last time at */
	struct list_node node;        /* on usb_buses() */
};

/* The list of buses (usb_bus.node), in registration order (bus 1 first). */
struct list_node *usb_buses(void);
#define usb_for_each_bus(b) list_for_each_entry(b, usb_buses(), node)
#define usb_for_each_device(d, bus) list_for_each_entry(d, &(bus)->devices, bus_node)
struct usb_device *usb_find_device(int busnum, int addr);
/* The Linux-style name for messages ("usb 1-4.1", a root hub "usb1"),
 * written into buf. */
const char *usb_dev_name(const struct usb_device *dev, char *buf, size_t len);
const char *usb_speed_str(enum usb_speed speed); /* "1.5M", "12M", "480M" */

/* Keeps a device struct alive (not its connection) across a wait. */
static inline void usb_device_get(struct usb_device *dev) { dev->refs++; }
void usb_device_put(struct usb_device *dev);

/* --- requests ---------------------------------------------------------- */
/*
 * A transfer owned by the core. Its data buffer (and SETUP packet for
 * control) is DMA memory allocated with the request. `done` runs in work
 * context; it is never called after usb_request_free() or after the
 * device has been disconnected.
 */
struct usb_request {
	struct usb_xfer xfer;
	struct usb_device *dev;
	void (*done)(struct usb_request *r);
	void *ctx;
	size_t buf_size;
	bool inflight, orphaned;
	bool reset_io;               /* the core's own: goes out while the device resets */
	/* Set by usb_clear_halt_then(): runs instead of the resubmission. */
	void (*on_halt_cleared)(struct usb_request *r, int status);
	struct list_node dev_node;   /* on usb_device.requests until freed */
	struct list_node queue_node; /* on usb_device.ep0_queue while waiting */
};

struct usb_request *usb_request_alloc(struct usb_device *dev, struct usb_endpoint *ep,
				      size_t buf_size);
/* Frees now, or once the HCD gives it back if it is in flight. */
void usb_request_free(struct usb_request *r);
/* 0: done runs once with the outcome (a controller refusing a queued
 * control request included). Negative: refused now, done will not run. */
int usb_submit(struct usb_request *r);
void usb_request_cancel(struct usb_request *r);
/*
 * After a bulk or interrupt request completed with USB_ERR_STALL: sends
 * CLEAR_FEATURE(ENDPOINT_HALT) (USB 2.0 9.4.5), restarts the endpoint's
 * data toggle in the controller and resubmits the request. 0 if started.
 */
int usb_clear_halt(struct usb_request *stalled);
/*
 * The same for a request that must not be repeated (a bulk-only data or
 * status stage): sends CLEAR_FEATURE(ENDPOINT_HALT) for r's endpoint and
 * restarts its toggle, then calls cleared(r, status) instead of
 * resubmitting. r need not have stalled itself (BOT reset recovery clears
 * both pipes). 0 if started.
 */
int usb_clear_halt_then(struct usb_request *r,
			void (*cleared)(struct usb_request *r, int status));
/*
 * The error policy of an interrupt IN request a class driver keeps
 * submitted (hub status changes, HID reports), for its completion: a STALL
 * clears the halt, which resubmits; another error schedules `retry` in
 * USB_INT_IN_RETRY_NS, up to USB_INT_IN_MAX_ERRORS in a row, then says
 * "<dev>: <what> keeps failing (<status>); <lost> off" and stops. True
 * (and *errors reset) when r carries data for the driver to use.
 */
#define USB_INT_IN_MAX_ERRORS 10
#define USB_INT_IN_RETRY_NS (100 * NSEC_PER_MSEC)
bool usb_int_in_ok(struct usb_request *r, unsigned *errors, struct work *retry,
		   const char *what, const char *lost);
/* Fills the SETUP packet of a control request and submits it. */
int usb_control_async(struct usb_request *r, uint8_t type, uint8_t req, uint16_t value,
		      uint16_t index, uint16_t len, uint64_t timeout_ns);
/*
 * Synchronous control transfer for shell-command context only (never from
 * work or completion context): runs pending work while it waits, bounded
 * by timeout_ns. data is copied in/out; returns 0 or a negative status.
 */
int usb_control_sync(struct usb_device *dev, uint8_t type, uint8_t req, uint16_t value,
		     uint16_t index, void *data, uint16_t len, size_t *actual,
		     uint64_t timeout_ns);
/* Waits (running work) until cond or the deadline; for shell commands. */
bool usb_wait_idle_until(bool (*cond)(void *ctx), void *ctx, uint64_t timeout_ns);

/* The interface's first open endpoint of that type and direction. */
struct usb_endpoint *usb_intf_endpoint(struct usb_interface *intf, enum usb_ep_type type,
				       bool in);
/* The interrupt IN endpoint a class driver needs; NULL, with "<dev>: <who>
 * without an interrupt IN endpoint; not used", if there is none. */
struct usb_endpoint *usb_intf_int_in(struct usb_interface *intf, const char *who);

/* --- class drivers ----------------------------------------------------- */
#define USB_MATCH_ANY (-1)
/* Matches every interface of class c, whatever its subclass and protocol. */
#define USB_MATCH_CLASS(c) .class_code = (c), .subclass = USB_MATCH_ANY, .protocol = USB_MATCH_ANY

struct usb_driver {
	const char *name;          /* lsusb -t Driver= */
	int class_code, subclass, protocol; /* interface triple; -1 = any */
	/* Called for alternate setting 0 of a matching interface; 0 = bound. */
	int (*probe)(struct usb_interface *intf);
	/* Must usb_request_free() its requests; no callbacks arrive after. */
	void (*disconnect)(struct usb_interface *intf);
	/* Optional: still setting the interface up (usbwait waits for it). */
	bool (*settling)(const struct usb_interface *intf);
	/* Optional: the device was reset and configured again in place
	 * (usb_device_reset), its endpoints reopened at DATA0; restart I/O.
	 * Requests in flight at the reset completed with USB_ERR_RESET, and
	 * submissions were refused with it meanwhile. A device with a bound
	 * driver without this hook is enumerated anew instead. */
	void (*post_reset)(struct usb_interface *intf);
	struct list_node node; /* on the core's driver list once registered */
};

void usb_register_driver(struct usb_driver *drv);

/* Sets up the DMA buffer pool and registers the built-in class drivers.
 * Must run before pci_init(), which probes the host-controller drivers. */
void usb_init(void);

/*
 * Resets a configured device in place (Linux's usb_reset_device): its
 * requests are failed with USB_ERR_RESET, its port reset, the same
 * address assigned again, SET_CONFIGURATION sent again, its endpoints
 * reopened and each driver's post_reset called; the struct, address and
 * driver bindings stay. If the device descriptor changed, a driver has no
 * post_reset or a step fails, it is enumerated anew instead (said on the
 * console). 0 if started; dev->resetting is true until it is over.
 */
int usb_device_reset(struct usb_device *dev);

#endif
