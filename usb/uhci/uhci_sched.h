/*
 * TD chains for one UHCI transfer (usb/uhci/uhci_sched.c): building them
 * from a transfer description, setting data toggles, scanning the chain the
 * controller has worked on and freeing it. Pure with respect to the
 * controller: it only touches DMA-pool memory, so host tests drive it with
 * fake "device" writes. A chain is known by DMA addresses only; it is walked
 * through the TD link pointers with dma_pool_phys_to_virt().
 */
#ifndef TERN_UHCI_SCHED_H
#define TERN_UHCI_SCHED_H

#include "types.h"
#include "usb_hcd.h"

struct dma_pool;

#define UHCI_MAX_CHAIN_TDS 4096

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

struct uhci_chain {
	dma_addr_t first;  /* first TD */
	dma_addr_t status; /* control: the status-stage TD; 0 otherwise */
	unsigned ntds;
	size_t len;        /* data bytes the transfer holds */
};

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

/* 0, USB_ERR_NOMEM or USB_ERR_INVAL (with a message naming the problem). */
int uhci_chain_build(struct dma_pool *pool, const struct uhci_xfer_desc *d,
		     struct uhci_chain *c);
/* Bulk/interrupt: gives the data TDs alternating toggles from `toggle`. */
void uhci_chain_set_toggles(struct dma_pool *pool, const struct uhci_chain *c,
			    unsigned toggle);
void uhci_chain_scan(struct dma_pool *pool, const struct uhci_chain *c, struct uhci_scan *s);
void uhci_chain_free(struct dma_pool *pool, struct uhci_chain *c);

/* Maps TD error bits to enum usb_status (USB_OK if none). */
int uhci_td_status(uint32_t ctrl);

#endif
