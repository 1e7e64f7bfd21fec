/*
 * USB mass storage (class 08, SCSI transparent command set, Bulk-Only
 * Transport): binds an interface, asks how many LUNs it has (GET MAX LUN),
 * brings each one up with SCSI commands (INQUIRY; TEST UNIT READY, retried
 * while the unit reports UNIT ATTENTION or NOT READY; READ CAPACITY(10),
 * or (16) when (10) says the disk is too large; MODE SENSE for write
 * protection) and registers it with the block layer as its own disk. Then
 * it serves block requests one at a time with READ/WRITE(10) or (16) and
 * SYNCHRONIZE CACHE, asking REQUEST SENSE whenever a command fails. The
 * transport itself is storage_bot.c. A device reset (usb_device_reset)
 * keeps the disks: the command it interrupted runs again.
 *
 * Unplug: the disks are unlisted at once, the USB requests cancelled, and
 * the block requests still held end with BLK_ENODEV only once the
 * controller has given every transfer back, so nothing can DMA into a
 * buffer its owner has already freed.
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "storage.h"

#define MSC_TUR_TRIES 25
#define MSC_NOT_READY_DELAY_NS (100 * NSEC_PER_MSEC)
#define MSC_DRAIN_POLL_NS NSEC_PER_MSEC
#define MSC_DRAIN_MAX_NS (2 * NSEC_PER_SEC)

static void start_lun(struct msc *m);
static void kick(struct msc *m);

static struct msc_lun *setup_lun(struct msc *m) { return &m->lun[m->setup_lun]; }

/* A command (cdb already in m->cmd) whose reply lands in the small buffer. */
static void issue_small_to(struct msc *m, uint8_t lun, uint8_t cdb_len, uint32_t len,
			   void (*done)(struct msc *))
{
	m->cmd.lun = lun;
	m->cmd.cdb_len = cdb_len;
	m->cmd.dir_in = true;
	m->cmd.len = len;
	m->cmd.small = true;
	m->cmd.timeout_ns = MSC_WRAPPER_TIMEOUT_NS;
	m->cmd.done = done;
	msc_run(m);
}

static void issue_small(struct msc *m, uint8_t cdb_len, uint32_t len, void (*done)(struct msc *))
{
	issue_small_to(m, setup_lun(m)->lun, cdb_len, len, done);
}

static void lun_failed(struct msc *m, const char *what)
{
	pr_err("%s: LUN %u: %s; not used\n", m->name, setup_lun(m)->lun, what);
	setup_lun(m)->blocks = 0;
	m->setup_lun++;
	start_lun(m);
}

static void lun_done(struct msc *m)
{
	m->setup_lun++;
	start_lun(m);
}

/* --- bring-up ------------------------------------------------------------ */
static void mode_sense_done(struct msc *m)
{
	bool wp = false;

	/* A device without MODE SENSE is taken as writable; writes then
	 * fail with DATA PROTECT sense if it is not. */
	if (m->cmd.status == 0 && scsi_mode_sense_wp(msc_small_data(m), msc_small_len(m), &wp))
		setup_lun(m)->wp = wp;
	lun_done(m);
}

static void step_mode_sense(struct msc *m)
{
	issue_small(m, scsi_cdb_mode_sense(m->cmd.cdb), SCSI_MODE_SENSE_LEN, mode_sense_done);
}

static void cap16_done(struct msc *m)
{
	struct msc_lun *l = setup_lun(m);

	if (m->cmd.status ||
	    !scsi_parse_capacity16(msc_small_data(m), msc_small_len(m), &l->blocks,
				   &l->block_size)) {
		lun_failed(m, "READ CAPACITY(16) failed or absurd");
		return;
	}
	step_mode_sense(m);
}

static void cap10_done(struct msc *m)
{
	struct msc_lun *l = setup_lun(m);
	bool need16 = false;

	if (m->cmd.status ||
	    !scsi_parse_capacity10(msc_small_data(m), msc_small_len(m), &l->blocks,
				   &l->block_size, &need16)) {
		lun_failed(m, "READ CAPACITY(10) failed or absurd");
		return;
	}
	if (need16)
		issue_small(m, scsi_cdb_read_capacity16(m->cmd.cdb), SCSI_CAP16_LEN, cap16_done);
	else
		step_mode_sense(m);
}

static void step_tur(struct msc *m);

/* QEMU 7.2 answers the REQUEST SENSE that follows a LUN above 0's first
 * TEST UNIT READY (the power-on unit attention) with "logical unit not
 * supported", though INQUIRY has just found the LUN: worth another try. */
static bool lun_sense_is_spurious(struct msc *m, const struct blk_sense *s)
{
	return s->asc == SCSI_ASC_LUN_NOT_SUPPORTED && setup_lun(m)->lun > 0;
}

static void tur_sense_done(struct msc *m)
{
	struct blk_sense s = { 0 };
	char asc[64];

	if (m->cmd.status == 0)
		scsi_parse_sense(msc_small_data(m), msc_small_len(m), &s);
	bool waiting = s.key == SCSI_KEY_UNIT_ATTENTION ||
		       (s.key == SCSI_KEY_NOT_READY && s.asc != 0x3a) ||
		       lun_sense_is_spurious(m, &s);
	if (!waiting || ++m->tries >= MSC_TUR_TRIES) {
		blk_sense_asc_str(s.asc, s.ascq, asc, sizeof(asc));
		pr_err("%s: LUN %u not ready: %s, %s\n", m->name, setup_lun(m)->lun,
		       blk_sense_key_str(s.key), asc);
		lun_failed(m, "no usable medium");
		return;
	}
	m->setup_step = step_tur;
	work_schedule(&m->setup_work,
		      s.key == SCSI_KEY_UNIT_ATTENTION ? 0 : MSC_NOT_READY_DELAY_NS);
}

static void tur_done(struct msc *m)
{
	if (m->cmd.status == 0) {
		issue_small(m, scsi_cdb_read_capacity10(m->cmd.cdb), SCSI_CAP10_LEN, cap10_done);
		return;
	}
	if (m->cmd.status != BLK_EIO && ++m->tries >= MSC_TUR_TRIES) {
		lun_failed(m, "TEST UNIT READY keeps failing");
		return;
	}
	issue_small(m, scsi_cdb_simple(m->cmd.cdb, SCSI_REQUEST_SENSE, SCSI_SENSE_LEN),
		    SCSI_SENSE_LEN, tur_sense_done);
}

static void step_tur(struct msc *m)
{
	issue_small(m, scsi_cdb_simple(m->cmd.cdb, SCSI_TEST_UNIT_READY, 0), 0, tur_done);
}

static void inquiry_done(struct msc *m)
{
	struct msc_lun *l = setup_lun(m);
	char what[48];

	if (m->cmd.status || !scsi_parse_inquiry(msc_small_data(m), msc_small_len(m), &l->inq)) {
		lun_failed(m, "INQUIRY failed");
		return;
	}
	if (l->inq.type != 0) {
		ksnprintf(what, sizeof(what), "SCSI device type 0x%02x is not a disk", l->inq.type);
		lun_failed(m, what);
		return;
	}
	m->tries = 0;
	step_tur(m);
}

static void setup_work_fn(struct work *w)
{
	struct msc *m = container_of(w, struct msc, setup_work);
	m->setup_step(m);
}

/* --- disks --------------------------------------------------------------- */
static int msc_blk_submit(struct blk_disk *d, struct blk_request *r);
static const struct blk_disk_ops msc_disk_ops = { .submit = msc_blk_submit };

static void register_disk(struct msc *m, struct msc_lun *l)
{
	struct blk_disk *d = blk_disk_alloc();
	uint32_t max_bytes = m->dev->speed >= USB_SPEED_HIGH ? MSC_HS_MAX_BYTES : MSC_FS_MAX_BYTES;

	if (!d) {
		pr_err("%s: LUN %u: out of memory for its disk\n", m->name, l->lun);
		return;
	}
	d->blocks = l->blocks;
	d->block_size = l->block_size;
	d->max_blocks = MAX(max_bytes / l->block_size, 1u);
	d->read_only = l->wp;
	d->removable = l->inq.removable;
	d->tran = "usb";
	memcpy(d->vendor, l->inq.vendor, sizeof(d->vendor));
	memcpy(d->model, l->inq.model, sizeof(d->model));
	memcpy(d->rev, l->inq.rev, sizeof(d->rev));
	d->ops = &msc_disk_ops;
	d->priv = l;
	if (blk_disk_register(d)) {
		blk_disk_put(d);
		return;
	}
	l->disk = d;
	pr_info("%s: %s LUN %u: %s %s, %llu blocks of %u bytes%s\n", d->name, m->name, l->lun,
		d->vendor, d->model, (unsigned long long)d->blocks, d->block_size,
		d->read_only ? ", write-protected" : "");
}

static void start_lun(struct msc *m)
{
	if (m->setup_lun >= m->nluns) {
		for (unsigned i = 0; i < m->nluns; i++)
			if (m->lun[i].blocks)
				register_disk(m, &m->lun[i]);
		m->settling = false;
		kick(m);
		return;
	}
	issue_small(m, scsi_cdb_simple(m->cmd.cdb, SCSI_INQUIRY, SCSI_INQUIRY_LEN),
		    SCSI_INQUIRY_LEN, inquiry_done);
}

static void max_lun_done(struct usb_request *r)
{
	struct msc *m = r->ctx;
	const uint8_t *b = r->xfer.buf;

	/* Devices with one LUN may STALL the request (BOT 3.2). */
	m->nluns = (r->xfer.status == 0 && r->xfer.actual >= 1) ? MIN(b[0], 15u) + 1 : 1;
	for (unsigned i = 0; i < m->nluns; i++)
		m->lun[i] = (struct msc_lun){ .m = m, .lun = (uint8_t)i };
	m->setup_lun = 0;
	start_lun(m);
}

/* --- block requests ------------------------------------------------------ */
static void complete_active(struct msc *m, int status)
{
	struct blk_request *r = m->active;

	m->active = NULL;
	blk_complete(r, status);
	kick(m);
}

static void start_active(struct msc *m);

static void active_sense_done(struct msc *m)
{
	struct blk_request *r = m->active;

	if (m->cmd.status == 0)
		scsi_parse_sense(msc_small_data(m), msc_small_len(m), &r->sense);
	if (r->sense.key == SCSI_KEY_UNIT_ATTENTION && !m->active_retried) {
		m->active_retried = true;
		start_active(m);
		return;
	}
	complete_active(m, r->sense.key == SCSI_KEY_DATA_PROTECT ? BLK_EROFS : BLK_EIO);
}

static void active_done(struct msc *m)
{
	if (m->cmd.status == BLK_EIO) {
		struct msc_lun *l = m->active->disk->priv;
		issue_small_to(m, l->lun,
			       scsi_cdb_simple(m->cmd.cdb, SCSI_REQUEST_SENSE, SCSI_SENSE_LEN),
			       SCSI_SENSE_LEN, active_sense_done);
		return;
	}
	/* Data the device did not move is an error for a block request. */
	complete_active(m, m->cmd.status ? m->cmd.status : m->cmd.residue ? BLK_EIO : 0);
}

static void start_active(struct msc *m)
{
	struct blk_request *r = m->active;
	struct msc_lun *l = r->disk->priv;

	m->cmd.lun = l->lun;
	m->cmd.small = false;
	m->cmd.timeout_ns = r->timeout_ns;
	m->cmd.done = active_done;
	if (r->op == BLK_FLUSH) {
		memset(m->cmd.cdb, 0, sizeof(m->cmd.cdb));
		m->cmd.cdb[0] = SCSI_SYNC_CACHE_10;
		m->cmd.cdb_len = 10;
		m->cmd.len = 0;
	} else {
		m->cmd.cdb_len = scsi_cdb_rw(m->cmd.cdb, r->op == BLK_WRITE, r->lba, r->count);
		m->cmd.dir_in = r->op == BLK_READ;
		m->cmd.len = r->count * l->block_size;
		m->cmd.dma = r->dma;
	}
	msc_run(m);
}

static void kick(struct msc *m)
{
	struct list_node *n;

	if (m->gone || m->settling || m->active || m->stage != MSC_IDLE)
		return;
	n = list_pop_front(&m->queue);
	if (!n)
		return;
	m->active = list_entry(n, struct blk_request, node);
	m->active_retried = false;
	start_active(m);
}

static int msc_blk_submit(struct blk_disk *d, struct blk_request *r)
{
	struct msc_lun *l = d->priv;

	if (l->m->gone)
		return BLK_ENODEV;
	list_push_back(&l->m->queue, &r->node);
	kick(l->m);
	return 0;
}

/* --- binding --------------------------------------------------------------- */
static void free_requests(struct msc *m)
{
	usb_request_free(m->ctrl);
	usb_request_free(m->cbw);
	usb_request_free(m->csw);
	usb_request_free(m->small_in);
	usb_request_free(m->data_in);
	usb_request_free(m->data_out);
}

/* Ends what the driver still holds once the controller has let go. */
static void drain_fn(struct work *w)
{
	struct msc *m = container_of(w, struct msc, drain_work);
	struct list_node *n;

	if (m->dev->inflight && ktime_ns() < m->drain_deadline_ns) {
		work_schedule(w, MSC_DRAIN_POLL_NS);
		return;
	}
	if (m->dev->inflight)
		pr_err("%s: controller still holds %u transfers; ending requests anyway\n",
		       m->name, m->dev->inflight);
	if (m->active)
		blk_complete(m->active, BLK_ENODEV);
	while ((n = list_pop_front(&m->queue)))
		blk_complete(list_entry(n, struct blk_request, node), BLK_ENODEV);
	usb_device_put(m->dev);
	kfree(m);
}

static void msc_disconnect(struct usb_interface *intf)
{
	struct msc *m = intf->driver_data;

	m->gone = true;
	intf->driver_data = NULL; /* m outlives the binding until drained */
	for (unsigned i = 0; i < m->nluns; i++)
		if (m->lun[i].disk) {
			pr_info("%s: disk gone (%s)\n", m->lun[i].disk->name, m->name);
			blk_disk_remove(m->lun[i].disk);
		}
	work_cancel(&m->setup_work);
	free_requests(m);
	usb_device_get(m->dev);
	m->drain_deadline_ns = ktime_ns() + MSC_DRAIN_MAX_NS;
	work_schedule(&m->drain_work, 0);
}

static bool alloc_requests(struct msc *m, struct usb_endpoint *in, struct usb_endpoint *out)
{
	struct usb_device *dev = m->dev;

	m->ctrl = usb_request_alloc(dev, &dev->ep0, 8);
	m->cbw = usb_request_alloc(dev, out, BOT_CBW_LEN);
	m->csw = usb_request_alloc(dev, in, BOT_CSW_LEN);
	m->small_in = usb_request_alloc(dev, in, MSC_SMALL_BUF);
	m->data_in = usb_request_alloc(dev, in, 0);
	m->data_out = usb_request_alloc(dev, out, 0);
	return m->ctrl && m->cbw && m->csw && m->small_in && m->data_in && m->data_out;
}

static int msc_probe(struct usb_interface *intf)
{
	struct usb_endpoint *in = usb_intf_endpoint(intf, USB_EP_BULK, true);
	struct usb_endpoint *out = usb_intf_endpoint(intf, USB_EP_BULK, false);
	struct msc *m;
	char name[48];

	usb_dev_name(intf->dev, name, sizeof(name));
	if (intf->desc.bInterfaceSubClass != USB_MSC_SUBCLASS_SCSI ||
	    intf->desc.bInterfaceProtocol != USB_MSC_PROTO_BOT || !in || !out) {
		pr_err("%s: mass storage %02x/%02x without SCSI over bulk-only pipes; not used\n",
		       name, intf->desc.bInterfaceSubClass, intf->desc.bInterfaceProtocol);
		return USB_ERR_INVAL;
	}
	if (!(m = kzalloc(sizeof(*m))))
		return USB_ERR_NOMEM;
	m->intf = intf;
	m->dev = intf->dev;
	memcpy(m->name, name, sizeof(m->name));
	list_node_init(&m->queue);
	work_init(&m->setup_work, setup_work_fn);
	work_init(&m->drain_work, drain_fn);
	if (!alloc_requests(m, in, out)) {
		free_requests(m);
		kfree(m);
		return USB_ERR_NOMEM;
	}
	msc_bot_init_requests(m);
	intf->driver_data = m;
	m->settling = true;
	m->ctrl->done = max_lun_done;
	if (usb_control_async(m->ctrl, USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE,
			      BOT_REQ_GET_MAX_LUN, 0, intf->desc.bInterfaceNumber, 1,
			      MSC_WRAPPER_TIMEOUT_NS))
		max_lun_done(m->ctrl);
	return 0;
}

/* usbreset or the transport's own escalation: the disks stay. */
static void msc_post_reset(struct usb_interface *intf)
{
	struct msc *m = intf->driver_data;

	msc_bot_post_reset(m);
	kick(m);
}

static bool msc_settling(const struct usb_interface *intf)
{
	const struct msc *m = intf->driver_data;
	return m && m->settling;
}

struct usb_driver usb_storage_driver = {
	.name = "usb-storage",
	USB_MATCH_CLASS(USB_CLASS_MASS_STORAGE),
	.probe = msc_probe,
	.disconnect = msc_disconnect,
	.settling = msc_settling,
	.post_reset = msc_post_reset,
};
