/*
 * TD chains for one UHCI transfer (usb/uhci/uhci_sched.c): building them
 * from a transfer description, setting data toggles, scanning the chain the
 * controller has worked on and freeing it. Pure with respect to the
 * controller: it only touches DMA-pool memory, so host tests drive it with
 * fake "device" writes. The driver's record of a chain holds each TD's
 * virtual and DMA address side by side (the TDs themselves hold DMA
 * addresses only), so it never translates an address it wrote itself.
 */
#ifndef TERN_UHCI_SCHED_H
#define TERN_UHCI_SCHED_H

#include "types.h"
#include "usb_hcd.h"

struct dma_pool;

/* The longest chain: 512 KiB of 64-byte full-speed packets, a mass-storage
 * command's data stage (its TDs take 128 KiB of the DMA pool while it runs). */
#define UHCI_MAX_CHAIN_TDS 8192

struct uhci_xfer_desc {
	enum usb_ep_type type;
	bool dir_in;       /* data stage direction (control: from bmRequestType) */
	uint8_t dev_addr;
	uint8_t ep_num;    /* 0..15 */
	bool low_speed;
	uint16_t max_packet;
	dma_addr_t setup_dma; /* control only */
	dma_addr_t buf_dma;
	size_t len;
};

struct uhci_td_ref {
	struct uhci_td *td;
	dma_addr_t dma;
};

struct uhci_chain {
	struct uhci_td_ref *tds; /* kmalloc'd, in the order the TDs are linked */
	unsigned ntds;
	unsigned blocked;        /* the first TDs, in pool blocks of 256 freed
				  * through their first TD; the rest one by one */
	bool has_status;         /* control: the last TD is the status stage */
	size_t len;              /* data bytes the transfer holds */
};

static inline dma_addr_t uhci_chain_first(const struct uhci_chain *c)
{
	return c->tds[0].dma;
}

/* Control: the status-stage TD. */
static inline const struct uhci_td_ref *uhci_chain_status(const struct uhci_chain *c)
{
	return c->has_status ? &c->tds[c->ntds - 1] : NULL;
}

enum uhci_chain_state {
	UHCI_CHAIN_ACTIVE,      /* the controller still has work to do */
	UHCI_CHAIN_NEEDS_STATUS, /* control data stage ended short: the QH
				  * element must move to the status TD */
	UHCI_CHAIN_DONE,
};

struct uhci_scan {
	enum uhci_chain_state state;
	int status;        /* enum usb_status once DONE */
	size_t actual;     /* data-stage bytes transferred so far */
	int next_toggle;   /* toggle after the last acknowledged data TD; -1: none */
};

/* 0, USB_ERR_NOMEM or USB_ERR_INVAL (with a message naming the problem).
 * Every TD of a built chain is freed by uhci_chain_free(). */
int uhci_chain_build(struct dma_pool *pool, const struct uhci_xfer_desc *d,
		     struct uhci_chain *c);
/* Bulk/interrupt: gives the data TDs alternating toggles from `toggle`. */
void uhci_chain_set_toggles(const struct uhci_chain *c, unsigned toggle);
void uhci_chain_scan(const struct uhci_chain *c, struct uhci_scan *s);
void uhci_chain_free(struct dma_pool *pool, struct uhci_chain *c);

/* Maps TD error bits to enum usb_status (USB_OK if none). */
int uhci_td_status(uint32_t ctrl);

#endif
