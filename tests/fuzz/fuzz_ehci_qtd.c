/*
 * libFuzzer harness for the EHCI qTD planner (usb/ehci/ehci_qtd.c): any
 * buffer address, length, max packet size and transfer type. Every plan
 * must cover the buffer exactly, keep each qTD within five pages of its
 * start offset (QEMU resets the controller otherwise), end every qTD but
 * the last on a max-packet boundary, and write buffer pointers that name
 * exactly the pages the qTD touches.
 */
#include <stdlib.h>
#include <string.h>

#include "../../usb/ehci/ehci_qtd.h"

#define MAX_TDS 64

static void check(bool cond)
{
	if (!cond)
		abort();
}

static uint32_t take32(const uint8_t **p, size_t *n)
{
	uint32_t v = 0;

	for (int i = 0; i < 4 && *n; i++, (*p)++, (*n)--)
		v |= (uint32_t)**p << (8 * i);
	return v;
}

static void check_pointers(const struct ehci_td_plan *p)
{
	struct ehci_qtd td;
	uint64_t end = p->buf + p->len;

	ehci_qtd_write(&td, p, 0x1000, EHCI_LINK_TERMINATE);
	check(td.buf[0] == (uint32_t)p->buf && td.token == 0);
	for (unsigned i = 1; i < EHCI_QTD_PAGES; i++) {
		uint64_t page = (p->buf & ~0xfffull) + (uint64_t)i * 4096;
		check(td.buf[i] == (page < end ? (uint32_t)page : 0));
	}
	uint32_t tok = ehci_qtd_token(p, true);
	check(EHCI_TOK_BYTES(tok) == p->len && (tok & EHCI_TOK_ACTIVE));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ehci_td_plan plan[MAX_TDS];
	dma_addr_t buf = take32(&data, &size);
	size_t len = take32(&data, &size) % (1u << 20);
	unsigned maxp = take32(&data, &size) % 1100;
	enum usb_ep_type type = (enum usb_ep_type)(take32(&data, &size) % 4);
	bool in = size && (*data & 1);

	int n = ehci_plan_xfer(type, in, 0x1000, buf, len, maxp, NULL);
	if (n < 0) {
		check(maxp == 0 || maxp > 1024 || type == USB_EP_ISO ||
		      (len && buf + len - 1 > 0xffffffffull));
		return 0;
	}
	if (n > MAX_TDS)
		return 0;
	check(ehci_plan_xfer(type, in, 0x1000, buf, len, maxp, plan) == n);
	size_t total = 0;
	dma_addr_t at = buf;
	for (int i = 0; i < n; i++) {
		if (plan[i].pid == EHCI_PID_SETUP || plan[i].status)
			continue;
		check(plan[i].buf == at);
		check((plan[i].buf & 0xfff) + plan[i].len <= EHCI_QTD_MAX_BYTES);
		check_pointers(&plan[i]);
		at += plan[i].len;
		total += plan[i].len;
		bool last_data = i + 1 == n || plan[i + 1].status;
		check(last_data || plan[i].len % maxp == 0);
	}
	check(total == len);
	return 0;
}
