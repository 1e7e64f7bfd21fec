/*
 * Block errors in words: the status codes of include/blk.h, SCSI sense
 * keys (SPC-4 Table 54) and the additional sense codes a USB disk is
 * likely to report (SPC-4 Annex D, a small subset), so a failed command
 * reads "MEDIUM ERROR, unrecovered read error (03/11/00)" rather than
 * three numbers. Pure functions, also linked into the host tests.
 */
#include "blk.h"
#include "kstring.h"
#include "printk.h"

static const char *const sense_keys[16] = {
	"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
	"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
	"BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED", "ABORTED COMMAND",
	"RESERVED (0xC)", "VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED",
};

const char *blk_sense_key_str(uint8_t key)
{
	return sense_keys[key & 0xf];
}

/* Keyed by ASC << 8 | ASCQ, the pair SPC-4 annex D lists together. */
struct asc_name {
	uint16_t code;
	const char *text;
};

static const struct asc_name asc_names[] = {
	{ 0x0000, "no additional sense information" },
	{ 0x0006, "I/O process terminated" },
	{ 0x0400, "logical unit not ready, cause not reportable" },
	{ 0x0401, "logical unit is in process of becoming ready" },
	{ 0x0c00, "write error" },
	{ 0x1100, "unrecovered read error" },
	{ 0x1a00, "parameter list length error" },
	{ 0x2000, "invalid command operation code" },
	{ 0x2100, "logical block address out of range" },
	{ 0x2400, "invalid field in cdb" },
	{ 0x2500, "logical unit not supported" },
	{ 0x2600, "invalid field in parameter list" },
	{ 0x2700, "write protected" },
	{ 0x2800, "not ready to ready change, medium may have changed" },
	{ 0x2900, "power on, reset, or bus device reset occurred" },
	{ 0x2a09, "capacity data has changed" },
	{ 0x3a00, "medium not present" },
	{ 0x4400, "internal target failure" },
};

void blk_sense_asc_str(uint8_t asc, uint8_t ascq, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(asc_names) / sizeof(asc_names[0]); i++)
		if (asc_names[i].code == (uint16_t)(asc << 8 | ascq)) {
			ksnprintf(buf, len, "%s", asc_names[i].text);
			return;
		}
	ksnprintf(buf, len, "asc 0x%02x ascq 0x%02x", asc, ascq);
}

const char *blk_strerror(int status)
{
	switch (status) {
	case 0: return "ok";
	case BLK_EIO: return "I/O error";
	case BLK_ENODEV: return "disk gone";
	case BLK_ETIMEDOUT: return "timed out";
	case BLK_EROFS: return "write-protected";
	case BLK_EINVAL: return "invalid request (range, length or buffer)";
	case BLK_ENOMEM: return "out of memory";
	case BLK_EPROTO: return "transport error";
	default: return "unknown error";
	}
}

static const char *op_name(enum blk_op op)
{
	return op == BLK_READ ? "read" : op == BLK_WRITE ? "write" : "flush";
}

void blk_print_error(const struct blk_disk *d, enum blk_op op, uint64_t lba, int status,
		     const struct blk_sense *sense)
{
	char asc[64];

	if (!sense || !sense->valid) {
		kprintf("%s: %s error at LBA %llu: %s\n", d->name, op_name(op),
			(unsigned long long)lba, blk_strerror(status));
		return;
	}
	blk_sense_asc_str(sense->asc, sense->ascq, asc, sizeof(asc));
	kprintf("%s: %s error at LBA %llu: %s, sense %s, %s (%02x/%02x/%02x)\n", d->name,
		op_name(op), (unsigned long long)(sense->info_valid ? sense->info : lba),
		blk_strerror(status), blk_sense_key_str(sense->key), asc, sense->key,
		sense->asc, sense->ascq);
}
