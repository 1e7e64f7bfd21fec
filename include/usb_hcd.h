/*
 * The contract between the USB core (usb/) and host-controller drivers
 * (usb/uhci, usb/ehci, later xHCI). A driver exposes its root ports and moves
 * transfers; enumeration, hubs, addresses and class drivers live in the core
 * and are shared by every controller.
 *
 * Context rules: the core calls ops from work context (never from IRQ
 * context); drivers call xfer->complete from work context too (their IRQ
 * handler acknowledges the controller and schedules their work item).
 */
#ifndef TERN_USB_HCD_H
#define TERN_USB_HCD_H

#include "list.h"
#include "types.h"

enum usb_speed { USB_SPEED_LOW, USB_SPEED_FULL, USB_SPEED_HIGH, USB_SPEED_SUPER };

/* Numbered as in bmAttributes of an endpoint descriptor (USB 2.0 9.6.6). */
enum usb_ep_type { USB_EP_CONTROL = 0, USB_EP_ISO = 1, USB_EP_BULK = 2, USB_EP_INTERRUPT = 3 };

/* Transfer status. Short packets are not errors: actual < len, status OK. */
enum usb_status {
	USB_OK = 0,
	USB_ERR_STALL = -1,     /* endpoint halted by the device */
	USB_ERR_TIMEOUT = -2,   /* CRC/timeout: no or garbled handshake */
	USB_ERR_BABBLE = -3,
	USB_ERR_BITSTUFF = -4,
	USB_ERR_DATABUF = -5,   /* host over/underrun */
	USB_ERR_XACT = -6,      /* transaction error after retries */
	USB_ERR_CANCELLED = -7,
	USB_ERR_NOMEM = -8,
	USB_ERR_NODEV = -9,     /* device gone */
	USB_ERR_INVAL = -10,
	USB_ERR_HC = -11,       /* controller halted / host system error */
	USB_ERR_SETUP_TIMEOUT = -12, /* no completion within xfer->timeout_ns */
	USB_ERR_RESET = -13,    /* cancelled or refused: the device is being reset */
};
const char *usb_status_str(int status); /* in usb/ core */

struct usb_device;
struct usb_hcd;

/* Standard SETUP packet (USB 2.0 9.3). */
struct usb_setup {
	uint8_t bmRequestType;
	uint8_t bRequest;
	uint16_t wValue;
	uint16_t wIndex;
	uint16_t wLength;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_setup) == 8, "USB 2.0 9.3: SETUP is 8 bytes");

/*
 * One endpoint of one device, owned by the core. Address, speed and max
 * packet are fixed while the endpoint is open: the core closes and reopens
 * endpoint 0 after SET_ADDRESS and after learning bMaxPacketSize0.
 */
struct usb_endpoint {
	struct usb_device *dev;
	uint8_t dev_addr;    /* 0..127 */
	enum usb_speed speed;
	uint8_t ep_addr;     /* bEndpointAddress: bit 7 = IN; 0 for control */
	enum usb_ep_type type;
	uint16_t max_packet;
	uint8_t interval;    /* bInterval as in the descriptor */
	/* Transaction translator for a low/full-speed device behind a
	 * high-speed hub (EHCI split transactions); 0 if none. */
	uint8_t tt_hub_addr, tt_port;
	void *hcpriv;        /* driver state, e.g. its queue head */
};

/*
 * A transfer. buf must come from usb_buffer_alloc() (DMA-reachable, below
 * 4 GiB), or buf is NULL and buf_dma is the submitter's own contiguous
 * DMA-reachable memory; drivers use buf_dma and setup_dma only, never
 * translate buf.
 */
struct usb_xfer {
	struct usb_endpoint *ep;
	struct usb_setup *setup;  /* control only; from usb_buffer_alloc */
	dma_addr_t setup_dma;
	void *buf;
	dma_addr_t buf_dma;
	size_t len;
	size_t actual;            /* set by the driver */
	int status;               /* enum usb_status, set by the driver */
	uint64_t timeout_ns;      /* 0: none (interrupt polling) */
	void (*complete)(struct usb_xfer *x);
	void *ctx;                /* for the submitter */
	void *hcpriv;             /* for the driver */
	uint64_t submitted_ns;
};

/* PCI class and subclass of every USB host controller. */
#define PCI_CLASS_SERIAL_BUS 0x0c
#define PCI_SUBCLASS_USB 0x03

/* Root port status bits returned by port_status(). */
#define USB_PORT_CONNECTED (1u << 0)
#define USB_PORT_ENABLED (1u << 1)
#define USB_PORT_LOW_SPEED (1u << 2)
#define USB_PORT_HIGH_SPEED (1u << 3)
#define USB_PORT_OVERCURRENT (1u << 4)
#define USB_PORT_CONNECT_CHANGE (1u << 8)
#define USB_PORT_ENABLE_CHANGE (1u << 9)
#define USB_PORT_OWNED_BY_COMPANION (1u << 10) /* EHCI: not ours now */

/* port_reset_finish() results besides 0 and negative enum usb_status. */
#define USB_PORT_HANDED_OFF 1 /* EHCI gave a full/low-speed device to a companion */

struct usb_hcd_ops {
	/* Root ports, numbered from 1. */
	unsigned (*port_status)(struct usb_hcd *hcd, int port);
	void (*port_clear_changes)(struct usb_hcd *hcd, int port);
	/* Starts driving reset; the core calls finish after the spec's
	 * root-port reset time (50 ms) has passed. */
	int (*port_reset_start)(struct usb_hcd *hcd, int port);
	/* Ends reset and enables the port; on 0 stores the device speed. */
	int (*port_reset_finish)(struct usb_hcd *hcd, int port, enum usb_speed *speed);
	void (*port_disable)(struct usb_hcd *hcd, int port);

	int (*ep_open)(struct usb_hcd *hcd, struct usb_endpoint *ep);
	/* Cancels what is queued (each completes with USB_ERR_CANCELLED,
	 * possibly later) and frees the endpoint's driver state once the
	 * controller can no longer touch it. */
	void (*ep_close)(struct usb_hcd *hcd, struct usb_endpoint *ep);
	int (*submit)(struct usb_hcd *hcd, struct usb_xfer *x);
	/* Completes x with USB_ERR_CANCELLED once it is unlinked. */
	void (*cancel)(struct usb_hcd *hcd, struct usb_xfer *x);
	/* Optional. The endpoint's halt was cleared (the core sent
	 * CLEAR_FEATURE(ENDPOINT_HALT), USB 2.0 9.4.5): restart its data
	 * toggle at DATA0 and resume its queue, which a driver holds from a
	 * STALL on a bulk or interrupt endpoint until this call. Without it
	 * the core closes and reopens the endpoint (queued transfers are
	 * cancelled). */
	void (*ep_reset)(struct usb_hcd *hcd, struct usb_endpoint *ep);

	/* Optional, for controllers that address devices themselves (xHCI):
	 * when set_address is NULL the core sends SET_ADDRESS. */
	int (*device_add)(struct usb_hcd *hcd, struct usb_device *dev);
	int (*set_address)(struct usb_hcd *hcd, struct usb_device *dev, uint8_t addr);
	void (*device_remove)(struct usb_hcd *hcd, struct usb_device *dev);
	/* Optional: dev's port was just reset under a device the core keeps
	 * (usb_device_reset); bring the controller's record of it back to the
	 * default state, endpoint 0 only (xHCI: Reset Device). set_address
	 * or SET_ADDRESS follows. */
	int (*device_reset)(struct usb_hcd *hcd, struct usb_device *dev);
	/* Optional: dev is a hub with nports ports; ttt is the TT think time
	 * from wHubCharacteristics bits 6:5 (USB 2.0 11.23.2.1). */
	void (*hub_info)(struct usb_hcd *hcd, struct usb_device *dev, unsigned nports,
			 unsigned ttt);

	/* Prints driver-specific state for `usbdebug`; optional. */
	void (*dump)(struct usb_hcd *hcd);
};

struct usb_hcd {
	const struct usb_hcd_ops *ops;
	const char *driver_name;  /* "uhci_hcd", "ehci_hcd": lsusb -t Driver= */
	const char *product;      /* "UHCI Host Controller" */
	enum usb_speed speed;     /* root hub speed */
	unsigned num_ports;
	void *priv;
	struct pci_dev *pci;
	/* Filled in by the core: */
	int busnum;
	void *core;
};

/* Called by a driver once its controller runs; the core numbers the bus
 * and starts watching its root ports. */
int usb_hcd_register(struct usb_hcd *hcd);
/* Called by a driver when it knows a root port changed (interrupt), so
 * the core looks now instead of at its next poll. */
void usb_hcd_port_event(struct usb_hcd *hcd);
/* Called by a driver that reset its controller after a fatal error: the
 * core forgets every device on the bus and enumerates it again. */
void usb_hcd_reset_notify(struct usb_hcd *hcd);

/* DMA-reachable (< 4 GiB) buffers for transfer data and SETUP packets. */
void *usb_buffer_alloc(size_t size, dma_addr_t *dma);
void usb_buffer_free(void *buf);

/*
 * What every host-controller driver does the same way (usb/hcd.c). A
 * driver's endpoint state starts with struct hcd_ep and usb_endpoint.hcpriv
 * points at it; a driver's record of one submitted transfer starts with
 * struct hcd_req and usb_xfer.hcpriv points at it. Transfers wait on their
 * endpoint's queue in arrival order.
 */
struct hcd_req {
	struct list_node node;    /* on its endpoint's queue, or a driver's done list */
	struct usb_xfer *x;
	int cancel_status;        /* 0, or the status to complete with once taken back */
};

struct hcd_ep {
	struct usb_endpoint *usb; /* NULL once closed: the core may free it */
	struct list_node queue;   /* struct hcd_req, oldest first */
	bool closing;             /* freed once the controller has let go */
	bool halted;              /* STALLed: queue held until ep_reset */
};

/* A probe's first step: the driver's zeroed state for PCI function d, or
 * NULL (said on the console) when out of memory or when the driver
 * already serves `max` controllers. */
void *hcd_alloc_state(const struct pci_dev *d, const char *driver, unsigned count,
		      unsigned max, size_t size);

/*
 * One driver's controllers, and the probe EHCI and xHCI share: the state
 * allocated (hcd_alloc_state), the driver's start, its teardown if that
 * failed ("<name><n>: controller not started"), else the state recorded
 * as the next controller and as the PCI function's driver data.
 */
#define HCD_MAX_CONTROLLERS 8
struct hcd_driver {
	const char *name;         /* "ehci": controller n is "ehci<n>" */
	size_t state_size;
	/* Starts controller `index` on d from its zeroed state; after an
	 * error teardown runs, whatever step start reached. */
	int (*start)(void *state, struct pci_dev *d, int index);
	void (*teardown)(void *state);
	/* Filled in by hcd_probe: */
	void *controllers[HCD_MAX_CONTROLLERS];
	unsigned count;
};
int hcd_probe(struct hcd_driver *drv, struct pci_dev *d);
/* The driver's controller number index; NULL past the last. */
void *hcd_controller(const struct hcd_driver *drv, int index);
void hcd_ep_init(struct hcd_ep *hep, struct usb_endpoint *ep);
/* The first half of every ep_close: detaches the driver's endpoint from
 * the core's and marks each queued transfer cancelled. NULL if ep was not
 * open. */
struct hcd_ep *hcd_ep_close(struct usb_endpoint *ep);
/* The checks every submit makes; 0 or the enum usb_status to return. */
int hcd_submit_check(const struct usb_xfer *x, bool controller_dead);
/* Queues req for x on its endpoint and resets x's result fields. */
void hcd_req_queue(struct hcd_req *req, struct usb_xfer *x);
/* Marks req to be completed with status once taken back; false if it
 * already was (the first reason wins). */
bool hcd_req_cancel(struct hcd_req *req, int status);
/* Stores the result in x, detaches it from the driver and completes it. */
void hcd_giveback(struct usb_xfer *x, int status, size_t actual);
/* Completes every transfer on done (struct hcd_req.node, results stored
 * in the usb_xfer), in order, and kfree()s each driver record: each must
 * be a kmalloc'd block that starts with its struct hcd_req. */
void hcd_giveback_all(struct list_node *done);
/* Maps PCI function d's memory BAR 0 (min_size bytes if the BAR does not
 * say) and enables memory decoding and bus mastering; NULL, said on the
 * console with the driver's name and *err set, if it cannot. */
volatile uint8_t *hcd_map_bar0(struct pci_dev *d, const char *driver, size_t min_size,
			       int *err);
/* The data stage's direction: bit 7 of bmRequestType for control
 * transfers, of bEndpointAddress otherwise. */
bool hcd_xfer_dir_in(const struct usb_xfer *x);
/* When x times out: 0 for none. */
uint64_t hcd_xfer_deadline_ns(const struct usb_xfer *x);

/* Restarts after fatal controller errors, counted per window: true once
 * there were more than max within window_ns, when a driver gives up. */
struct hcd_restart_limit {
	uint64_t window_start_ns;
	unsigned count;
};
bool hcd_restart_limit_hit(struct hcd_restart_limit *l, unsigned max, uint64_t window_ns);
/* A `<driver>dump [n]` shell command: argv[1] picks controller n of the
 * driver's (nth(n), NULL past the last); its dump op prints it, or every
 * controller's without argv[1]. kind ("xHCI") names them in errors. */
int hcd_dump_command(int argc, char **argv, const char *kind, struct usb_hcd *(*nth)(int index));

/*
 * Both USB 2 host controllers implement the same ops under the same
 * names, <prefix>_port_status ... <prefix>_dump; these declare them and
 * build the ops table, so the two drivers cannot drift apart.
 */
#define USB_HCD_DECLARE_OPS(prefix)                                                   \
	unsigned prefix##_port_status(struct usb_hcd *hcd, int port);                 \
	void prefix##_port_clear_changes(struct usb_hcd *hcd, int port);              \
	int prefix##_port_reset_start(struct usb_hcd *hcd, int port);                 \
	int prefix##_port_reset_finish(struct usb_hcd *hcd, int port, enum usb_speed *speed); \
	void prefix##_port_disable(struct usb_hcd *hcd, int port);                    \
	int prefix##_ep_open(struct usb_hcd *hcd, struct usb_endpoint *ep);           \
	void prefix##_ep_close(struct usb_hcd *hcd, struct usb_endpoint *ep);         \
	int prefix##_submit(struct usb_hcd *hcd, struct usb_xfer *x);                 \
	void prefix##_cancel(struct usb_hcd *hcd, struct usb_xfer *x);                \
	void prefix##_ep_reset(struct usb_hcd *hcd, struct usb_endpoint *ep);         \
	void prefix##_dump(struct usb_hcd *hcd)

#define USB_HCD_OPS(prefix)                                                           \
	{ .port_status = prefix##_port_status, .port_clear_changes = prefix##_port_clear_changes, \
	  .port_reset_start = prefix##_port_reset_start,                              \
	  .port_reset_finish = prefix##_port_reset_finish,                            \
	  .port_disable = prefix##_port_disable, .ep_open = prefix##_ep_open,         \
	  .ep_close = prefix##_ep_close, .submit = prefix##_submit,                   \
	  .cancel = prefix##_cancel, .ep_reset = prefix##_ep_reset, .dump = prefix##_dump }

#endif
