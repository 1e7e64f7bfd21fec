/*
 * Host tests for the EHCI qTD planner (usb/ehci/ehci_qtd.c): five-page
 * limits at every buffer offset, max-packet-aligned splits of large
 * transfers, buffer pointers across page boundaries, control-stage
 * toggles and directions, and the decoding of halted tokens.
 */
#include <stdint.h>
#include <string.h>

#include "../../usb/ehci/ehci_qtd.h"
#include "harness.h"
#include "rand.h"

#define MAX_TDS 512

static struct ehci_td_plan plan[MAX_TDS];

static int plan_bulk(dma_addr_t buf, size_t len, unsigned maxp)
{
	int n = ehci_plan_xfer(USB_EP_BULK, true, 0, buf, len, maxp, NULL);
	CHECK(n > 0 && n <= MAX_TDS);
	CHECK_EQ(ehci_plan_xfer(USB_EP_BULK, true, 0, buf, len, maxp, plan), n);
	return n;
}

/* Every qTD: within five pages from its offset, contiguous with the
 * previous one, max-packet multiple unless last; the total adds up. */
static void check_chain(dma_addr_t buf, size_t len, unsigned maxp, int n)
{
	size_t total = 0;
	dma_addr_t at = buf;

	for (int i = 0; i < n; i++) {
		CHECK_EQ(plan[i].buf, at);
		CHECK((plan[i].buf & 0xfff) + plan[i].len <= EHCI_QTD_MAX_BYTES);
		if (i + 1 < n)
			CHECK_EQ(plan[i].len % maxp, 0);
		CHECK(plan[i].len > 0 || len == 0);
		at += plan[i].len;
		total += plan[i].len;
	}
	CHECK_EQ(total, len);
}

TEST(span_fits_whole_transfer_within_five_pages)
{
	CHECK_EQ(ehci_qtd_span(0x10000, 20480, 512), 20480);
	CHECK_EQ(ehci_qtd_span(0x10000, 100, 512), 100);
	CHECK_EQ(ehci_qtd_span(0x10000 + 4095, 16385, 512), 16385); /* ends at 5th page end */
}

TEST(span_cuts_at_max_packet_below_the_20k_limit)
{
	CHECK_EQ(ehci_qtd_span(0x10000, 20481, 512), 20480);
	/* offset 100: 20380 bytes of room, 39 packets of 512 */
	CHECK_EQ(ehci_qtd_span(0x10000 + 100, 30000, 512), 19968);
	CHECK_EQ(ehci_qtd_span(0x10000 + 100, 30000, 64), 20352);
	CHECK_EQ(ehci_qtd_span(0x10000 + 4095, 1 << 20, 1024), 16384);
}

TEST(large_bulk_becomes_chain_of_at_most_20k)
{
	int n = plan_bulk(0x200000, 64 * 1024, 512);
	CHECK_EQ(n, 4);
	CHECK_EQ(plan[0].len, 20480);
	CHECK_EQ(plan[3].len, 4096);
	check_chain(0x200000, 64 * 1024, 512, n);
	n = plan_bulk(0x200000, 1 << 20, 512);
	CHECK_EQ(n, 52); /* ceil(1 MiB / 20 KiB) */
	check_chain(0x200000, 1 << 20, 512, n);
}

TEST(chains_hold_limits_at_every_offset_and_length)
{
	static const unsigned maxps[] = { 8, 64, 512, 1024, 1023 };
	uint64_t seed = 12345;

	for (unsigned k = 0; k < 2000; k++) {
		dma_addr_t buf = 0x100000 + rand_next(&seed) % 8192;
		size_t len = rand_next(&seed) % (200 * 1024);
		unsigned maxp = maxps[k % 5];
		int n = plan_bulk(buf, len, maxp);
		check_chain(buf, len, maxp, n);
	}
}

TEST(zero_length_bulk_gets_one_empty_qtd)
{
	CHECK_EQ(plan_bulk(0x3000, 0, 512), 1);
	CHECK_EQ(plan[0].len, 0);
	CHECK_EQ(plan[0].pid, EHCI_PID_IN);
}

TEST(buffer_pointers_cover_each_touched_page)
{
	struct ehci_qtd td;
	struct ehci_td_plan p = { 0x12345678, 20480 - 0x678, EHCI_PID_IN, false, false };

	memset(&td, 0xa5, sizeof(td));
	ehci_qtd_write(&td, &p, 0x1000, EHCI_LINK_TERMINATE);
	CHECK_EQ(td.buf[0], 0x12345678);
	CHECK_EQ(td.buf[1], 0x12346000);
	CHECK_EQ(td.buf[4], 0x12349000);
	CHECK_EQ(td.token, 0); /* Active is the caller's last write */
	CHECK_EQ(td.next, 0x1000);
	CHECK_EQ(td.alt_next, EHCI_LINK_TERMINATE);
	CHECK_EQ(td.buf_hi[0], 0);

	/* 16 bytes straddling a page boundary use exactly two pages */
	p = (struct ehci_td_plan){ 0x7ff8, 16, EHCI_PID_OUT, false, false };
	ehci_qtd_write(&td, &p, EHCI_LINK_TERMINATE, EHCI_LINK_TERMINATE);
	CHECK_EQ(td.buf[0], 0x7ff8);
	CHECK_EQ(td.buf[1], 0x8000);
	CHECK_EQ(td.buf[2], 0);
}

TEST(control_in_has_setup_data_status_with_toggles)
{
	int n = ehci_plan_xfer(USB_EP_CONTROL, true, 0x5000, 0x6000, 18, 64, plan);
	CHECK_EQ(n, 3);
	CHECK_EQ(plan[0].pid, EHCI_PID_SETUP);
	CHECK_EQ(plan[0].len, 8);
	CHECK_EQ(plan[0].buf, 0x5000);
	CHECK(!plan[0].toggle);
	CHECK_EQ(plan[1].pid, EHCI_PID_IN);
	CHECK(plan[1].toggle);
	CHECK_EQ(plan[2].pid, EHCI_PID_OUT);
	CHECK(plan[2].toggle);
	CHECK(plan[2].status);
	CHECK_EQ(plan[2].len, 0);
}

TEST(control_without_data_has_in_status)
{
	int n = ehci_plan_xfer(USB_EP_CONTROL, false, 0x5000, 0, 0, 64, plan);
	CHECK_EQ(n, 2);
	CHECK_EQ(plan[1].pid, EHCI_PID_IN);
	CHECK(plan[1].status);
}

TEST(control_data_toggle_continues_across_qtds)
{
	/* offset 32, maxp 64: first qTD holds 319 packets (odd) -> DATA0 next */
	int n = ehci_plan_xfer(USB_EP_CONTROL, false, 0x5000, 0x10020, 25000, 64, plan);
	CHECK_EQ(n, 4);
	CHECK_EQ(plan[1].len, 20416);
	CHECK(plan[1].toggle);
	CHECK(!plan[2].toggle);
	CHECK_EQ(plan[3].pid, EHCI_PID_IN);
	/* page aligned: 320 packets (even) keep DATA1 */
	n = ehci_plan_xfer(USB_EP_CONTROL, true, 0x5000, 0x10000, 25000, 64, plan);
	CHECK(plan[1].toggle && plan[2].toggle);
}

TEST(toggle_counts_packets)
{
	CHECK(ehci_toggle_after(false, 0, 64));     /* a zero-length packet */
	CHECK(ehci_toggle_after(false, 1, 64));
	CHECK(!ehci_toggle_after(false, 65, 64));
	CHECK(!ehci_toggle_after(true, 64, 64));
}

TEST(rejects_what_the_controller_cannot_carry)
{
	CHECK_EQ(ehci_plan_xfer(USB_EP_BULK, true, 0, 0xfffff000ull, 0x2000, 512, NULL),
		 USB_ERR_INVAL);
	CHECK_EQ(ehci_plan_xfer(USB_EP_BULK, true, 0, 0x100000000ull, 8, 512, NULL),
		 USB_ERR_INVAL);
	CHECK_EQ(ehci_plan_xfer(USB_EP_BULK, true, 0, 0x1000, 8, 0, NULL), USB_ERR_INVAL);
	CHECK_EQ(ehci_plan_xfer(USB_EP_ISO, true, 0, 0x1000, 8, 512, NULL), USB_ERR_INVAL);
	CHECK_EQ(ehci_plan_xfer(USB_EP_CONTROL, true, 0xfffffffcull, 0x1000, 8, 64, NULL),
		 USB_ERR_INVAL);
	/* the last byte exactly at 4 GiB - 1 is fine */
	CHECK(ehci_plan_xfer(USB_EP_BULK, true, 0, 0xfffff000ull, 0x1000, 512, NULL) == 1);
}

TEST(token_fields)
{
	struct ehci_td_plan p = { 0x1000, 300, EHCI_PID_IN, true, false };
	uint32_t t = ehci_qtd_token(&p, true);

	CHECK(t & EHCI_TOK_ACTIVE);
	CHECK(t & EHCI_TOK_IOC);
	CHECK(t & EHCI_TOK_TOGGLE);
	CHECK_EQ(EHCI_TOK_BYTES(t), 300);
	CHECK_EQ((t >> EHCI_TOK_PID_SHIFT) & 3, EHCI_PID_IN);
	CHECK_EQ((t & EHCI_TOK_CERR_MASK) >> EHCI_TOK_CERR_SHIFT, 3);
	CHECK(!(ehci_qtd_token(&p, false) & EHCI_TOK_IOC));
}

TEST(halt_causes_decode_to_usb_status)
{
	CHECK_EQ(ehci_token_status(0), USB_OK);
	CHECK_EQ(ehci_token_status(EHCI_TOK_XACT), USB_OK); /* retried, succeeded */
	CHECK_EQ(ehci_token_status(EHCI_TOK_HALTED), USB_ERR_STALL);
	CHECK_EQ(ehci_token_status(EHCI_TOK_HALTED | EHCI_TOK_BABBLE), USB_ERR_BABBLE);
	CHECK_EQ(ehci_token_status(EHCI_TOK_HALTED | EHCI_TOK_DATABUF), USB_ERR_DATABUF);
	CHECK_EQ(ehci_token_status(EHCI_TOK_HALTED | EHCI_TOK_XACT), USB_ERR_XACT);
	CHECK_EQ(ehci_token_status(EHCI_TOK_HALTED | EHCI_TOK_MISSED_UF), USB_ERR_XACT);
	CHECK_EQ(ehci_token_status(EHCI_TOK_HALTED | EHCI_TOK_BABBLE | EHCI_TOK_XACT),
		 USB_ERR_BABBLE);
}
