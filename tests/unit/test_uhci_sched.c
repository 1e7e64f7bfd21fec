/*
 * Host tests for usb/uhci/uhci_sched.c: the TD chains it builds (PIDs,
 * toggles, lengths, buffers, flags, links), how it reads them back after
 * the "controller" (the test) has written status, error decoding, and
 * that every TD goes back to the pool, including on allocation failure.
 */
#include <string.h>

#include "fake_kmalloc.h"
#include "fake_uhci_dma.h"
#include "harness.h"
#include "seams.h"
#include "uhci_hw.h"
#include "uhci_sched.h"

#define SETUP_DMA 0x00200000u
#define BUF_DMA 0x00300000u

static struct uhci_td *td_n(const struct uhci_chain *c, unsigned n)
{
	struct uhci_td *td = fake_dma_virt(uhci_chain_first(c));
	while (td && n--)
		td = (td->link & UHCI_LINK_TERMINATE) ? NULL : fake_dma_virt(UHCI_LINK_ADDR(td->link));
	return td;
}

static unsigned pid(const struct uhci_td *td) { return td->token & 0xFF; }
static unsigned toggle(const struct uhci_td *td) { return !!(td->token & UHCI_TD_TOGGLE); }
static unsigned maxlen(const struct uhci_td *td) { return UHCI_TD_MAXLEN(td->token); }

/* What the controller writes back when it finishes a TD. */
static void complete_td(struct uhci_td *td, unsigned actual, uint32_t error_bits)
{
	td->ctrl = (td->ctrl & ~(UHCI_TD_ACTIVE | 0x7FFu)) | ((actual - 1) & 0x7FF) | error_bits;
}

/* Scans c and checks the outcome; returns the scan for further checks. */
static struct uhci_scan check_scan(const struct uhci_chain *c, enum uhci_chain_state state,
				   int status, size_t actual)
{
	struct uhci_scan s;
	uhci_chain_scan(c, &s);
	CHECK_EQ(s.state, state);
	CHECK_EQ(s.status, status);
	CHECK_EQ(s.actual, actual);
	return s;
}

/* IN transfer of len bytes to endpoint 1 of device 2. */
static struct uhci_xfer_desc data_in(enum usb_ep_type type, uint16_t max_packet, size_t len)
{
	return (struct uhci_xfer_desc){ .type = type, .dir_in = true, .dev_addr = 2, .ep_num = 1,
					.max_packet = max_packet, .buf_dma = BUF_DMA, .len = len };
}

static struct uhci_xfer_desc control_in(size_t len)
{
	return (struct uhci_xfer_desc){ .type = USB_EP_CONTROL, .dir_in = true, .dev_addr = 5,
					.ep_num = 0, .max_packet = 8, .setup_dma = SETUP_DMA,
					.buf_dma = BUF_DMA, .len = len };
}

TEST(control_in_chain_layout)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = control_in(18);
	struct uhci_chain c;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, 5);
	CHECK_EQ(fake_dma_live(), 5); /* short chains: one chunk per TD */
	struct uhci_td *setup = td_n(&c, 0), *status = td_n(&c, 4);
	CHECK_EQ(pid(setup), UHCI_PID_SETUP);
	CHECK_EQ(toggle(setup), 0);
	CHECK_EQ(maxlen(setup), 8);
	CHECK_EQ(setup->buffer, SETUP_DMA);
	CHECK_EQ((setup->token >> UHCI_TD_ADDR_SHIFT) & 0x7F, 5);
	const unsigned lens[] = { 8, 8, 2 };
	for (unsigned i = 0; i < 3; i++) {
		struct uhci_td *td = td_n(&c, 1 + i);
		CHECK_EQ(pid(td), UHCI_PID_IN);
		CHECK_EQ(toggle(td), (i + 1) & 1); /* DATA1, DATA0, DATA1 */
		CHECK_EQ(maxlen(td), lens[i]);
		CHECK_EQ(td->buffer, BUF_DMA + 8 * i);
		CHECK(td->ctrl & UHCI_TD_SPD);
		CHECK(!(td->ctrl & UHCI_TD_IOC));
		CHECK(td->link & UHCI_LINK_DEPTH);
	}
	CHECK_EQ(pid(status), UHCI_PID_OUT);
	CHECK_EQ(toggle(status), 1);
	CHECK_EQ((status->token >> UHCI_TD_MAXLEN_SHIFT), UHCI_TD_MAXLEN_NULL);
	CHECK(status->ctrl & UHCI_TD_IOC);
	CHECK(!(status->ctrl & UHCI_TD_SPD));
	CHECK_EQ(status->link, UHCI_LINK_TERMINATE);
	CHECK(uhci_chain_status(&c)->td == status);
	for (unsigned i = 0; i < 5; i++) {
		uint32_t ctrl = td_n(&c, i)->ctrl;
		CHECK(ctrl & UHCI_TD_ACTIVE);
		CHECK_EQ(ctrl & UHCI_TD_CERR_MAX, UHCI_TD_CERR_MAX);
		CHECK(!(ctrl & UHCI_TD_LS));
	}
	uhci_chain_free(pool, &c);
	CHECK_EQ(fake_dma_live(), 0);
}

TEST(control_without_data_has_in_status_and_low_speed_flag)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = control_in(0);
	d.dir_in = false;
	d.low_speed = true;
	struct uhci_chain c;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, 2);
	CHECK_EQ(pid(td_n(&c, 1)), UHCI_PID_IN);
	CHECK_EQ(toggle(td_n(&c, 1)), 1);
	CHECK(td_n(&c, 0)->ctrl & UHCI_TD_LS);
	CHECK(td_n(&c, 1)->ctrl & UHCI_TD_LS);
	uhci_chain_free(pool, &c);
}

TEST(control_out_data_then_in_status)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = control_in(9);
	d.dir_in = false;
	struct uhci_chain c;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, 4);
	CHECK_EQ(pid(td_n(&c, 1)), UHCI_PID_OUT);
	CHECK(!(td_n(&c, 1)->ctrl & UHCI_TD_SPD));
	CHECK_EQ(maxlen(td_n(&c, 2)), 1);
	CHECK_EQ(pid(td_n(&c, 3)), UHCI_PID_IN);
	uhci_chain_free(pool, &c);
}

TEST(bulk_toggles_follow_the_endpoint)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = { .type = USB_EP_BULK, .dir_in = false, .dev_addr = 3,
				    .ep_num = 2, .max_packet = 64, .buf_dma = BUF_DMA, .len = 200 };
	struct uhci_chain c;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, 4);
	CHECK(uhci_chain_status(&c) == NULL);
	CHECK_EQ((td_n(&c, 0)->token >> UHCI_TD_ENDPT_SHIFT) & 0xF, 2);
	uhci_chain_set_toggles(&c, 1);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(toggle(td_n(&c, i)), (i + 1) & 1);
	CHECK_EQ(maxlen(td_n(&c, 3)), 200 - 3 * 64);
	for (unsigned i = 0; i < 4; i++)
		complete_td(td_n(&c, i), maxlen(td_n(&c, i)), 0);
	struct uhci_scan s = check_scan(&c, UHCI_CHAIN_DONE, USB_OK, 200);
	CHECK_EQ(s.next_toggle, 1); /* last TD was DATA0 */
	uhci_chain_free(pool, &c);
	CHECK_EQ(fake_dma_live(), 0);
}

TEST(zero_length_bulk_is_one_null_packet)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = { .type = USB_EP_BULK, .dev_addr = 3, .ep_num = 1,
				    .max_packet = 64, .len = 0 };
	struct uhci_chain c;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, 1);
	CHECK_EQ(td_n(&c, 0)->token >> UHCI_TD_MAXLEN_SHIFT, UHCI_TD_MAXLEN_NULL);
	complete_td(td_n(&c, 0), 0, 0);
	check_scan(&c, UHCI_CHAIN_DONE, USB_OK, 0);
	uhci_chain_free(pool, &c);
}

TEST(scan_control_short_read_needs_status_stage)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = control_in(18);
	struct uhci_chain c;
	uhci_chain_build(pool, &d, &c);
	struct uhci_scan s;
	uhci_chain_scan(&c, &s);
	CHECK_EQ(s.state, UHCI_CHAIN_ACTIVE);
	complete_td(td_n(&c, 0), 8, 0);
	complete_td(td_n(&c, 1), 8, 0);
	td_n(&c, 2)->ctrl |= UHCI_TD_NAK; /* NAK keeps it active: not an error */
	uhci_chain_scan(&c, &s);
	CHECK_EQ(s.state, UHCI_CHAIN_ACTIVE);
	CHECK_EQ(s.actual, 8);
	complete_td(td_n(&c, 2), 4, 0);
	uhci_chain_scan(&c, &s);
	CHECK_EQ(s.state, UHCI_CHAIN_NEEDS_STATUS);
	CHECK_EQ(s.actual, 12);
	complete_td(td_n(&c, 4), 0, 0);
	check_scan(&c, UHCI_CHAIN_DONE, USB_OK, 12);
	uhci_chain_free(pool, &c);
	CHECK_EQ(fake_dma_live(), 0);
}

TEST(scan_short_bulk_in_ends_transfer_with_toggle)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = data_in(USB_EP_INTERRUPT, 8, 32);
	struct uhci_chain c;
	uhci_chain_build(pool, &d, &c);
	uhci_chain_set_toggles(&c, 0);
	complete_td(td_n(&c, 0), 8, 0);
	complete_td(td_n(&c, 1), 3, 0);
	struct uhci_scan s = check_scan(&c, UHCI_CHAIN_DONE, USB_OK, 11);
	CHECK_EQ(s.next_toggle, 0); /* the short TD was DATA1 */
	uhci_chain_free(pool, &c);
}

TEST(scan_reports_errors_with_specific_cause_first)
{
	const struct { uint32_t bits; int status; } cases[] = {
		{ UHCI_TD_STALLED, USB_ERR_STALL },
		{ UHCI_TD_STALLED | UHCI_TD_CRC_TIMEOUT, USB_ERR_TIMEOUT },
		{ UHCI_TD_STALLED | UHCI_TD_BABBLE, USB_ERR_BABBLE },
		{ UHCI_TD_STALLED | UHCI_TD_DBUFERR, USB_ERR_DATABUF },
		{ UHCI_TD_STALLED | UHCI_TD_BITSTUFF | UHCI_TD_CRC_TIMEOUT, USB_ERR_BITSTUFF },
		{ UHCI_TD_NAK, USB_OK },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_EQ(uhci_td_status(cases[i].bits), cases[i].status);

	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = control_in(18);
	struct uhci_chain c;
	uhci_chain_build(pool, &d, &c);
	complete_td(td_n(&c, 0), 8, 0);
	complete_td(td_n(&c, 1), 0, UHCI_TD_STALLED);
	struct uhci_scan s;
	uhci_chain_scan(&c, &s);
	CHECK_EQ(s.state, UHCI_CHAIN_DONE);
	CHECK_EQ(s.status, USB_ERR_STALL);
	uhci_chain_free(pool, &c);
}

/* A 300-TD chain is one pool block of 256 TDs and 44 single TDs: a
 * failure at any of those allocations leaves nothing behind. */
TEST(allocation_failure_frees_partial_chain)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = data_in(USB_EP_BULK, 64, 64 * 300);
	struct uhci_chain c;
	for (int n = 0; n < 45; n++) {
		fake_dma_fail_after(n);
		CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_NOMEM);
		CHECK_EQ(fake_dma_live(), 0);
	}
	fake_dma_fail_after(45);
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(fake_dma_live(), 45);
	CHECK_EQ(td_n(&c, 255)->buffer, BUF_DMA + 64 * 255);
	CHECK_EQ(td_n(&c, 256)->buffer, BUF_DMA + 64 * 256);
	CHECK(td_n(&c, 299)->ctrl & UHCI_TD_IOC);
	CHECK_EQ(td_n(&c, 299)->buffer, BUF_DMA + 64 * 299);
	uhci_chain_free(pool, &c);
	CHECK_EQ(fake_dma_live(), 0);
}

TEST(rejects_bad_descriptions)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_chain c;
	struct uhci_xfer_desc d = control_in(8);
	d.max_packet = 0;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_INVAL);
	d = control_in(8);
	d.buf_dma = 0xFFFFFFFCull;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_INVAL);
	CHECK(seam_log_contains("beyond 4 GiB"));
	d = control_in(8);
	d.type = USB_EP_ISO;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_INVAL);
	d = (struct uhci_xfer_desc){ .type = USB_EP_BULK, .max_packet = 8, .len = 1 << 20,
				     .buf_dma = BUF_DMA };
	CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_INVAL);
	CHECK_EQ(fake_dma_live(), 0);
}

/* The chain limit counts the TDs a transfer needs: a bulk chain may fill it
 * with data (a 512 KiB mass-storage command), a control chain keeps two
 * TDs of it for SETUP and STATUS. */
TEST(chain_limit_counts_exactly_the_tds_needed)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_chain c;
	struct uhci_xfer_desc d = data_in(USB_EP_BULK, 64, 64 * UHCI_MAX_CHAIN_TDS);
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, UHCI_MAX_CHAIN_TDS);
	CHECK(td_n(&c, UHCI_MAX_CHAIN_TDS - 1)->ctrl & UHCI_TD_IOC);
	uhci_chain_free(pool, &c);
	d.len++;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_INVAL);
	CHECK(seam_log_contains("needs too many TDs"));
	d = control_in(8 * (UHCI_MAX_CHAIN_TDS - 2));
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	CHECK_EQ(c.ntds, UHCI_MAX_CHAIN_TDS);
	uhci_chain_free(pool, &c);
	d.len++;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), USB_ERR_INVAL);
	CHECK_EQ(fake_dma_live(), 0);
}

/* The controller owns the link words once a chain runs (a device that
 * scribbles over them, or a fuzzer, may rewrite them): the driver reads
 * its own record of the chain instead, so rewritten links neither lead
 * it out of the pool nor make it count a packet twice. */
TEST(scan_and_free_follow_the_record_not_rewritten_links)
{
	struct dma_pool *pool = fake_dma_pool();
	long kmem = fake_kmalloc_live;
	struct uhci_xfer_desc d = { .type = USB_EP_BULK, .dir_in = true, .dev_addr = 3,
				    .ep_num = 1, .max_packet = 64, .buf_dma = BUF_DMA, .len = 150 };
	struct uhci_chain c;
	CHECK_EQ(uhci_chain_build(pool, &d, &c), 0);
	struct uhci_td *first = td_n(&c, 0), *second = td_n(&c, 1), *third = td_n(&c, 2);
	complete_td(first, 64, 0);
	complete_td(second, 64, 0);
	complete_td(third, 22, 0);
	first->link = 0x00001000 | UHCI_LINK_DEPTH;                        /* outside */
	second->link = UHCI_LINK_ADDR(uhci_chain_first(&c)) | UHCI_LINK_DEPTH; /* a loop */
	seam_log_clear();
	check_scan(&c, UHCI_CHAIN_DONE, USB_OK, 150);
	CHECK_EQ(seam_log()[0], '\0');
	uhci_chain_free(pool, &c);
	CHECK_EQ(fake_dma_live(), 0);
	CHECK_EQ(fake_kmalloc_live, kmem);
}

TEST(overlong_actual_length_fails_instead_of_overrunning)
{
	struct dma_pool *pool = fake_dma_pool();
	struct uhci_xfer_desc d = data_in(USB_EP_BULK, 8, 8);
	struct uhci_chain c;
	uhci_chain_build(pool, &d, &c);
	complete_td(td_n(&c, 0), 64, 0); /* 64 bytes into an 8-byte packet */
	seam_log_clear();
	check_scan(&c, UHCI_CHAIN_DONE, USB_ERR_BABBLE, 0);
	CHECK(seam_log_contains("reports 64 bytes for a 8-byte packet"));
	uhci_chain_free(pool, &c);
}
