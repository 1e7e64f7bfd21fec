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

struct asc_name {
	uint8_t asc, ascq;
	const char *text;
};

static const struct asc_name asc_names[] = {
	{ 0x00, 0x00, "no additional sense information" },
	{ 0x00, 0x06, "I/O process terminated" },
	{ 0x04, 0x00, "logical unit not ready, cause not reportable" },
	{ 0x04, 0x01, "logical unit is in process of becoming ready" },
	{ 0x0c, 0x00, "write error" },
	{ 0x11, 0x00, "unrecovered read error" },
	{ 0x1a, 0x00, "parameter list length error" },
	{ 0x20, 0x00, "invalid command operation code" },
	{ 0x21, 0x00, "logical block address out of range" },
	{ 0x24, 0x00, "invalid field in cdb" },
	{ 0x25, 0x00, "logical unit not supported" },
	{ 0x26, 0x00, "invalid field in parameter list" },
	{ 0x27, 0x00, "write protected" },
	{ 0x28, 0x00, "not ready to ready change, medium may have changed" },
	{ 0x29, 0x00, "power on, reset, or bus device reset occurred" },
	{ 0x2a, 0x09, "capacity data has changed" },
	{ 0x3a, 0x00, "medium not present" },
	{ 0x44, 0x00, "internal target failure" },
};

void blk_sense_asc_str(uint8_t asc, uint8_t ascq, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(asc_names) / sizeof(asc_names[0]); i++)
		if (asc_names[i].asc == asc && asc_names[i].ascq == ascq) {
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
