/*
 * libFuzzer harness for what a USB disk sends back (usb/class/
 * storage_proto.c): arbitrary bytes as a CSW, INQUIRY data, READ
 * CAPACITY(10)/(16) replies, sense data and a MODE SENSE header. Nothing
 * may read past the reply, an accepted CSW's residue never exceeds the
 * CBW's length, an accepted capacity is a sane block size and a byte count
 * that fits 64 bits, and decoded sense prints as words.
 */
#include <stdlib.h>
#include <string.h>

#include "storage_proto.h"

static void check_capacity(const uint8_t *buf, size_t size)
{
	uint64_t blocks;
	uint32_t bs;
	bool need16;

	if (scsi_parse_capacity10(buf, size, &blocks, &bs, &need16) && !need16 &&
	    (bs < 512 || bs > 65536 || (bs & (bs - 1)) || blocks == 0))
		abort();
	if (scsi_parse_capacity16(buf, size, &blocks, &bs) &&
	    (bs < 512 || bs > 65536 || blocks == 0 || blocks > UINT64_MAX / bs))
		abort();
}

static void check_csw(const uint8_t *buf, size_t size)
{
	uint32_t cbw_len = size >= 4 ? (uint32_t)buf[0] << 8 | buf[1] : 512, residue = 0;
	uint32_t tag;

	if (size < 8)
		return;
	memcpy(&tag, buf + 4, sizeof(tag));
	enum bot_csw_result r = bot_check_csw(buf, size, tag, cbw_len, &residue);
	if ((r == BOT_CSW_GOOD || r == BOT_CSW_FAILED) && (residue > cbw_len || size != 13))
		abort();
}

static void check_sense(const uint8_t *buf, size_t size)
{
	struct blk_sense s;
	struct blk_disk d = { .name = "sda" };
	char asc[64];

	if (scsi_parse_sense(buf, size, &s)) {
		if (!s.valid || s.key > 15)
			abort();
		blk_sense_asc_str(s.asc, s.ascq, asc, sizeof(asc));
		blk_print_error(&d, BLK_READ, 0, BLK_EIO, &s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy so ASan catches reads past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	struct scsi_inquiry inq;
	bool wp;

	memcpy(buf, data, size);
	check_csw(buf, size);
	check_capacity(buf, size);
	check_sense(buf, size);
	if (scsi_parse_inquiry(buf, size, &inq) &&
	    (strlen(inq.vendor) > 8 || strlen(inq.model) > 16 || strlen(inq.rev) > 4))
		abort();
	scsi_mode_sense_wp(buf, size, &wp);
	free(buf);
	return 0;
}
