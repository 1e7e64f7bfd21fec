/*
 * Internals shared by the USB core's files: hubs and their ports, the
 * enumeration state machine and the one table of spec timings. Class
 * drivers use include/usb.h only. The declarations below are grouped by
 * layer, bottom first (docs/usb-core.md): core.c, request.c, enum.c, then
 * what sits on top (roothub.c, hub.c, the shell commands). A file calls
 * only its own layer and those before it.
 */
#ifndef TERN_USB_CORE_H
#define TERN_USB_CORE_H

#include "usb.h"
#include "work.h"

/*
 * Every delay the core waits, in one place (USB 2.0 section in brackets).
 * All are waited as work items, never by spinning.
 */
struct usb_timing {
	uint64_t debounce_ns;         /* TATTDB, 7.1.7.3: connect stable 100 ms */
	uint64_t root_reset_ns;       /* TDRSTR, 7.1.7.5: root port reset 50 ms */
	uint64_t hub_reset_max_ns;    /* TDRST, 11.5.1.5: hub port reset, poll up to 20 ms */
	uint64_t hub_reset_poll_ns;   /* interval between hub reset status polls */
	uint64_t reset_recovery_ns;   /* TRSTRCY, 7.1.7.5: 10 ms after reset */
	uint64_t set_address_ns;      /* TDSETADDR, 9.2.6.3: 2 ms */
	uint64_t control_timeout_ns;  /* a control transfer during enumeration */
	uint64_t root_poll_ns;        /* root ports are polled (UHCI has no port IRQ) */
	unsigned enum_attempts;       /* resets + enumerations before giving up */
};
extern const struct usb_timing usb_timing;

/* How a hub (root or external) drives one of its ports. */
struct usb_port;
struct usb_hub_ops {
	/* The port's reset lasts until reset_poll() ends it, so the bus's
	 * address-0 slot is taken only then (root ports). */
	bool slot_after_reset;
	/* Starts a port reset; completes later through usb_port_reset_done()
	 * (directly or from a request's completion). */
	void (*reset_start)(struct usb_port *p);
	/* Called when p->work fires while resetting: finish or poll again. */
	void (*reset_poll)(struct usb_port *p);
	/* Optional: the port was detached mid-reset; drop what reset holds. */
	void (*reset_abort)(struct usb_port *p);
	void (*disable)(struct usb_port *p);
};

enum usb_port_state {
	PORT_EMPTY,       /* nothing connected */
	PORT_DEBOUNCE,    /* connect seen, waiting for it to be stable */
	PORT_WAIT_ADDR0,  /* queued for the bus's address-0 slot */
	PORT_RESETTING,
	PORT_RECOVERY,    /* reset done, device gets 10 ms */
	PORT_ENUMERATING, /* control transfers in progress */
	PORT_CONFIGURED,
	PORT_FAILED,      /* gave up; waits for a disconnect */
	PORT_HANDED_OFF,  /* EHCI passed the device to a companion */
	PORT_QUIESCING,   /* usb_device_reset waits for the device's transfers */
};

struct usb_port {
	struct usb_hub *hub;
	uint8_t num;
	enum usb_port_state state;
	bool connected;           /* last connect status seen */
	struct work work;
	struct usb_device *dev;   /* device being enumerated or configured */
	unsigned attempt;
	uint64_t reset_start_ns;
	/* enumeration progress */
	unsigned step;
	bool awaiting;            /* a request of this port's step is in flight */
	int xfer_status;
	size_t xfer_actual;
	uint16_t langid;
	unsigned string_index;
	struct usb_request *req;  /* the enumeration request, on dev */
	struct list_node addr0_node; /* on usb_bus.addr0_waiters while queued */
	uint8_t new_addr;         /* allocated, not yet acknowledged */
	bool keep_dev;            /* usb_device_reset: dev survives this reset */
	uint64_t quiesce_deadline_ns;
};

struct usb_hub {
	struct usb_device *hdev;
	const struct usb_hub_ops *ops;
	void *priv;               /* the hub class driver's state */
	unsigned nports;
	struct usb_port ports[];
};

/* core.c: the bottom layer */
bool usb_buffer_pool_ready(void);
struct usb_bus *usb_bus_of(struct usb_hcd *hcd);
/* A bus numbered after the last one, with its root hub device; not on
 * usb_buses() until usb_bus_publish(). NULL when out of memory. */
struct usb_bus *usb_bus_create(struct usb_hcd *hcd);
void usb_bus_free(struct usb_bus *bus); /* an unpublished bus */
void usb_bus_publish(struct usb_bus *bus);
uint64_t usb_first_register_ns(void); /* when the first bus was published (usbbench) */
struct usb_device *usb_device_alloc(struct usb_bus *bus, struct usb_device *parent,
				    uint8_t port, enum usb_speed speed);
/* A disconnect's two halves around freeing the device's requests and hub
 * (usb_device_remove, enum.c). mark_gone: false if the device already is;
 * otherwise its drivers are unbound. release: endpoints closed, the
 * controller told, the address freed; the struct goes when idle. */
bool usb_device_mark_gone(struct usb_device *dev);
void usb_device_release(struct usb_device *dev);
int usb_addr_alloc(struct usb_bus *bus);
void usb_addr_free(struct usb_bus *bus, uint8_t addr);
int usb_ep0_open(struct usb_device *dev, uint16_t max_packet);
void usb_ep0_close(struct usb_device *dev);
int usb_open_config_endpoints(struct usb_device *dev);
/* Closes what usb_open_config_endpoints opened; their transfers come back
 * cancelled. */
void usb_close_config_endpoints(struct usb_device *dev);
void usb_bind_drivers(struct usb_device *dev);
/* Whether every bound driver has post_reset, and calling each. */
bool usb_drivers_keep_across_reset(const struct usb_device *dev);
void usb_drivers_post_reset(struct usb_device *dev);

/* request.c: on the core */
/* Frees every request of a device; those in flight are orphaned. */
void usb_device_free_requests(struct usb_device *dev);
/* The first step of a reset in place: marks dev resetting, closes its
 * endpoints and cancels its control requests; each comes back with
 * USB_ERR_RESET (dev->inflight says when all have). */
void usb_device_quiesce(struct usb_device *dev);

/* enum.c: on requests and the core */
const char *usb_port_name(const struct usb_port *p, char *buf, size_t len); /* "usb 1-4.1" */
/* A hub saw the port's connect status (and whether it changed). */
void usb_port_connect_status(struct usb_port *p, bool connected, bool changed);
void usb_port_reset_done(struct usb_port *p, int rc, enum usb_speed speed);
/* Hand-offs to companions still on their way (usbwait waits for them);
 * a full-speed root port reports each new connect, which may be one. */
unsigned usb_handoffs_in_progress(void);
void usb_handoff_arrived(void);
/* Forgets the port's device (disconnect or hub removal). */
void usb_port_detach(struct usb_port *p);
int usb_port_reenumerate(struct usb_port *p);
struct usb_hub *usb_hub_create(struct usb_device *hdev, const struct usb_hub_ops *ops,
			       unsigned nports, void *priv);
void usb_hub_destroy(struct usb_hub *hub);
/* Disconnect: cancels and orphans requests, unbinds drivers, removes the
 * subtree of a hub, frees the address; the struct goes when idle. */
void usb_device_remove(struct usb_device *dev);

/* roothub.c: on enumeration */
/* Forgets every device of the bus; its root ports are enumerated anew. */
void usb_bus_reenumerate(struct usb_bus *bus);

/* wait.c: true once every connected device is configured and its drivers
 * are set up (`usbwait`); false after timeout_ns. */
bool usb_wait_settled(uint64_t timeout_ns);

/* lsusb.c */
int usb_cmd_lsusb(int argc, char **argv);
void usb_print_ms(uint64_t ns); /* "12.345 ms" */

/* hub.c */
extern struct usb_driver usb_hub_driver;
unsigned usb_hub_port_count(const struct usb_interface *intf);
/* HID class driver (usb/class/hid.c) */
extern struct usb_driver usb_hid_driver;
/* Mass storage class driver (usb/class/storage.c) */
extern struct usb_driver usb_storage_driver;

#endif
