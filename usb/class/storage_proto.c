/*
 * Bulk-Only Transport wrappers and SCSI CDBs and replies (storage_proto.h).
 * Every reply is checked for length before a byte of it is used, and
 * every number a device reports is bounded before the driver sizes
 * anything by it. BOT fields are little-endian, SCSI fields big-endian.
 */
#include "kstring.h"
#include "storage_proto.h"

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

void bot_build_cbw(struct bot_cbw *cbw, uint32_t tag, uint32_t len, bool dir_in, uint8_t lun,
		   const uint8_t *cdb, uint8_t cdb_len)
{
	memset(cbw, 0, sizeof(*cbw));
	cbw->sig = BOT_CBW_SIG;
	cbw->tag = tag;
	cbw->len = len;
	cbw->flags = dir_in ? 0x80 : 0;
	cbw->lun = lun & 0xf;
	cbw->cb_len = MIN(cdb_len, (uint8_t)sizeof(cbw->cb));
	memcpy(cbw->cb, cdb, cbw->cb_len);
}

enum bot_csw_result bot_check_csw(const void *buf, size_t actual, uint32_t tag,
				  uint32_t cbw_len, uint32_t *residue)
{
	struct bot_csw csw;

	if (actual != BOT_CSW_LEN)
		return BOT_CSW_INVALID;
	memcpy(&csw, buf, sizeof(csw));
	if (csw.sig != BOT_CSW_SIG || csw.tag != tag || csw.status > 2)
		return BOT_CSW_INVALID;
	if (csw.status == 2)
		return BOT_CSW_PHASE;
	if (csw.residue > cbw_len)
		return BOT_CSW_INVALID; /* not meaningful (BOT 6.3.1) */
	*residue = csw.residue;
	return csw.status == 0 ? BOT_CSW_GOOD : BOT_CSW_FAILED;
}

uint8_t scsi_cdb_simple(uint8_t *cdb, uint8_t opcode, uint8_t alloc_len)
{
	memset(cdb, 0, 16);
	cdb[0] = opcode;
	cdb[4] = alloc_len;
	return 6;
}

uint8_t scsi_cdb_read_capacity10(uint8_t *cdb)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_READ_CAPACITY_10;
	return 10;
}

uint8_t scsi_cdb_read_capacity16(uint8_t *cdb)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_SERVICE_ACTION_IN_16;
	cdb[1] = SCSI_SAI_READ_CAPACITY_16;
	put_be(cdb + 10, SCSI_CAP16_LEN, 4);
	return 16;
}

uint8_t scsi_cdb_mode_sense(uint8_t *cdb)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_MODE_SENSE_6;
	cdb[2] = 0x3f; /* all pages: some devices refuse page 0 alone */
	cdb[4] = SCSI_MODE_SENSE_LEN;
	return 6;
}

uint8_t scsi_cdb_rw(uint8_t *cdb, bool write, uint64_t lba, uint32_t count)
{
	memset(cdb, 0, 16);
	if (lba + count <= 0x100000000ull && count <= 0xffff) {
		cdb[0] = write ? SCSI_WRITE_10 : SCSI_READ_10;
		put_be(cdb + 2, lba, 4);
		put_be(cdb + 7, count, 2);
		return 10;
	}
	cdb[0] = write ? SCSI_WRITE_16 : SCSI_READ_16;
	put_be(cdb + 2, lba, 8);
	put_be(cdb + 10, count, 4);
	return 16;
}

/* Copies a space-padded ASCII field, keeping printable bytes only. */
static void copy_field(char *out, const uint8_t *in, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? (char)in[i] : ' ';
	for (size_t i = 0; i < n; i++)
		if (out[i] != ' ')
			len = i + 1;
	out[len] = '\0';
}

bool scsi_parse_inquiry(const uint8_t *buf, size_t len, struct scsi_inquiry *out)
{
	if (len < SCSI_INQUIRY_LEN)
		return false;
	out->type = buf[0] & 0x1f;
	out->removable = buf[1] & 0x80;
	copy_field(out->vendor, buf + 8, 8);
	copy_field(out->model, buf + 16, 16);
	copy_field(out->rev, buf + 32, 4);
	return true;
}

static bool sane_block_size(uint32_t bs)
{
	return bs >= 512 && bs <= 65536 && (bs & (bs - 1)) == 0;
}

bool scsi_parse_capacity10(const uint8_t *buf, size_t len, uint64_t *blocks,
			   uint32_t *block_size, bool *need16)
{
	if (len < SCSI_CAP10_LEN)
		return false;
	uint32_t last = get_be32(buf);
	*need16 = last == 0xffffffffu;
	*blocks = (uint64_t)last + 1;
	*block_size = get_be32(buf + 4);
	return *need16 || sane_block_size(*block_size);
}

bool scsi_parse_capacity16(const uint8_t *buf, size_t len, uint64_t *blocks,
			   uint32_t *block_size)
{
	if (len < 12)
		return false;
	uint64_t last = get_be64(buf);
	*block_size = get_be32(buf + 8);
	if (!sane_block_size(*block_size) || last >= (UINT64_MAX >> 16))
		return false; /* bytes would not fit in 64 bits */
	*blocks = last + 1;
	return true;
}

static void parse_descriptor_info(const uint8_t *buf, size_t len, struct blk_sense *out)
{
	size_t end = MIN(len, (size_t)8 + buf[7]);

	for (size_t p = 8; p + 2 <= end && p + 2 + buf[p + 1] <= end; p += 2 + buf[p + 1])
		if (buf[p] == 0 && buf[p + 1] >= 10) { /* information descriptor */
			out->info_valid = buf[p + 2] & 0x80;
			out->info = get_be64(buf + p + 4);
			return;
		}
}

bool scsi_parse_sense(const uint8_t *buf, size_t len, struct blk_sense *out)
{
	*out = (struct blk_sense){ 0 };
	if (len < 8)
		return false;
	uint8_t code = buf[0] & 0x7f;
	if (code == 0x72 || code == 0x73) {
		out->key = buf[1] & 0xf;
		out->asc = buf[2];
		out->ascq = buf[3];
		parse_descriptor_info(buf, len, out);
	} else if (code == 0x70 || code == 0x71) {
		out->key = buf[2] & 0xf;
		out->asc = len > 12 ? buf[12] : 0;
		out->ascq = len > 13 ? buf[13] : 0;
		out->info_valid = buf[0] & 0x80;
		out->info = get_be32(buf + 3);
	} else {
		return false;
	}
	out->valid = true;
	return true;
}

bool scsi_mode_sense_wp(const uint8_t *buf, size_t len, bool *wp)
{
	if (len < 4)
		return false;
	*wp = buf[2] & 0x80;
	return true;
}
