/*
 * Building and reading the TD chain of one UHCI transfer. A control
 * transfer is SETUP (DATA0), data packets of at most max_packet bytes with
 * toggles from DATA1, and a zero-length STATUS packet in the opposite
 * direction with DATA1 (USB 2.0 section 8.5.3); bulk and interrupt
 * transfers are data packets only, their toggles set when the chain is
 * started because they continue from the endpoint's previous transfer.
 * TDs are linked depth first so the controller runs a transfer's packets
 * back to back; IN data TDs set short-packet detect so a short packet
 * stops the queue (UHCI design guide section 3.2.2) instead of running the
 * remaining TDs into the next transfer's buffer.
 */
#include "dma_pool.h"
#include "hw.h"
#include "mm.h"
#include "printk.h"
#include "uhci_hw.h"
#include "uhci_sched.h"

#define UHCI_DMA_LIMIT (4 * GiB) /* 32-bit buffer and link pointers */

/* Long chains take their TDs from the pool in blocks of this many (4 KiB,
 * the pool's largest chunk): a 512 KiB storage chain is 32 allocations,
 * not 8192, between the CBW's completion and the data stage's first
 * frame. The rest, and short chains, take one 16-byte chunk per TD: any
 * other size would hold a 4 KiB slab of its own in a pool of 8 KiB
 * regions. */
#define TDS_PER_BLOCK 256u

struct chain_builder {
	struct dma_pool *pool;
	struct uhci_chain *chain;
	uint32_t ctrl_flags; /* LS bit for low-speed devices */
	uint32_t addr_bits;  /* device address and endpoint in token position */
};

static uint32_t token(const struct chain_builder *b, uint8_t pid, unsigned toggle, size_t len)
{
	uint32_t maxlen = len ? (uint32_t)(len - 1) : UHCI_TD_MAXLEN_NULL;
	return maxlen << UHCI_TD_MAXLEN_SHIFT | (toggle ? UHCI_TD_TOGGLE : 0) | b->addr_bits | pid;
}

/* Records where TD n lives: inside a block, the slot after TD n - 1;
 * else a new block or single TD from the pool. False when it is empty. */
static bool place_td(struct chain_builder *b, unsigned n)
{
	struct uhci_td_ref *ref = &b->chain->tds[n];
	bool in_block = n < b->chain->blocked;
	if (in_block && n % TDS_PER_BLOCK) {
		*ref = (struct uhci_td_ref){ ref[-1].td + 1, ref[-1].dma + sizeof(struct uhci_td) };
		return true;
	}
	size_t count = in_block ? TDS_PER_BLOCK : 1;
	ref->td = dma_pool_alloc(b->pool, count * sizeof(struct uhci_td), &ref->dma);
	return ref->td != NULL;
}

/* Appends one TD; false when the pool is empty. */
static bool append_td(struct chain_builder *b, uint8_t pid, unsigned toggle, dma_addr_t buf,
		      size_t len)
{
	struct uhci_chain *c = b->chain;
	if (!place_td(b, c->ntds))
		return false;
	struct uhci_td_ref *ref = &c->tds[c->ntds];
	struct uhci_td *td = ref->td;
	td->link = UHCI_LINK_TERMINATE;
	td->ctrl = UHCI_TD_ACTIVE | UHCI_TD_CERR_MAX | b->ctrl_flags |
		   (pid == UHCI_PID_IN && len ? UHCI_TD_SPD : 0);
	td->token = token(b, pid, toggle, len);
	td->buffer = (uint32_t)buf;
	if (c->ntds)
		c->tds[c->ntds - 1].td->link = (uint32_t)ref->dma | UHCI_LINK_DEPTH;
	c->ntds++;
	return true;
}

static bool add_data_stage(struct chain_builder *b, const struct uhci_xfer_desc *d,
			   unsigned toggle)
{
	uint8_t pid = d->dir_in ? UHCI_PID_IN : UHCI_PID_OUT;
	size_t off = 0;
	do {
		size_t n = MIN(d->len - off, (size_t)d->max_packet);
		if (!append_td(b, pid, toggle, n ? d->buf_dma + off : 0, n))
			return false;
		toggle ^= 1;
		off += n;
	} while (off < d->len);
	return true;
}

static bool add_control(struct chain_builder *b, const struct uhci_xfer_desc *d)
{
	if (!append_td(b, UHCI_PID_SETUP, 0, d->setup_dma, sizeof(struct usb_setup)))
		return false;
	if (d->len && !add_data_stage(b, d, 1))
		return false;
	uint8_t status_pid = d->dir_in && d->len ? UHCI_PID_OUT : UHCI_PID_IN;
	b->chain->has_status = true;
	return append_td(b, status_pid, 1, 0, 0);
}

static size_t data_tds(const struct uhci_xfer_desc *d)
{
	size_t n = (d->len + d->max_packet - 1) / d->max_packet;
	return n == 0 && d->type != USB_EP_CONTROL ? 1 : n;
}

/* Data TDs plus, for control, SETUP and STATUS. */
static size_t chain_tds(const struct uhci_xfer_desc *d)
{
	return data_tds(d) + (d->type == USB_EP_CONTROL ? 2 : 0);
}

static int check_desc(const struct uhci_xfer_desc *d)
{
	if (d->max_packet == 0 || d->max_packet > 1023 || d->dev_addr > 127 || d->ep_num > 15) {
		pr_err("uhci: bad endpoint %u.%u (max packet %u)\n", d->dev_addr, d->ep_num,
		       d->max_packet);
		return USB_ERR_INVAL;
	}
	if (d->type == USB_EP_ISO) {
		pr_err("uhci: isochronous transfers are not supported\n");
		return USB_ERR_INVAL;
	}
	if ((d->len && (d->buf_dma >= UHCI_DMA_LIMIT || d->len > UHCI_DMA_LIMIT - d->buf_dma)) ||
	    (d->type == USB_EP_CONTROL && d->setup_dma >= UHCI_DMA_LIMIT - 8)) {
		pr_err("uhci: transfer buffer beyond 4 GiB\n");
		return USB_ERR_INVAL;
	}
	if (chain_tds(d) > UHCI_MAX_CHAIN_TDS) {
		pr_err("uhci: transfer of %zu bytes needs too many TDs\n", d->len);
		return USB_ERR_INVAL;
	}
	return 0;
}

int uhci_chain_build(struct dma_pool *pool, const struct uhci_xfer_desc *d, struct uhci_chain *c)
{
	int rc = check_desc(d);
	if (rc)
		return rc;
	size_t max_tds = chain_tds(d);
	*c = (struct uhci_chain){ .len = d->len, .tds = kmalloc(max_tds * sizeof(c->tds[0])),
				  .blocked = (unsigned)(max_tds - max_tds % TDS_PER_BLOCK) };
	if (!c->tds)
		return USB_ERR_NOMEM;
	struct chain_builder b = {
		.pool = pool,
		.chain = c,
		.ctrl_flags = d->low_speed ? UHCI_TD_LS : 0,
		.addr_bits = (uint32_t)d->ep_num << UHCI_TD_ENDPT_SHIFT |
			     (uint32_t)d->dev_addr << UHCI_TD_ADDR_SHIFT,
	};
	bool ok = d->type == USB_EP_CONTROL ? add_control(&b, d) : add_data_stage(&b, d, 0);
	if (!ok) {
		uhci_chain_free(pool, c);
		return USB_ERR_NOMEM;
	}
	c->tds[c->ntds - 1].td->ctrl |= UHCI_TD_IOC;
	return 0;
}

void uhci_chain_set_toggles(const struct uhci_chain *c, unsigned toggle)
{
	for (unsigned n = 0; n < c->ntds; n++) {
		struct uhci_td *td = c->tds[n].td;
		td->token = (td->token & ~UHCI_TD_TOGGLE) | (toggle ? UHCI_TD_TOGGLE : 0);
		toggle ^= 1;
	}
}

int uhci_td_status(uint32_t ctrl)
{
	/* A TD whose error counter ran out is also marked stalled, so the
	 * specific cause wins; STALLED alone is the device's handshake. */
	if (ctrl & UHCI_TD_BITSTUFF)
		return USB_ERR_BITSTUFF;
	if (ctrl & UHCI_TD_CRC_TIMEOUT)
		return USB_ERR_TIMEOUT;
	if (ctrl & UHCI_TD_BABBLE)
		return USB_ERR_BABBLE;
	if (ctrl & UHCI_TD_DBUFERR)
		return USB_ERR_DATABUF;
	if (ctrl & UHCI_TD_STALLED)
		return USB_ERR_STALL;
	return USB_OK;
}

static void scan_done(struct uhci_scan *s, int status)
{
	s->state = UHCI_CHAIN_DONE;
	s->status = status;
}

/* After a short data packet only the status stage is left (control). */
static void scan_status_stage(const struct uhci_chain *c, struct uhci_scan *s)
{
	uint32_t ctrl = uhci_chain_status(c)->td->ctrl;
	if (ctrl & UHCI_TD_ACTIVE)
		s->state = UHCI_CHAIN_NEEDS_STATUS;
	else
		scan_done(s, uhci_td_status(ctrl));
}

/* Counts a finished data TD; false when the scan ends with it. */
static bool scan_data_td(const struct uhci_chain *c, uint32_t ctrl, uint32_t tok,
			 struct uhci_scan *s)
{
	size_t got = UHCI_TD_ACTLEN(ctrl);
	if (got > UHCI_TD_MAXLEN(tok)) {
		/* Never from a sane controller: it would overrun the buffer,
		 * so the transfer fails instead. */
		pr_err("uhci: TD reports %u bytes for a %u-byte packet\n", (unsigned)got,
		       UHCI_TD_MAXLEN(tok));
		scan_done(s, USB_ERR_BABBLE);
		return false;
	}
	s->actual += got;
	s->next_toggle = (tok & UHCI_TD_TOGGLE) ? 0 : 1;
	if (got == UHCI_TD_MAXLEN(tok))
		return true;
	if (c->has_status)
		scan_status_stage(c, s);
	else
		scan_done(s, USB_OK);
	return false;
}

void uhci_chain_scan(const struct uhci_chain *c, struct uhci_scan *s)
{
	*s = (struct uhci_scan){ .state = UHCI_CHAIN_ACTIVE, .next_toggle = -1 };
	for (unsigned n = 0; n < c->ntds; n++) {
		const struct uhci_td *td = c->tds[n].td;
		uint32_t ctrl = td->ctrl;
		if (ctrl & UHCI_TD_ACTIVE)
			return;
		dma_rmb(); /* the status write-back precedes what we read next */
		int err = uhci_td_status(ctrl);
		if (err) {
			scan_done(s, err);
			return;
		}
		uint32_t tok = td->token;
		bool status_stage = c->has_status && n == c->ntds - 1;
		if ((tok & UHCI_TD_PID_MASK) != UHCI_PID_SETUP && !status_stage &&
		    !scan_data_td(c, ctrl, tok, s))
			return;
	}
	scan_done(s, USB_OK);
}

void uhci_chain_free(struct dma_pool *pool, struct uhci_chain *c)
{
	for (unsigned n = 0; n < c->ntds; n += n < c->blocked ? TDS_PER_BLOCK : 1)
		dma_pool_free(pool, c->tds[n].td);
	kfree(c->tds);
	*c = (struct uhci_chain){ 0 };
}
