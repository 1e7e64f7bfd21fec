/*
 * libFuzzer harness for usb/uhci/uhci_sched.c: builds the TD chain of a
 * transfer described by the first input bytes, lets the rest of the input
 * play a misbehaving controller (any status word on any TD, and corrupt
 * link pointers), then scans the chain. The scan must terminate and never
 * report more bytes than the transfer holds; freeing (links left corrupt:
 * the driver frees from its own record) must return every TD.
 */
#include <stdint.h>
#include <string.h>

#include "fake_uhci_dma.h"
#include "uhci_hw.h"
#include "uhci_sched.h"

#define REQUIRE(cond)                 \
	do {                          \
		if (!(cond))          \
			__builtin_trap(); \
	} while (0)

#define MAX_TDS 64

static const uint16_t max_packets[] = { 8, 16, 32, 64, 1, 7, 1023, 512 };

struct input {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint32_t)*in->p++ << (8 * i);
	return v;
}

static struct uhci_xfer_desc describe(struct input *in)
{
	uint32_t flags = take(in, 1);
	static const enum usb_ep_type types[] = { USB_EP_CONTROL, USB_EP_BULK,
						  USB_EP_INTERRUPT, USB_EP_CONTROL };
	struct uhci_xfer_desc d = {
		.type = types[flags & 3],
		.dir_in = flags & 4,
		.low_speed = flags & 8,
		.dev_addr = take(in, 1) & 0x7F,
		.ep_num = flags >> 4,
		.max_packet = max_packets[take(in, 1) & 7],
		.setup_dma = 0x1000,
		.buf_dma = 0x100000,
		.len = take(in, 2) & 0x7FF,
	};
	/* Longer chains add time, not cases: the harness edits MAX_TDS TDs. */
	d.len = MIN(d.len, (size_t)d.max_packet * (MAX_TDS - 2));
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = describe(&in);
	struct uhci_chain c;
	if (uhci_chain_build(pool, &d, &c) != 0)
		return 0;
	struct uhci_td *tds[MAX_TDS];
	unsigned n = 0;
	for (struct uhci_td *td = fake_dma_virt(uhci_chain_first(&c)); td && n < MAX_TDS; n++) {
		tds[n] = td;
		td = (td->link & UHCI_LINK_TERMINATE) ? NULL : fake_dma_virt(UHCI_LINK_ADDR(td->link));
	}
	REQUIRE(n == c.ntds);
	uhci_chain_set_toggles(&c, take(&in, 1) & 1);
	while (in.left >= 5) {
		unsigned which = take(&in, 1);
		uint32_t value = take(&in, 4);
		if ((which & 0x80) && (which & 0x40))
			tds[(which & 0x3F) % n]->link = value; /* a corrupt link */
		else
			tds[which % n]->ctrl = value;
	}
	struct uhci_scan s;
	uhci_chain_scan(&c, &s);
	REQUIRE(s.state == UHCI_CHAIN_ACTIVE || s.state == UHCI_CHAIN_NEEDS_STATUS ||
		s.state == UHCI_CHAIN_DONE);
	REQUIRE(s.actual <= d.len);
	REQUIRE(s.next_toggle >= -1 && s.next_toggle <= 1);
	REQUIRE(s.status <= 0 && s.status >= USB_ERR_SETUP_TIMEOUT);
	REQUIRE(s.state != UHCI_CHAIN_NEEDS_STATUS || d.type == USB_EP_CONTROL);
	uhci_chain_free(pool, &c);
	REQUIRE(fake_dma_live() == 0);
	return 0;
}
