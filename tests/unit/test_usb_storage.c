/*
 * The mass-storage driver (usb/class/storage*.c) and the block layer
 * against a Bulk-Only target modelled here on the simulated controller,
 * behaving as QEMU's usb-storage does (UNIT ATTENTION on the first TEST
 * UNIT READY, zero-padded data with the truth in the residue), with faults
 * injected one at a time: wrong CSW tag or signature, a phase error, a
 * short CSW, STALLs on the data and status pipes, a medium error, an absurd
 * capacity, write protection and an unplug with a request in flight; a
 * failed reset recovery escalating to a device reset, and a device reset
 * in the middle of a command.
 */
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "fake_usb.h"
#include "harness.h"
#include "ktime.h"
#include "seams.h"
#include "usb_fake_hcd.h"
#include "../../usb/class/storage_proto.h"
#include "../../usb/usb_core.h"

#define T_BLOCKS 512
#define T_BS 512

struct target {
	enum { T_CBW, T_DATA, T_CSW } mode;
	struct bot_cbw cbw;
	uint8_t disk[T_BLOCKS * T_BS];
	uint8_t reply[256];
	size_t reply_len;
	uint32_t residue;
	uint8_t status;
	uint8_t key, asc, ascq;
	uint32_t info;
	bool ua, wp, absurd;
	/* faults, each used up once */
	unsigned bad_tag, bad_sig, phase, short_csw, csw_stall, data_stall;
	int medium_error_lba;
	unsigned cbws;
};

static struct target t;
static uint8_t *io_buf;
static dma_addr_t io_dma;

static void *data_of(struct usb_xfer *x)
{
	return x->buf ? x->buf : io_buf + (x->buf_dma - io_dma);
}

static void set_sense(uint8_t key, uint8_t asc, uint8_t ascq, uint32_t info)
{
	t.status = 1;
	t.key = key;
	t.asc = asc;
	t.ascq = ascq;
	t.info = info;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void reply(const void *data, size_t len)
{
	memcpy(t.reply, data, len);
	t.reply_len = len;
}

static void do_read(uint32_t lba, uint32_t count)
{
	if (t.medium_error_lba >= 0 && (uint32_t)t.medium_error_lba >= lba &&
	    (uint32_t)t.medium_error_lba < lba + count) {
		set_sense(3, 0x11, 0, (uint32_t)t.medium_error_lba);
		t.residue = t.cbw.len;
	}
}

static void execute(void)
{
	const uint8_t *cb = t.cbw.cb;
	uint32_t lba = (uint32_t)cb[2] << 24 | cb[3] << 16 | cb[4] << 8 | cb[5];
	uint8_t buf[36] = { 0 };

	t.status = 0;
	t.residue = 0;
	t.reply_len = 0;
	switch (cb[0]) {
	case SCSI_INQUIRY:
		memcpy(buf + 8, "QEMU    QEMU HARDDISK   2.5+", 28);
		reply(buf, 36);
		break;
	case SCSI_TEST_UNIT_READY:
		if (t.ua) {
			t.ua = false;
			set_sense(6, 0x29, 0, 0);
		}
		break;
	case SCSI_REQUEST_SENSE:
		buf[0] = 0xf0, buf[2] = t.key, buf[7] = 10, buf[12] = t.asc, buf[13] = t.ascq;
		put_be32(buf + 3, t.info);
		reply(buf, 18);
		t.key = t.asc = t.ascq = 0;
		break;
	case SCSI_READ_CAPACITY_10:
		put_be32(buf, T_BLOCKS - 1);
		put_be32(buf + 4, t.absurd ? 3 : T_BS);
		reply(buf, 8);
		break;
	case SCSI_MODE_SENSE_6:
		buf[0] = 3, buf[2] = t.wp ? 0x80 : 0;
		reply(buf, 4);
		break;
	case SCSI_READ_10:
		do_read(lba, (uint32_t)cb[7] << 8 | cb[8]);
		break;
	case SCSI_WRITE_10:
	case SCSI_SYNC_CACHE_10:
		break;
	default:
		set_sense(5, 0x20, 0, 0);
		t.residue = t.cbw.len;
	}
}

static int cbw_out(struct usb_xfer *x)
{
	if (x->len != BOT_CBW_LEN || memcmp(x->buf, "USBC", 4) != 0)
		return USB_ERR_STALL;
	memcpy(&t.cbw, x->buf, sizeof(t.cbw));
	t.cbws++;
	execute();
	t.mode = t.cbw.len ? T_DATA : T_CSW;
	x->actual = x->len;
	return USB_OK;
}

static uint32_t cbw_lba(void)
{
	const uint8_t *cb = t.cbw.cb;
	return (uint32_t)cb[2] << 24 | cb[3] << 16 | cb[4] << 8 | cb[5];
}

/* QEMU pads IN data with zeros to the CBW's length. */
static int data_in(struct usb_xfer *x)
{
	uint8_t *p = data_of(x);

	if (t.data_stall) {
		t.data_stall--;
		set_sense(3, 0x11, 0, cbw_lba());
		t.residue = t.cbw.len;
		t.mode = T_CSW;
		return USB_ERR_STALL;
	}
	memset(p, 0, x->len);
	if (t.cbw.cb[0] == SCSI_READ_10 && t.status == 0)
		memcpy(p, t.disk + (size_t)cbw_lba() * T_BS, MIN(x->len, t.cbw.len));
	else
		memcpy(p, t.reply, MIN(t.reply_len, x->len));
	if (t.status == 0 && t.reply_len && t.reply_len < t.cbw.len)
		t.residue = t.cbw.len - (uint32_t)t.reply_len;
	x->actual = x->len;
	t.mode = T_CSW;
	return USB_OK;
}

static int csw_in(struct usb_xfer *x)
{
	struct bot_csw c = { BOT_CSW_SIG, t.cbw.tag, t.residue, t.status };

	if (t.csw_stall) {
		t.csw_stall--;
		return USB_ERR_STALL;
	}
	if (t.bad_tag && t.bad_tag--)
		c.tag++;
	if (t.bad_sig && t.bad_sig--)
		c.sig = BOT_CBW_SIG;
	if (t.phase && t.phase--)
		c.status = 2;
	memcpy(x->buf, &c, sizeof(c));
	x->actual = (t.short_csw && t.short_csw--) ? 12 : sizeof(c);
	t.mode = T_CBW;
	return USB_OK;
}

static int target_bulk(struct fake_dev *d, struct usb_xfer *x)
{
	bool in = x->ep->ep_addr & 0x80;

	if (!in && x->len == BOT_CBW_LEN && x->buf && memcmp(x->buf, "USBC", 4) == 0)
		return cbw_out(x); /* a CBW also ends whatever came before (reset) */
	if (!in && t.mode == T_DATA) {
		memcpy(t.disk + (size_t)cbw_lba() * T_BS, data_of(x), x->len);
		x->actual = x->len;
		t.mode = T_CSW;
		return USB_OK;
	}
	if (in && t.mode == T_DATA && (t.cbw.flags & 0x80))
		return data_in(x);
	if (in && t.mode == T_CSW)
		return csw_in(x);
	return USB_ERR_STALL;
}

/* --- fixtures -------------------------------------------------------------- */
static struct fake_hcd fh;
static struct fake_dev stick;

static void plug_target(void)
{
	static bool inited;

	if (!inited) { /* one bus for every test; each plugs its own target */
		usb_init();
		inited = true;
		io_buf = usb_buffer_alloc(64 * 1024, &io_dma);
		fake_hcd_init(&fh, 2, USB_SPEED_HIGH);
		CHECK_EQ(usb_hcd_register(&fh.hcd), 0);
	}
	seam_log_clear();
	seam_log_echo = getenv("USB_ECHO") != NULL;
	memset(&t, 0, sizeof(t));
	t.ua = true;
	t.medium_error_lba = -1;
	for (size_t i = 0; i < sizeof(t.disk); i++)
		t.disk[i] = (uint8_t)(i * 7 + i / 512);
	fake_make_storage(&stick, USB_SPEED_HIGH);
	stick.bulk = target_bulk;
	fake_plug_run(&fh, 1, &stick, 1000);
}

static void unplug_target(void)
{
	fake_unplug_settle(&fh, 1);
	CHECK(list_empty(blk_disks()));
}

/* A target with no unit attention and a zeroed disk, plugged where the
 * standard one was: for the capacity and write-protection cases. */
static void plug_blank_target(bool absurd, bool write_protected)
{
	plug_target();
	unplug_target();
	seam_log_clear();
	memset(&t, 0, sizeof(t));
	t.absurd = absurd;
	t.wp = write_protected;
	t.medium_error_lba = -1;
	fake_plug_run(&fh, 1, &stick, 1000);
}

/* sda, which must exist (the driver's reference keeps it while plugged). */
static struct blk_disk *sda(void)
{
	struct blk_disk *d = blk_disk_find("sda");

	if (!d) {
		harness_fail(__FILE__, __LINE__, "no sda");
		abort();
	}
	blk_disk_put(d);
	return d;
}

static int read_blocks(uint64_t lba, uint32_t count, struct blk_sense *sense)
{
	return blk_io_sync(sda(), BLK_READ, lba, count, io_buf, io_dma, NSEC_PER_SEC, sense);
}

/* --- tests ------------------------------------------------------------------ */
TEST(bring_up_retries_unit_attention_and_registers_sda)
{
	plug_target();
	struct blk_disk *d = sda();
	CHECK_EQ(d->blocks, T_BLOCKS);
	CHECK_EQ(d->block_size, T_BS);
	CHECK(!d->read_only);
	CHECK(strcmp(d->model, "QEMU HARDDISK") == 0);
	CHECK(seam_log_contains("sda: usb 1-1 LUN 0: QEMU QEMU HARDDISK, 512 blocks of 512 bytes"));
	unplug_target();
}

TEST(reads_and_writes_move_the_data)
{
	struct blk_sense s;

	plug_target();
	CHECK_EQ(read_blocks(3, 20, &s), 0);
	CHECK(memcmp(io_buf, t.disk + 3 * T_BS, 20 * T_BS) == 0);
	memset(io_buf, 0xa5, 8 * T_BS);
	CHECK_EQ(blk_io_sync(sda(), BLK_WRITE, 100, 8, io_buf, io_dma, NSEC_PER_SEC, &s), 0);
	CHECK(t.disk[100 * T_BS] == 0xa5 && t.disk[108 * T_BS - 1] == 0xa5);
	CHECK(t.disk[108 * T_BS] != 0xa5);
	CHECK_EQ(blk_io_sync(sda(), BLK_FLUSH, 0, 0, NULL, 0, NSEC_PER_SEC, &s), 0);
	CHECK_EQ(t.cbw.cb[0], SCSI_SYNC_CACHE_10);
	CHECK_EQ(read_blocks(T_BLOCKS - 1, 2, &s), BLK_EINVAL); /* past the end */
	unplug_target();
}

/* Each bad CSW runs the reset recovery (both pipes cleared), fails that
 * one command, and the next command works. */
static void check_recovery(unsigned *fault, const char *why)
{
	struct blk_sense s;
	unsigned clears;

	plug_target();
	clears = stick.halt_clears;
	*fault = 1;
	CHECK_EQ(read_blocks(0, 4, &s), BLK_EPROTO);
	CHECK(seam_log_contains(why));
	CHECK(seam_log_contains("bulk-only reset recovery"));
	CHECK_EQ(stick.halt_clears - clears, 2);
	CHECK_EQ(read_blocks(0, 4, &s), 0);
	CHECK(memcmp(io_buf, t.disk, 4 * T_BS) == 0);
	unplug_target();
}

TEST(wrong_tag_signature_phase_or_size_run_reset_recovery)
{
	check_recovery(&t.bad_tag, "invalid status wrapper");
	check_recovery(&t.bad_sig, "invalid status wrapper");
	check_recovery(&t.short_csw, "invalid status wrapper");
	check_recovery(&t.phase, "phase error");
}

TEST(stalled_status_pipe_is_cleared_and_read_again)
{
	struct blk_sense s;

	plug_target();
	unsigned clears = stick.halt_clears;
	t.csw_stall = 1;
	CHECK_EQ(read_blocks(10, 2, &s), 0);
	CHECK_EQ(stick.halt_clears - clears, 1);
	CHECK(!seam_log_contains("reset recovery"));
	unplug_target();
}

TEST(stalled_data_pipe_then_sense_names_the_lba)
{
	struct blk_sense s;

	plug_target();
	t.data_stall = 1;
	CHECK_EQ(read_blocks(40, 2, &s), BLK_EIO);
	CHECK(s.valid && s.key == 3 && s.asc == 0x11 && s.info_valid && s.info == 40);
	t.medium_error_lba = 77;
	CHECK_EQ(read_blocks(70, 10, &s), BLK_EIO);
	CHECK(s.key == 3 && s.info == 77);
	CHECK_EQ(read_blocks(78, 10, &s), 0);
	unplug_target();
}

TEST(absurd_capacity_leaves_the_lun_unused)
{
	plug_blank_target(true, false);
	CHECK(seam_log_contains("READ CAPACITY(10) failed or absurd; not used"));
	CHECK(list_empty(blk_disks()));
	fake_unplug_settle(&fh, 1);
}

TEST(write_protected_disk_refuses_writes)
{
	struct blk_sense s;

	plug_blank_target(false, true);
	CHECK(sda()->read_only);
	unsigned cbws = t.cbws;
	CHECK_EQ(blk_io_sync(sda(), BLK_WRITE, 0, 1, io_buf, io_dma, NSEC_PER_SEC, &s), BLK_EROFS);
	CHECK_EQ(t.cbws, cbws); /* refused before anything reached the device */
	unplug_target();
}

static bool done_flag;
static int done_status;
static void note_done(struct blk_request *r)
{
	done_flag = true;
	done_status = r->status;
}

/* Plugs the target and reads r's blocks into io_buf, the controller
 * holding the command until fh.swallow is cleared. */
static void start_held_read(struct blk_request *r)
{
	plug_target();
	r->disk = sda();
	r->buf = io_buf;
	r->dma = io_dma;
	fh.swallow = true;
	done_flag = false;
	CHECK_EQ(blk_submit(r), 0);
	fake_run_ms(5);
	CHECK(!done_flag);
}

TEST(unplug_ends_the_request_in_flight_with_enodev)
{
	struct blk_request r = { .op = BLK_READ, .lba = 0, .count = 8, .done = note_done };

	start_held_read(&r);
	blk_disk_get(r.disk);
	fh.swallow = false;
	fake_unplug_settle(&fh, 1);
	CHECK(done_flag);
	CHECK_EQ(done_status, BLK_ENODEV);
	CHECK(r.disk->gone);
	CHECK_EQ(blk_submit(&r), BLK_ENODEV);
	blk_disk_put(r.disk);
	CHECK(list_empty(blk_disks()));
}

/* As Linux's usb-storage does: when the reset recovery itself fails, the
 * device is reset; it keeps its address and sda, and the next command
 * works. */
TEST(failed_reset_recovery_resets_the_device_which_keeps_its_disk)
{
	struct blk_sense s;

	plug_target();
	struct blk_disk *d = sda();
	unsigned set_addresses = stick.set_address_count;
	t.bad_sig = 1;
	stick.stall_request = BOT_REQ_RESET;
	stick.stall_desc_type = -1;
	CHECK_EQ(read_blocks(0, 4, &s), BLK_EPROTO);
	CHECK(seam_log_contains("reset recovery: Bulk-Only Mass Storage Reset failed: stalled; "
				"resetting the device"));
	CHECK(seam_log_contains("usb 1-1: reset done, device number 2 kept"));
	CHECK_EQ(stick.set_address_count, set_addresses + 1);
	CHECK(!seam_log_contains("disk gone"));
	stick.stall_request = -1;
	CHECK(sda() == d);
	CHECK_EQ(read_blocks(0, 4, &s), 0);
	CHECK(memcmp(io_buf, t.disk, 4 * T_BS) == 0);
	unplug_target();
}

/* A reset from elsewhere (usbreset) in the middle of a command: the
 * command runs again once the device is back, and succeeds. */
TEST(a_device_reset_mid_command_runs_the_command_again)
{
	struct blk_request r = { .op = BLK_READ, .lba = 5, .count = 8, .done = note_done };

	start_held_read(&r);
	fh.swallow = false;
	CHECK_EQ(usb_device_reset(fake_find_path(&fh, "1")), 0);
	fake_run_ms(300);
	CHECK(done_flag);
	CHECK_EQ(done_status, 0);
	CHECK(memcmp(io_buf, t.disk + 5 * T_BS, 8 * T_BS) == 0);
	CHECK(seam_log_contains("usb 1-1: reset done, device number 2 kept"));
	CHECK(!seam_log_contains("disk gone"));
	unplug_target();
}
