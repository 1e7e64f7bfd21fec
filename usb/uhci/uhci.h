/*
 * Driver-internal state of the UHCI host-controller driver, shared by its
 * files: uhci.c (PCI probe, controller reset and start, root ports),
 * uhci_xfer.c (endpoints, transfers, completion, cancellation, the
 * toggle restart after a cleared halt) and uhci_debug.c (the `dump` op).
 * Everything here is software state in kmalloc'd memory; the controller
 * sees only the frame list, QHs and TDs from the controller's DMA pool,
 * which hold DMA addresses and nothing else; the driver's records keep a
 * descriptor's virtual and DMA address side by side.
 */
#ifndef TERN_UHCI_H
#define TERN_UHCI_H

#include "types.h"
#include "uhci_hw.h"
#include "uhci_sched.h"
#include "usb_hcd.h"
#include "work.h"

/*
 * Skeleton queue heads, in schedule order. Frame f starts at the interrupt
 * skeleton for the largest period 2^k dividing f (k <= 7), and every
 * interrupt skeleton links to the next shorter period, so an endpoint hung
 * after the 2^k skeleton runs once every 2^k frames; control and bulk
 * queues follow in every frame.
 */
enum uhci_skel {
	UHCI_SKEL_INT128,
	UHCI_SKEL_INT1 = UHCI_SKEL_INT128 + 7,
	UHCI_SKEL_CONTROL,
	UHCI_SKEL_BULK,
	UHCI_NUM_SKELS,
};

enum uhci_ep_state {
	UHCI_EP_LINKED,    /* its QH is in the schedule */
	UHCI_EP_UNLINKING, /* removed; waiting for the frame counter to move on */
	UHCI_EP_UNLINKED,  /* the controller can no longer see it */
};

/* One transfer, from submit until it is completed and its TDs freed. */
struct uhci_req {
	struct hcd_req hcd;       /* on its endpoint's queue, then on hc->retired */
	struct uhci_ep *uep;
	struct uhci_chain chain;
	bool started;             /* its chain is (or was) the QH's element */
	bool status_stage_linked; /* control: element moved past a short packet */
	uint16_t retire_frame;
};

struct uhci_hc;

struct uhci_ep {
	struct hcd_ep hcd;        /* usb_endpoint.hcpriv; the queue's head is
				   * the one in the schedule, if started */
	struct uhci_hc *hc;
	struct uhci_qh *qh;
	dma_addr_t qh_dma;
	enum uhci_skel skel;
	unsigned toggle;          /* bulk/interrupt: next data toggle */
	enum uhci_ep_state state;
	uint16_t unlink_frame;
	struct list_node node;    /* on hc->eps */
	struct list_node sched;   /* on hc->skel_eps[skel] while linked */
};

struct uhci_hc {
	struct usb_hcd hcd;
	struct pci_dev *pci;
	uint16_t io;
	char name[24];            /* "uhci 00:1d.0": pool and log name */
	struct dma_pool *pool;
	volatile uint32_t *frame_list;
	dma_addr_t frame_list_dma;
	struct uhci_qh *skel[UHCI_NUM_SKELS];
	dma_addr_t skel_dma[UHCI_NUM_SKELS];
	/* The endpoint QHs hung after each skeleton, in the order the
	 * controller meets them: a QH's predecessor without a link walk. */
	struct list_node skel_eps[UHCI_NUM_SKELS];
	struct list_node eps;     /* struct uhci_ep */
	struct list_node retired; /* struct uhci_req completed; TDs freed once
				   * the frame moves on */
	struct work work;
	volatile uint16_t irq_status; /* USBSTS causes gathered by the IRQ handler */
	bool polling;             /* no usable IRQ line: the work item polls */
	bool irq_registered;
	bool dead;                /* gave up after repeated fatal errors */
	struct {                  /* for uhcidump: what the driver has been doing */
		uint64_t completed, failed, cancelled, timed_out;
		uint64_t unlinks, element_races, halts_cleared;
	} stats;
	unsigned resets;          /* recoveries after fatal controller errors */
	unsigned recent_resets;   /* those within UHCI_RESET_WINDOW_NS of each other */
	uint64_t last_reset_ns;
};

#define UHCI_MAX_HCS 8
extern struct uhci_hc *uhci_hcs[UHCI_MAX_HCS];
extern unsigned uhci_hc_count;

extern const struct usb_hcd_ops uhci_hcd_ops;
USB_HCD_DECLARE_OPS(uhci);

/* uhci.c */
uint16_t uhci_read16(struct uhci_hc *hc, uint16_t reg);
void uhci_write16(struct uhci_hc *hc, uint16_t reg, uint16_t v);
uint16_t uhci_frame(struct uhci_hc *hc);
bool uhci_halted(struct uhci_hc *hc);
void uhci_recover(struct uhci_hc *hc, uint16_t status);

/* uhci_xfer.c */
void uhci_work_fn(struct work *w);
void uhci_fail_all(struct uhci_hc *hc, int status);
void uhci_relink_all(struct uhci_hc *hc);

/* uhci_debug.c */
/* NULL if the schedule the controller walks is sound, else what is wrong. */
const char *uhci_schedule_error(struct uhci_hc *hc);

#endif
