/*
 * EHCI driver internals shared by its files: the per-controller state, the
 * per-endpoint state (one queue head each) and the out-of-band record of a
 * submitted transfer. Hardware descriptors hold physical addresses only;
 * every virtual pointer lives in these kzalloc'd structures, and a
 * descriptor is reached from a recorded physical address through
 * dma_pool_phys_to_virt(), which refuses anything that is not a live chunk.
 *
 *   ehci.c          PCI probe, BIOS take-over, reset, start, the ops table
 *   ehci_port.c     root ports: status, reset, hand-off to companions
 *   ehci_async.c    async ring, QH unlink and the IAA doorbell
 *   ehci_periodic.c frame list and the interrupt QH tree
 *   ehci_qtd.c      pure qTD planning and status decoding
 *   ehci_xfer.c     endpoints, submission, completion, cancellation
 *   ehci_irq.c      interrupt handler, deferred work, health check, recovery
 *   ehci_dump.c     `ehcidump`, the consistency KTEST
 *   ehci_sync.c     synchronous transfers for the two commands below
 *   ehci_bench.c    `ehcilat`, latency after idle gaps
 *   ehci_botcheck.c `ehcibot`, bulk reads from a USB stick
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
	dma_addr_t dma;
	uint32_t len;
	bool data;               /* counts toward actual (not SETUP/status) */
	bool status_stage;
};

/* Driver state of one submitted transfer (usb_xfer.hcpriv). */
struct ehci_xfer {
	struct usb_xfer *x;
	struct ehci_ep *ep;
	struct ehci_xfer *next;  /* endpoint queue, oldest first; or done list */
	int cancel_status;       /* 0, or why it is being taken back */
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
	struct ehci *ehci;
	struct usb_endpoint *uep;    /* NULL once closed: the core may free it */
	struct ehci_qh *qh;
	dma_addr_t qh_dma;
	dma_addr_t dummy_dma;    /* the inactive qTD at the queue's tail */
	struct ehci_xfer *queue;
	enum ehci_ep_state state;
	bool closing;            /* free once unlinked */
	bool control;            /* STALL ends the request, not a halt */
	bool halted;             /* STALLed: queue held until ep_reset */
	bool toggle_reset;       /* next qh_restart starts at DATA0 */
	bool periodic;
	unsigned period;         /* frames between polls (periodic) */
	unsigned phase;          /* first frame (periodic) */
	uint8_t smask;
	uint16_t load;           /* bytes per poll, for periodic balancing */
	struct ehci_ep *next;        /* every endpoint of the controller */
	struct ehci_ep *sched_next;  /* async ring order, or periodic tree link */
	struct ehci_ep *unlink_next;
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
	struct ehci_ep *async_ring;  /* QHs after the head, in ring order */

	uint32_t *frame_list;
	dma_addr_t frame_list_dma;
	struct ehci_ep *frame_shadow[EHCI_FRAME_LIST_ENTRIES];
	uint32_t frame_load[EHCI_FRAME_LIST_ENTRIES]; /* bytes per frame */

	struct ehci_ep *eps;
	struct ehci_ep *unlink_queued;   /* unlinked, doorbell not yet rung */
	struct ehci_ep *unlink_waiting;  /* doorbell rung after their unlink */
	struct ehci_ep *unlink_periodic; /* waiting for frames to pass */
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
	uint64_t reset_window_ns;        /* fatal-error rate limiting */
	unsigned resets_in_window;
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

/* ehci.c */
int ehci_hw_halt(struct ehci *e);
int ehci_hw_reset(struct ehci *e);
int ehci_hw_start(struct ehci *e);
extern const struct usb_hcd_ops ehci_hcd_ops;
struct ehci *ehci_by_index(int index);

/* ehci_port.c */
uint32_t ehci_portsc_preserve(uint32_t portsc);
unsigned ehci_portsc_to_usb(uint32_t portsc);
unsigned ehci_port_status(struct usb_hcd *hcd, int port);
void ehci_port_clear_changes(struct usb_hcd *hcd, int port);
int ehci_port_reset_start(struct usb_hcd *hcd, int port);
int ehci_port_reset_finish(struct usb_hcd *hcd, int port, enum usb_speed *speed);
void ehci_port_disable(struct usb_hcd *hcd, int port);

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
int ehci_ep_open(struct usb_hcd *hcd, struct usb_endpoint *uep);
void ehci_ep_close(struct usb_hcd *hcd, struct usb_endpoint *uep);
int ehci_submit(struct usb_hcd *hcd, struct usb_xfer *x);
void ehci_cancel(struct usb_hcd *hcd, struct usb_xfer *x);
void ehci_ep_reset(struct usb_hcd *hcd, struct usb_endpoint *uep);
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
void ehci_dump(struct usb_hcd *hcd);
const char *ehci_schedule_error(struct ehci *e);

#endif
