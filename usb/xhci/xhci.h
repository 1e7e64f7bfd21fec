/*
 * xHCI driver internals shared by its files (docs/xhci.md says which holds
 * what). Hardware structures hold physical addresses only; one that the
 * controller hands back (an event's TRB pointer) is mapped to the driver's
 * records through the DMA pool's checked translation (xhci_ring_note), so
 * a bogus pointer is a reported error.
 */
#ifndef TERN_XHCI_H
#define TERN_XHCI_H

#include "hw.h"
#include "ktime.h"
#include "usb_hcd.h"
#include "work.h"
#include "xhci_ring.h"

#define XHCI_MAX_SLOTS 64          /* enabled in CONFIG; QEMU offers 64 */
#define XHCI_MAX_PORTS 32
#define XHCI_CMD_TRBS 256
#define XHCI_XFER_SEG_TRBS 64      /* one 1 KiB segment; grows on demand */
#define XHCI_XFER_MAX_SEGS 16
/* Sized so the event ring cannot overflow (QEMU drops events once it is
 * full): 2 * XHCI_MAX_TDS + 2 + 7 * 255 < 4096 - 1 (docs/xhci.md). */
#define XHCI_EVENT_TRBS 4096
#define XHCI_MAX_TDS 1024
#define XHCI_MAX_TDS_PER_EP 16     /* QEMU keeps no more in flight per endpoint */
#define XHCI_CMD_TIMEOUT_NS (500 * NSEC_PER_MSEC)
#define XHCI_HEALTH_PERIOD_NS (500 * NSEC_PER_MSEC)

/* Driver state of one submitted transfer (usb_xfer.hcpriv); kmalloc'd,
 * struct hcd_req first, for hcd_giveback_all. */
struct xhci_req {
	struct hcd_req hcd;          /* on its endpoint's queue, or x->done */
	struct xhci_ep *ep;
	bool posted;                 /* its TRBs are on the ring */
	bool finished;               /* its result is known, giveback pending */
	struct xhci_ring_pos first;  /* its first TRB */
	unsigned ntrbs;
	dma_addr_t last_trb;         /* the TRB with IOC */
	size_t actual;               /* at the first short packet */
	bool short_seen;
	uint64_t deadline_ns;
};

/* Driver state of one open endpoint (usb_endpoint.hcpriv). */
struct xhci_ep {
	struct hcd_ep hcd;
	struct xhci *x;
	struct xhci_slot *slot;
	unsigned dci;                /* device context index: 1 is EP0 */
	struct xhci_ring *ring;      /* own_ring, or the slot's EP0 ring */
	struct xhci_ring own_ring;
	unsigned posted;             /* TDs on the ring */
	bool needs_reset;            /* halted: Reset Endpoint + Set TR Dequeue */
	struct list_node node;       /* on x->eps */
};

/* One device slot (Enable Slot ... Disable Slot): usb_device.hcpriv. */
struct xhci_slot {
	unsigned id;
	struct usb_device *dev;
	void *out_ctx, *in_ctx;
	dma_addr_t out_dma, in_dma;
	struct xhci_ring ep0_ring;
	struct xhci_ep *eps[32];     /* by DCI */
	bool lost;                   /* the controller was reset under it */
};

struct xhci_stats {
	uint64_t irqs, events, xfers, cmds, cmd_timeouts, bad_events, grows, resets;
};

struct xhci {
	struct usb_hcd hcd;
	struct pci_dev *pci;
	int index;
	char name[8];                /* "xhci0": its DMA pool and interrupt */
	volatile uint8_t *cap, *op, *rt, *db;
	uint32_t hcs1, hcs2, hcc1;
	unsigned n_ports, max_slots, ctx_size;
	uint8_t port_major[XHCI_MAX_PORTS + 1]; /* 2 or 3, from Supported Protocol */
	uint8_t slot_type;
	unsigned irq_line;
	bool irq_ok;
	struct dma_pool *pool;

	uint64_t *dcbaa;
	dma_addr_t dcbaa_dma;
	uint64_t *scratch_array;
	dma_addr_t scratch_array_dma;
	unsigned n_scratch;
	struct xhci_ring cmd;
	struct xhci_trb *events;
	dma_addr_t events_dma;
	unsigned ev_deq;
	uint32_t ev_cycle;
	struct xhci_erst_entry *erst;
	dma_addr_t erst_dma;

	struct xhci_slot *slots[XHCI_MAX_SLOTS + 1];
	dma_addr_t cmd_trb;          /* the one command in flight */
	bool cmd_done;
	uint32_t cmd_cc, cmd_slot;

	unsigned tds;                /* TDs on all rings */
	struct list_node eps;        /* struct xhci_ep */
	struct list_node done;       /* struct xhci_req, results to give back */
	struct work irq_work, ep_work;
	bool running, dead, in_events;
	bool restart_pending;        /* a command could not be aborted */
	struct hcd_restart_limit restarts;
	struct xhci_stats stats;
};

static inline uint32_t xhci_read(struct xhci *x, unsigned reg)
{
	return mmio_read32(x->op + reg);
}

static inline void xhci_write(struct xhci *x, unsigned reg, uint32_t v)
{
	mmio_write32(x->op + reg, v);
}

/* 64-bit registers as two dwords, low first: QEMU latches on the high. */
static inline void xhci_write64(volatile uint8_t *reg, uint64_t v)
{
	mmio_write32(reg, (uint32_t)v);
	mmio_write32(reg + 4, (uint32_t)(v >> 32));
}

static inline void *xhci_ctx(struct xhci *x, void *ctx, unsigned index)
{
	return (uint8_t *)ctx + index * x->ctx_size;
}

USB_HCD_DECLARE_OPS(xhci);

/* xhci.c */
struct xhci *xhci_by_index(int index);
void xhci_restart(struct xhci *x, const char *why);

/* xhci_event.c */
bool xhci_irq(void *ctx);
void xhci_irq_work(struct work *w);
/* Runs one command to completion: 0, USB_ERR_XACT for a completion code
 * other than Success (said on the console, like every failure), or
 * USB_ERR_TIMEOUT (the command was aborted). *slot_out: the slot id. */
int xhci_command(struct xhci *x, uint32_t control, uint64_t param, unsigned *slot_out);

/* xhci_port.c */
void xhci_port_protocol(struct xhci *x, volatile uint8_t *cap);
void xhci_power_ports(struct xhci *x);

/* xhci_slot.c */
int xhci_device_add(struct usb_hcd *hcd, struct usb_device *dev);
int xhci_set_address(struct usb_hcd *hcd, struct usb_device *dev, uint8_t addr);
int xhci_device_reset(struct usb_hcd *hcd, struct usb_device *dev);
void xhci_device_remove(struct usb_hcd *hcd, struct usb_device *dev);
void xhci_hub_info(struct usb_hcd *hcd, struct usb_device *dev, unsigned nports, unsigned ttt);
int xhci_configure_ep(struct xhci *x, struct xhci_ep *ep, bool add);
int xhci_update_ep0(struct xhci *x, struct xhci_slot *s, uint16_t max_packet);
void xhci_slots_lost(struct xhci *x);

/* xhci_xfer.c */
void xhci_transfer_event(struct xhci *x, const struct xhci_trb *ev);
void xhci_ep_work(struct work *w);
void xhci_fail_all(struct xhci *x, int status);

#endif
