/*
 * The USB mass-storage class driver's state, shared by its two halves:
 * storage_bot.c runs one Bulk-Only command at a time (CBW, data, CSW,
 * STALL handling and reset recovery) on the USB core's asynchronous
 * requests; storage.c binds interfaces, brings each LUN up with SCSI
 * commands and serves the block layer's requests. Nothing here depends on
 * the host controller: it works on any driver behind include/usb_hcd.h.
 */
#ifndef TERN_USB_STORAGE_H
#define TERN_USB_STORAGE_H

#include "blk.h"
#include "storage_proto.h"
#include "usb.h"

#define MSC_SMALL_BUF 256                    /* replies of the set-up commands */
#define MSC_WRAPPER_TIMEOUT_NS (5 * NSEC_PER_SEC) /* CBW, CSW, the class reset */
#define MSC_DATA_TIMEOUT_NS (20 * NSEC_PER_SEC)   /* a whole data stage */
/* Per command on high speed and SuperSpeed: blk_buffer_alloc's largest
 * buffer, and the fastest size measured on EHCI and xHCI alike. */
#define MSC_HS_MAX_BYTES (4096 * KiB)
/* Per command at full speed: 8192 64-byte packets, a UHCI chain's limit;
 * the three frames of CBW, CSW and turnaround then cost under 1%. */
#define MSC_FS_MAX_BYTES (512 * KiB)

struct msc;

/* One command as the transport runs it. */
struct msc_cmd {
	uint8_t lun;
	uint8_t cdb[16], cdb_len;
	bool dir_in;
	uint32_t len;          /* data stage bytes; 0 = none */
	bool small;            /* data into the driver's small buffer, else at dma */
	dma_addr_t dma;
	uint64_t timeout_ns;   /* data stage */
	/* outcome */
	int status;            /* 0, BLK_EIO (CSW said failed: ask for sense), BLK_EPROTO... */
	uint32_t residue;
	void (*done)(struct msc *m);
};

struct msc_lun {
	struct msc *m;
	uint8_t lun;
	struct blk_disk *disk; /* once registered */
	struct scsi_inquiry inq;
	uint64_t blocks;
	uint32_t block_size;
	bool wp;
};

enum msc_stage { MSC_IDLE, MSC_CBW, MSC_DATA, MSC_CSW, MSC_RESET };

struct msc {
	struct usb_interface *intf;
	struct usb_device *dev;
	char name[48];          /* "usb 1-5" */
	struct usb_request *ctrl, *cbw, *csw, *small_in, *data_in, *data_out;
	uint32_t tag;
	struct msc_cmd cmd;
	enum msc_stage stage;
	bool csw_retried;
	int recovery_status;    /* what the command ends with after recovery */
	unsigned recoveries;

	unsigned nluns;
	struct msc_lun lun[BOT_MAX_LUNS];
	unsigned setup_lun, tries;
	bool settling, gone;
	struct work setup_work;
	void (*setup_step)(struct msc *m);

	struct list_node queue;      /* blk requests waiting */
	struct blk_request *active;  /* the one being served */
	bool active_retried;
	struct work drain_work;
	uint64_t drain_deadline_ns;
};

/* storage_bot.c: starts m->cmd (filled by the caller); cmd.done runs once
 * with its outcome, unless the device goes away first. */
void msc_run(struct msc *m);
/* After a device reset (usb_device_reset): ends a command whose reset
 * recovery escalated to it, runs one the reset interrupted again. */
void msc_bot_post_reset(struct msc *m);
/* The data the small buffer received for the last command. */
static inline const uint8_t *msc_small_data(const struct msc *m) { return m->small_in->xfer.buf; }
static inline size_t msc_small_len(const struct msc *m)
{
	return MIN(m->small_in->xfer.actual, (size_t)(m->cmd.len - m->cmd.residue));
}
/* Points the requests' completions at the engine. */
void msc_bot_init_requests(struct msc *m);

extern struct usb_driver usb_storage_driver;

#endif
