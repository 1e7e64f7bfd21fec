/*
 * Pure qTD arithmetic, shared by the EHCI transfer code and its host tests:
 * how a transfer is cut into qTDs of at most five pages (EHCI §3.5.4), how
 * each qTD's buffer pointers and token are written, and what a halted
 * token means for the caller. Nothing here touches the controller or
 * allocates memory.
 */
#ifndef TERN_EHCI_QTD_H
#define TERN_EHCI_QTD_H

#include "ehci_hw.h"
#include "usb_hcd.h"

/* One planned qTD of a transfer. */
struct ehci_td_plan {
	dma_addr_t buf;
	uint32_t len;
	uint8_t pid;     /* EHCI_PID_* */
	bool toggle;     /* DATA0/DATA1 for control qTDs (DTC=1) */
	bool status;     /* the control status stage */
};

/* Bytes a qTD starting at buf can carry of len: everything if it fits in
 * five pages, else the most that ends on a max_packet boundary, so only a
 * transfer's last qTD can end in a short packet. */
size_t ehci_qtd_span(dma_addr_t buf, size_t len, unsigned max_packet);

/*
 * Plans the qTDs of a transfer: SETUP, data and status stages for control
 * (setup_dir_in = bit 7 of bmRequestType), the data qTDs alone otherwise
 * (a zero-length bulk/interrupt transfer gets one empty qTD). With out ==
 * NULL only counts. Returns the count, or a negative enum usb_status for
 * arguments the controller cannot carry (buffer above 4 GiB, max_packet 0).
 */
int ehci_plan_xfer(enum usb_ep_type type, bool dir_in, dma_addr_t setup_dma,
		   dma_addr_t buf, size_t len, unsigned max_packet,
		   struct ehci_td_plan *out);

/* Writes a qTD from its plan with the Active bit CLEAR: the caller sets
 * the token last (ehci_qtd_token), after a write barrier. */
void ehci_qtd_write(struct ehci_qtd *td, const struct ehci_td_plan *p,
		    uint32_t next, uint32_t alt_next);
/* The active token for a planned qTD. */
uint32_t ehci_qtd_token(const struct ehci_td_plan *p, bool ioc);

/* DATA toggle after len bytes were sent in max_packet-sized packets. */
bool ehci_toggle_after(bool toggle, size_t len, unsigned max_packet);

/* enum usb_status for a completed (inactive) token: halted with babble,
 * buffer error, transaction error or missed microframe, or a STALL when
 * halted with none of those. USB_OK when not halted. */
int ehci_token_status(uint32_t token);

#endif
