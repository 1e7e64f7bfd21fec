/*
 * EHCI driver internals shared by its files: the per-controller state, the
 * per-endpoint state (one queue head each) and the out-of-band record of a
 * submitted transfer. Hardware descriptors hold physical addresses only;
 * the driver's own records, in kzalloc'd memory, keep each descriptor's
 * virtual and physical address side by side, so an address is translated
 * (dma_pool_phys_to_virt) only where the controller hands one back.
 *
 *   ehci.c          PCI probe, BIOS take-over, reset, start, the ops table
 *   ehci_port.c     root ports: status, reset, hand-off to companions
 *   ehci_async.c    async ring, QH unlink and the IAA doorbell
 *   ehci_periodic.c frame list and the interrupt QH tree
 *   ehci_qtd.c      pure qTD planning and status decoding
 *   ehci_xfer.c     endpoints, submission, completion, cancellation
 *   ehci_irq.c      interrupt handler, deferred work, health check, recovery
 *   ehci_dump.c     `ehcidump`, the consistency KTEST
 */
#ifndef TERN_EHCI_H
#define TERN_EHCI_H

#include "ehci_hw.h"
#include "hw.h"
#include "ktime.h"
#include "usb_hcd.h"
#include "work.h"

struct dma_pool;
struct pci_dev;

#define EHCI_MAX_PORTS 15
#define EHCI_MAX_PERIOD 256       /* frames: the longest interrupt period */
#define EHCI_IAA_WATCHDOG_NS (50 * NSEC_PER_MSEC)
#define EHCI_IAA_GIVE_UP_NS NSEC_PER_SEC /* doorbell still pending: wait up to */
#define EHCI_SOFT_RETRIES 3       /* restarts after a transaction error */
#define EHCI_KICK_AFTER_IDLE_NS NSEC_PER_MSEC
#define EHCI_HEALTH_PERIOD_NS (500 * NSEC_PER_MSEC)
#define EHCI_INTR_ENABLE (EHCI_STS_USBINT | EHCI_STS_ERRINT | EHCI_STS_PCD | \
			  EHCI_STS_IAA | EHCI_STS_HSE)

/* One qTD of a transfer, as recorded outside device-visible memory. */
struct ehci_xfer_td {
	struct ehci_qtd *qtd;
	dma_addr_t dma;
	uint32_t len;
	bool data;               /* counts toward actual (not SETUP/status) */
	bool status_stage;
};

/* Driver state of one submitted transfer (usb_xfer.hcpriv). */
struct ehci_xfer {
	struct hcd_req hcd;      /* on its endpoint's queue, oldest first; or a done list */
	struct ehci_ep *ep;
	uint64_t deadline_ns;    /* 0: no timeout */
	unsigned soft_retries;
	unsigned n_td;
	struct ehci_xfer_td td[];
};

enum ehci_ep_state {
	EHCI_EP_UNLINKED,        /* not reachable by the controller */
	EHCI_EP_LINKED,
	EHCI_EP_UNLINKING,       /* unlinked, the controller may still cache it */
};

/* Driver state of one open endpoint (usb_endpoint.hcpriv). */
struct ehci_ep {
	struct hcd_ep hcd;       /* the core's endpoint, queue, closing, halted */
	struct ehci *ehci;
	struct ehci_qh *qh;
	dma_addr_t qh_dma;
	struct ehci_qtd *dummy;  /* the inactive qTD at the queue's tail */
	dma_addr_t dummy_dma;
	enum ehci_ep_state state;
	bool control;            /* STALL ends the request, not a halt */
	bool toggle_reset;       /* next qh_restart starts at DATA0 */
	bool periodic;
	unsigned period;         /* frames between polls (periodic) */
	unsigned phase;          /* first frame (periodic) */
	uint8_t smask;
	uint16_t load;           /* bytes per poll, for periodic balancing */
	struct list_node node;       /* on ehci.eps */
	struct list_node async;      /* on ehci.async_ring while linked there */
	/* The next QH in the periodic tree: one successor shared by every
	 * frame that reaches this QH, so a tree link, not a list. */
	struct ehci_ep *tree_next;
	struct list_node unlink;     /* on one of ehci's unlink lists */
	uint32_t unlink_frindex;
	uint64_t unlink_ns;
};

struct ehci_stats {
	uint64_t irqs, xfers, iaa_rings, iaa_lost, iaa_slow, soft_retries, resets, kicks;
};

struct ehci {
	struct usb_hcd hcd;
	struct pci_dev *pci;
	int index;
	volatile uint8_t *cap;
	volatile uint8_t *op;
	uint32_t hcsparams, hccparams;
	unsigned n_ports;
	unsigned irq_line;
	bool irq_ok;
	struct dma_pool *pool;

	struct ehci_qh *head;        /* permanent async head, H bit set */
	dma_addr_t head_dma;
	struct list_node async_ring; /* QHs after the head, in ring order */

	uint32_t *frame_list;
	dma_addr_t frame_list_dma;
	struct ehci_ep *frame_shadow[EHCI_FRAME_LIST_ENTRIES];
	uint32_t frame_load[EHCI_FRAME_LIST_ENTRIES]; /* bytes per frame */

	struct list_node eps;             /* struct ehci_ep */
	struct list_node unlink_queued;   /* unlinked, doorbell not yet rung */
	struct list_node unlink_waiting;  /* doorbell rung after their unlink */
	struct list_node unlink_periodic; /* waiting for frames to pass */
	bool iaa_in_flight;
	uint64_t iaa_rung_ns;

	volatile uint32_t pending_sts;   /* USBSTS bits the IRQ acknowledged */
	struct work irq_work;
	struct work iaa_watchdog;
	struct work periodic_unlink_work;
	struct work timeout_work;
	struct work poll_work;           /* only without a usable IRQ line */
	struct work health_work;         /* notices a halt that raised no IRQ */

	bool running;
	bool dead;
	struct hcd_restart_limit restarts; /* fatal-error rate limiting */
	uint64_t last_async_ns;          /* last async submission or completion */
	bool port_low_speed[EHCI_MAX_PORTS + 1];
	struct ehci_stats stats;
};

static inline struct ehci *hcd_to_ehci(struct usb_hcd *hcd)
{
	return hcd->priv;
}

static inline uint32_t ehci_read(struct ehci *e, unsigned reg)
{
	return mmio_read32(e->op + reg);
}

static inline void ehci_write(struct ehci *e, unsigned reg, uint32_t v)
{
	mmio_write32(e->op + reg, v);
}

/* Volatile access to descriptor words the controller also writes. */
static inline uint32_t ehci_dma_read(const uint32_t *p)
{
	return *(const volatile uint32_t *)p;
}

static inline void ehci_dma_write(uint32_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

/* The usb_hcd_ops functions: ports in ehci_port.c, endpoints and
 * transfers in ehci_xfer.c, dump in ehci_dump.c. */
USB_HCD_DECLARE_OPS(ehci);

/* ehci.c */
int ehci_hw_halt(struct ehci *e);
int ehci_hw_reset(struct ehci *e);
int ehci_hw_start(struct ehci *e);
extern const struct usb_hcd_ops ehci_hcd_ops;
struct ehci *ehci_by_index(int index);

/* ehci_port.c */
uint32_t ehci_portsc_preserve(uint32_t portsc);
unsigned ehci_portsc_to_usb(uint32_t portsc);

/* ehci_async.c */
int ehci_async_init(struct ehci *e);
void ehci_async_reset(struct ehci *e);
void ehci_ep_link(struct ehci *e, struct ehci_ep *ep);
void ehci_ep_unlink(struct ehci *e, struct ehci_ep *ep);
void ehci_async_kick(struct ehci *e);
void ehci_iaa_done(struct ehci *e, bool lost);
void ehci_unlink_all_now(struct ehci *e);

/* ehci_periodic.c */
int ehci_periodic_init(struct ehci *e);
void ehci_periodic_reset(struct ehci *e);
void ehci_hs_interrupt_period(uint8_t bInterval, unsigned *frames, uint8_t *smask);
unsigned ehci_pick_phase(const uint32_t *frame_load, unsigned period);
void ehci_periodic_link(struct ehci *e, struct ehci_ep *ep);
void ehci_periodic_unlink(struct ehci *e, struct ehci_ep *ep);
void ehci_periodic_unlink_work(struct work *w);

/* ehci_xfer.c */
void ehci_scan_all(struct ehci *e);
void ehci_ep_quiesced(struct ehci *e, struct ehci_ep *ep);
void ehci_fail_all(struct ehci *e, int status);
void ehci_timeout_work(struct work *w);

/* ehci_irq.c */
bool ehci_irq(void *ctx);
void ehci_post_status(struct ehci *e, uint32_t sts);
void ehci_irq_work(struct work *w);
void ehci_poll_work(struct work *w);
void ehci_iaa_watchdog(struct work *w);
void ehci_health_work(struct work *w);
void ehci_recover(struct ehci *e, const char *why);

/* ehci_dump.c */
const char *ehci_schedule_error(struct ehci *e);

#endif
