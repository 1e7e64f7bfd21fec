/*
 * The wire formats of USB mass storage: Bulk-Only Transport wrappers (USB
 * MSC BOT 1.0 §5) and the SCSI commands and replies the storage driver
 * uses (SPC-4, SBC-3). Pure functions over byte buffers: they build CDBs
 * and check what a device sent back, trusting nothing in it, and are
 * shared by the driver (storage.c), its host tests and the fuzzer.
 */
#ifndef TERN_STORAGE_PROTO_H
#define TERN_STORAGE_PROTO_H

#include "blk.h"
#include "types.h"

#define BOT_CBW_SIG 0x43425355u /* "USBC" */
#define BOT_CSW_SIG 0x53425355u /* "USBS" */
#define BOT_CBW_LEN 31
#define BOT_CSW_LEN 13
#define BOT_MAX_LUNS 16
#define BOT_REQ_RESET 0xff       /* Bulk-Only Mass Storage Reset (§3.1) */
#define BOT_REQ_GET_MAX_LUN 0xfe /* §3.2 */
#define USB_MSC_SUBCLASS_SCSI 0x06
#define USB_MSC_PROTO_BOT 0x50

struct bot_cbw {
	uint32_t sig, tag, len;
	uint8_t flags, lun, cb_len, cb[16];
} __packed;
_Static_assert(sizeof(struct bot_cbw) == BOT_CBW_LEN, "BOT 5.1: CBW is 31 bytes");

struct bot_csw {
	uint32_t sig, tag, residue;
	uint8_t status;
} __packed;
_Static_assert(sizeof(struct bot_csw) == BOT_CSW_LEN, "BOT 5.2: CSW is 13 bytes");

/* What a CSW means for the command (BOT 6.3). */
enum bot_csw_result {
	BOT_CSW_GOOD,       /* status 0 */
	BOT_CSW_FAILED,     /* status 1: ask REQUEST SENSE */
	BOT_CSW_PHASE,      /* status 2: reset recovery */
	BOT_CSW_INVALID,    /* wrong size, signature, tag, status or residue: reset recovery */
};

void bot_build_cbw(struct bot_cbw *cbw, uint32_t tag, uint32_t len, bool dir_in, uint8_t lun,
		   const uint8_t *cdb, uint8_t cdb_len);
/* Checks a received CSW against the CBW's tag and length (BOT 6.3.1:
 * valid and meaningful); on success stores the residue. */
enum bot_csw_result bot_check_csw(const void *buf, size_t actual, uint32_t tag,
				  uint32_t cbw_len, uint32_t *residue);

/* --- SCSI ----------------------------------------------------------------- */
#define SCSI_TEST_UNIT_READY 0x00
#define SCSI_REQUEST_SENSE 0x03
#define SCSI_INQUIRY 0x12
#define SCSI_MODE_SENSE_6 0x1a
#define SCSI_READ_CAPACITY_10 0x25
#define SCSI_READ_10 0x28
#define SCSI_WRITE_10 0x2a
#define SCSI_SYNC_CACHE_10 0x35
#define SCSI_READ_16 0x88
#define SCSI_WRITE_16 0x8a
#define SCSI_SERVICE_ACTION_IN_16 0x9e
#define SCSI_SAI_READ_CAPACITY_16 0x10

#define SCSI_SENSE_LEN 18
#define SCSI_INQUIRY_LEN 36
#define SCSI_CAP10_LEN 8
#define SCSI_CAP16_LEN 32
#define SCSI_MODE_SENSE_LEN 192

#define SCSI_KEY_NOT_READY 0x2
#define SCSI_KEY_MEDIUM_ERROR 0x3
#define SCSI_KEY_UNIT_ATTENTION 0x6
#define SCSI_KEY_DATA_PROTECT 0x7
/* Additional sense code (SPC-4 4.5.6) with ASCQ 0. */
#define SCSI_ASC_LUN_NOT_SUPPORTED 0x25

/* Each builder fills cdb (16 bytes) and returns the CDB length. */
uint8_t scsi_cdb_simple(uint8_t *cdb, uint8_t opcode, uint8_t alloc_len);
uint8_t scsi_cdb_read_capacity10(uint8_t *cdb);
uint8_t scsi_cdb_read_capacity16(uint8_t *cdb);
uint8_t scsi_cdb_mode_sense(uint8_t *cdb);
/* READ/WRITE(10) when the range fits in it, else (16) (SBC-3 5.8, 5.11). */
uint8_t scsi_cdb_rw(uint8_t *cdb, bool write, uint64_t lba, uint32_t count);

struct scsi_inquiry {
	uint8_t type;    /* peripheral device type, 0 = disk */
	bool removable;
	char vendor[9], model[17], rev[5]; /* trailing spaces trimmed, printable only */
};
bool scsi_parse_inquiry(const uint8_t *buf, size_t len, struct scsi_inquiry *out);
/* Capacity in blocks and the block size; false for replies too short or
 * absurd (block size not a power of two in 512..64 KiB, zero blocks).
 * *need16 is set when (10) says the disk is too large for it. */
bool scsi_parse_capacity10(const uint8_t *buf, size_t len, uint64_t *blocks,
			   uint32_t *block_size, bool *need16);
bool scsi_parse_capacity16(const uint8_t *buf, size_t len, uint64_t *blocks,
			   uint32_t *block_size);
/* Fixed (0x70/0x71) or descriptor (0x72/0x73) sense; false if neither. */
bool scsi_parse_sense(const uint8_t *buf, size_t len, struct blk_sense *out);
/* The WP bit of a MODE SENSE(6) header (SBC-3 6.5.1); false if too short. */
bool scsi_mode_sense_wp(const uint8_t *buf, size_t len, bool *wp);

#endif
