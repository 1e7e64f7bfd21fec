/*
 * qTD planning for the EHCI driver (see ehci_qtd.h). A qTD addresses at
 * most five 4 KiB pages: the first from the buffer's offset, the other four
 * whole (EHCI §3.5.4), so it carries between 16 KiB and 20 KiB. Longer
 * transfers become chains; every qTD but the last ends on a max-packet
 * boundary, since a packet may not straddle two qTDs.
 */
#include "ehci_qtd.h"

#define EHCI_DMA_LIMIT 0xffffffffull /* 32-bit descriptors, no CTRLDSSEGMENT use */

size_t ehci_qtd_span(dma_addr_t buf, size_t len, unsigned max_packet)
{
	size_t room = EHCI_QTD_MAX_BYTES - (size_t)(buf & (EHCI_PAGE_SIZE - 1));

	if (len <= room)
		return len;
	return room - room % max_packet;
}

static unsigned plan_data(dma_addr_t buf, size_t len, unsigned max_packet,
			  uint8_t pid, bool toggle, bool empty_ok,
			  struct ehci_td_plan *out)
{
	unsigned n = 0;

	if (len == 0 && empty_ok) {
		if (out)
			out[0] = (struct ehci_td_plan){ buf, 0, pid, toggle, false };
		return 1;
	}
	while (len > 0) {
		size_t span = ehci_qtd_span(buf, len, max_packet);
		if (out)
			out[n] = (struct ehci_td_plan){ buf, (uint32_t)span, pid,
							toggle, false };
		toggle = ehci_toggle_after(toggle, span, max_packet);
		buf += span;
		len -= span;
		n++;
	}
	return n;
}

int ehci_plan_xfer(enum usb_ep_type type, bool dir_in, dma_addr_t setup_dma,
		   dma_addr_t buf, size_t len, unsigned max_packet,
		   struct ehci_td_plan *out)
{
	uint8_t data_pid = dir_in ? EHCI_PID_IN : EHCI_PID_OUT;

	if (max_packet == 0 || max_packet > 1024)
		return USB_ERR_INVAL;
	if (len > 0 && (buf > EHCI_DMA_LIMIT || len - 1 > EHCI_DMA_LIMIT - buf))
		return USB_ERR_INVAL;
	if (type == USB_EP_ISO)
		return USB_ERR_INVAL;
	if (type != USB_EP_CONTROL)
		return (int)plan_data(buf, len, max_packet, data_pid, false, true, out);

	if (setup_dma > EHCI_DMA_LIMIT - sizeof(struct usb_setup))
		return USB_ERR_INVAL;
	if (out)
		out[0] = (struct ehci_td_plan){ setup_dma, sizeof(struct usb_setup),
						EHCI_PID_SETUP, false, false };
	unsigned n = 1 + plan_data(buf, len, max_packet, data_pid, true, false,
				   out ? out + 1 : NULL);
	/* Status stage: the opposite direction, IN when there is no data. */
	if (out)
		out[n] = (struct ehci_td_plan){ 0, 0,
			(len > 0 && dir_in) ? EHCI_PID_OUT : EHCI_PID_IN, true, true };
	return (int)n + 1;
}

void ehci_qtd_write(struct ehci_qtd *td, const struct ehci_td_plan *p,
		    uint32_t next, uint32_t alt_next)
{
	dma_addr_t page = p->buf & ~(dma_addr_t)(EHCI_PAGE_SIZE - 1);

	td->token = 0;
	td->next = next;
	td->alt_next = alt_next;
	td->buf[0] = (uint32_t)p->buf;
	for (unsigned i = 1; i < EHCI_QTD_PAGES; i++) {
		page += EHCI_PAGE_SIZE;
		/* Pages past the data are never used; keep them zero. */
		td->buf[i] = page < p->buf + p->len ? (uint32_t)page : 0;
	}
	for (unsigned i = 0; i < EHCI_QTD_PAGES; i++)
		td->buf_hi[i] = 0;
}

uint32_t ehci_qtd_token(const struct ehci_td_plan *p, bool ioc)
{
	return EHCI_TOK_ACTIVE | ((uint32_t)p->pid << EHCI_TOK_PID_SHIFT) |
	       (EHCI_CERR_MAX << EHCI_TOK_CERR_SHIFT) |
	       ((uint32_t)p->len << EHCI_TOK_BYTES_SHIFT) |
	       (ioc ? EHCI_TOK_IOC : 0) | (p->toggle ? EHCI_TOK_TOGGLE : 0);
}

bool ehci_toggle_after(bool toggle, size_t len, unsigned max_packet)
{
	size_t packets = len == 0 ? 1 : (len + max_packet - 1) / max_packet;

	return toggle ^ (packets & 1);
}

int ehci_token_status(uint32_t token)
{
	if (!(token & EHCI_TOK_HALTED))
		return USB_OK;
	if (token & EHCI_TOK_BABBLE)
		return USB_ERR_BABBLE;
	if (token & EHCI_TOK_DATABUF)
		return USB_ERR_DATABUF;
	if (token & (EHCI_TOK_XACT | EHCI_TOK_MISSED_UF))
		return USB_ERR_XACT;
	return USB_ERR_STALL;
}
