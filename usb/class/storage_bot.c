/*
 * The Bulk-Only Transport engine (USB MSC BOT 1.0): one command at a time,
 * CBW on bulk OUT, the data stage, then the CSW on bulk IN, each an
 * asynchronous request completing into the next stage. The CSW request is
 * submitted only after the data stage has completed: QEMU never completes
 * a CSW queued behind an unfinished data-IN transfer.
 *
 * Errors: a STALL of the data stage is cleared and the CSW read (BOT
 * 6.7.2/6.7.3); a STALLed CSW is cleared and read once more (6.7.2); a
 * phase error, an invalid CSW, a timeout or any other transfer error runs
 * the reset recovery of 5.3.4 (Bulk-Only Mass Storage Reset, then
 * CLEAR_FEATURE(ENDPOINT_HALT) on bulk IN and bulk OUT) and ends the
 * command with an error; if the recovery fails too, the device is reset
 * (usb_device_reset) before the command ends. A command interrupted by a
 * device reset runs again once the device is back. Every stage has a
 * timeout, so every command ends.
 */
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "storage.h"

static void finish(struct msc *m, int status)
{
	m->stage = MSC_IDLE;
	m->cmd.status = status;
	m->cmd.done(m);
}

/* Reset recovery did not bring the device back: reset the device itself,
 * as Linux's usb-storage does; msc_bot_post_reset then ends the command. */
static void recovery_failed(struct msc *m, const char *what, int status)
{
	if (status == USB_ERR_RESET)
		return; /* a device reset is under way already */
	pr_err("%s: reset recovery: %s failed: %s; resetting the device\n", m->name, what,
	       usb_status_str(status));
	if (usb_device_reset(m->dev))
		finish(m, m->recovery_status);
}

static void recovery_cleared_in(struct usb_request *r, int status)
{
	struct msc *m = r->ctx;

	if (status)
		recovery_failed(m, "clearing bulk IN", status);
	else
		finish(m, m->recovery_status);
}

static void recovery_cleared_out(struct usb_request *r, int status)
{
	struct msc *m = r->ctx;

	if (status)
		recovery_failed(m, "clearing bulk OUT", status);
	else if ((status = usb_clear_halt_then(m->csw, recovery_cleared_in)))
		recovery_failed(m, "clearing bulk IN", status);
}

static void reset_done(struct usb_request *r, int status)
{
	struct msc *m = r->ctx;

	if (status)
		recovery_failed(m, "Bulk-Only Mass Storage Reset", status);
	else if ((status = usb_clear_halt_then(m->cbw, recovery_cleared_out)))
		recovery_failed(m, "clearing bulk OUT", status);
}

static void ctrl_done(struct usb_request *r)
{
	reset_done(r, r->xfer.status);
}

/* BOT 5.3.4; the command then ends with status. */
static void reset_recovery(struct msc *m, int status, const char *why)
{
	int rc;

	m->stage = MSC_RESET;
	m->recovery_status = status;
	m->recoveries++;
	pr_err("%s: %s; bulk-only reset recovery\n", m->name, why);
	m->ctrl->done = ctrl_done;
	rc = usb_control_async(m->ctrl, USB_TYPE_CLASS | USB_RECIP_INTERFACE, BOT_REQ_RESET, 0,
			       m->intf->desc.bInterfaceNumber, 0, MSC_WRAPPER_TIMEOUT_NS);
	if (rc)
		reset_done(m->ctrl, rc);
}

static int blk_status_of(int usb_status)
{
	return usb_status == USB_ERR_SETUP_TIMEOUT ? BLK_ETIMEDOUT : BLK_EPROTO;
}

static void transfer_failed(struct msc *m, struct usb_request *r, const char *stage)
{
	char why[64];

	if (r->xfer.status == USB_ERR_RESET)
		return; /* the device is being reset: msc_bot_post_reset runs it again */
	ksnprintf(why, sizeof(why), "%s failed: %s", stage, usb_status_str(r->xfer.status));
	reset_recovery(m, blk_status_of(r->xfer.status), why);
}

static void submit_or_recover(struct msc *m, struct usb_request *r, const char *stage)
{
	int rc = usb_submit(r);

	if (rc) {
		r->xfer.status = rc;
		transfer_failed(m, r, stage);
	}
}

static void start_csw(struct msc *m)
{
	m->stage = MSC_CSW;
	m->csw->xfer.len = BOT_CSW_LEN;
	m->csw->xfer.timeout_ns = MSC_WRAPPER_TIMEOUT_NS;
	submit_or_recover(m, m->csw, "status stage");
}

/* A STALL on either bulk pipe has been cleared: the CSW comes next (BOT
 * 6.7.2, 6.7.3). */
static void pipe_cleared(struct usb_request *r, int status)
{
	struct msc *m = r->ctx;

	if (status) {
		r->xfer.status = status;
		transfer_failed(m, r, r == m->csw ? "clearing the status pipe"
						  : "clearing the data pipe");
		return;
	}
	start_csw(m);
}

static void check_csw(struct msc *m)
{
	uint32_t residue = 0;

	switch (bot_check_csw(m->csw->xfer.buf, m->csw->xfer.actual, m->tag, m->cmd.len,
			      &residue)) {
	case BOT_CSW_GOOD:
		m->cmd.residue = residue;
		finish(m, 0);
		break;
	case BOT_CSW_FAILED:
		m->cmd.residue = residue;
		finish(m, BLK_EIO);
		break;
	case BOT_CSW_PHASE:
		reset_recovery(m, BLK_EPROTO, "phase error");
		break;
	case BOT_CSW_INVALID:
		reset_recovery(m, BLK_EPROTO, "invalid status wrapper");
		break;
	}
}

static void csw_done(struct usb_request *r)
{
	struct msc *m = r->ctx;

	if (r->xfer.status == USB_ERR_STALL && !m->csw_retried) {
		m->csw_retried = true;
		if (usb_clear_halt_then(r, pipe_cleared) == 0)
			return;
	}
	if (r->xfer.status) {
		transfer_failed(m, r, "status stage");
		return;
	}
	check_csw(m);
}

static void data_done(struct usb_request *r)
{
	struct msc *m = r->ctx;

	if (r->xfer.status == USB_ERR_STALL && usb_clear_halt_then(r, pipe_cleared) == 0)
		return; /* the CSW says how much of the data was good */
	if (r->xfer.status) {
		transfer_failed(m, r, "data stage");
		return;
	}
	start_csw(m);
}

static struct usb_request *data_request(struct msc *m)
{
	struct usb_request *r;

	if (m->cmd.small)
		return m->small_in;
	r = m->cmd.dir_in ? m->data_in : m->data_out;
	/* Straight to the block request's pages: no copy through a bounce. */
	r->xfer.buf_dma = m->cmd.dma;
	return r;
}

static void start_data(struct msc *m)
{
	struct usb_request *r = data_request(m);

	m->stage = MSC_DATA;
	r->xfer.len = m->cmd.len;
	r->xfer.timeout_ns = m->cmd.timeout_ns ? m->cmd.timeout_ns : MSC_DATA_TIMEOUT_NS;
	submit_or_recover(m, r, "data stage");
}

static void cbw_done(struct usb_request *r)
{
	struct msc *m = r->ctx;

	if (r->xfer.status) {
		transfer_failed(m, r, "command stage");
		return;
	}
	if (m->cmd.len)
		start_data(m);
	else
		start_csw(m);
}

void msc_run(struct msc *m)
{
	struct msc_cmd *c = &m->cmd;

	m->csw_retried = false;
	c->residue = 0;
	c->status = 0;
	bot_build_cbw(m->cbw->xfer.buf, ++m->tag, c->len, c->dir_in, c->lun, c->cdb,
		      c->cdb_len);
	m->stage = MSC_CBW;
	m->cbw->xfer.len = BOT_CBW_LEN;
	m->cbw->xfer.timeout_ns = MSC_WRAPPER_TIMEOUT_NS;
	submit_or_recover(m, m->cbw, "command stage");
}

void msc_bot_post_reset(struct msc *m)
{
	if (m->stage == MSC_RESET)
		finish(m, m->recovery_status);
	else if (m->stage != MSC_IDLE)
		msc_run(m);
}

/* The completions above, for storage.c to install on its requests. */
void msc_bot_init_requests(struct msc *m)
{
	struct usb_request *all[] = { m->ctrl, m->cbw, m->csw, m->small_in, m->data_in,
				      m->data_out };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		all[i]->ctx = m;
	m->cbw->done = cbw_done;
	m->csw->done = csw_done;
	m->small_in->done = data_done;
	m->data_in->done = data_done;
	m->data_out->done = data_done;
}
