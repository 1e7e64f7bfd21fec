/*
 * The mass-storage wire formats (usb/class/storage_proto.c) and the block
 * layer's error words (kernel/blk_sense.c): CBW layout, every way a CSW
 * can be wrong (size, signature, tag, status, residue beyond the CBW's
 * length), residue handling, READ/WRITE(10) against (16) at their limits,
 * capacities that are absurd, and sense data in both formats decoded into
 * words.
 */
#include <string.h>

#include "blk.h"
#include "harness.h"
#include "seams.h"
#include "storage_proto.h"

static void make_csw(uint8_t *b, uint32_t sig, uint32_t tag, uint32_t residue, uint8_t status)
{
	struct bot_csw c = { sig, tag, residue, status };
	memcpy(b, &c, sizeof(c));
}

TEST(cbw_layout_follows_bot_5_1)
{
	struct bot_cbw cbw;
	uint8_t cdb[16] = { 0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0 }, raw[31];

	bot_build_cbw(&cbw, 0x11223344, 512, true, 3, cdb, 10);
	memcpy(raw, &cbw, sizeof(raw));
	CHECK(memcmp(raw, "USBC", 4) == 0);
	CHECK_EQ(raw[4], 0x44);
	CHECK_EQ(raw[8] | raw[9] << 8, 512);
	CHECK_EQ(raw[12], 0x80);
	CHECK_EQ(raw[13], 3);
	CHECK_EQ(raw[14], 10);
	CHECK_EQ(raw[15], 0x28);
	CHECK_EQ(raw[20], 7);
	CHECK_EQ(raw[30], 0);
	bot_build_cbw(&cbw, 1, 0, false, 0x1f, cdb, 40);
	CHECK_EQ(cbw.flags, 0);
	CHECK_EQ(cbw.lun, 0xf);
	CHECK_EQ(cbw.cb_len, 16);
}

TEST(csw_good_failed_phase)
{
	uint8_t b[13];
	uint32_t residue = 99;

	make_csw(b, BOT_CSW_SIG, 7, 0, 0);
	CHECK_EQ(bot_check_csw(b, 13, 7, 512, &residue), BOT_CSW_GOOD);
	CHECK_EQ(residue, 0);
	make_csw(b, BOT_CSW_SIG, 7, 3584, 0); /* QEMU: padded data, truth in residue */
	CHECK_EQ(bot_check_csw(b, 13, 7, 4096, &residue), BOT_CSW_GOOD);
	CHECK_EQ(residue, 3584);
	make_csw(b, BOT_CSW_SIG, 7, 512, 1);
	CHECK_EQ(bot_check_csw(b, 13, 7, 512, &residue), BOT_CSW_FAILED);
	CHECK_EQ(residue, 512);
	make_csw(b, BOT_CSW_SIG, 7, 0, 2);
	CHECK_EQ(bot_check_csw(b, 13, 7, 512, &residue), BOT_CSW_PHASE);
}

TEST(csw_invalid_in_every_field)
{
	uint8_t b[16] = { 0 };
	uint32_t residue;

	make_csw(b, BOT_CSW_SIG, 7, 0, 0);
	CHECK_EQ(bot_check_csw(b, 12, 7, 512, &residue), BOT_CSW_INVALID);
	CHECK_EQ(bot_check_csw(b, 14, 7, 512, &residue), BOT_CSW_INVALID);
	CHECK_EQ(bot_check_csw(b, 0, 7, 512, &residue), BOT_CSW_INVALID);
	CHECK_EQ(bot_check_csw(b, 13, 8, 512, &residue), BOT_CSW_INVALID);
	make_csw(b, BOT_CBW_SIG, 7, 0, 0);
	CHECK_EQ(bot_check_csw(b, 13, 7, 512, &residue), BOT_CSW_INVALID);
	make_csw(b, BOT_CSW_SIG, 7, 0, 3);
	CHECK_EQ(bot_check_csw(b, 13, 7, 512, &residue), BOT_CSW_INVALID);
	make_csw(b, BOT_CSW_SIG, 7, 513, 0);
	CHECK_EQ(bot_check_csw(b, 13, 7, 512, &residue), BOT_CSW_INVALID);
}

TEST(read_write_10_until_it_cannot_carry_the_range)
{
	uint8_t cdb[16];

	CHECK_EQ(scsi_cdb_rw(cdb, false, 0x12345678, 0x100), 10);
	CHECK_EQ(cdb[0], SCSI_READ_10);
	CHECK(cdb[2] == 0x12 && cdb[3] == 0x34 && cdb[4] == 0x56 && cdb[5] == 0x78);
	CHECK(cdb[7] == 0x01 && cdb[8] == 0x00);
	CHECK_EQ(scsi_cdb_rw(cdb, true, 0xffffffffull - 9, 10), 10);
	CHECK_EQ(cdb[0], SCSI_WRITE_10);
	CHECK_EQ(scsi_cdb_rw(cdb, true, 0xffffffffull - 9, 11), 16);
	CHECK_EQ(cdb[0], SCSI_WRITE_16);
	CHECK_EQ(scsi_cdb_rw(cdb, false, 0x123456789aull, 1), 16); /* beyond 2 TiB */
	CHECK_EQ(cdb[0], SCSI_READ_16);
	CHECK(cdb[5] == 0x12 && cdb[9] == 0x9a && cdb[13] == 1);
	CHECK_EQ(scsi_cdb_rw(cdb, false, 0, 0x10000), 16);
}

TEST(capacity_sane_and_absurd)
{
	uint8_t c10[8] = { 0, 0x01, 0xff, 0xff, 0, 0, 0x02, 0 }, c16[32] = { 0 };
	uint64_t blocks;
	uint32_t bs;
	bool need16;

	CHECK(scsi_parse_capacity10(c10, 8, &blocks, &bs, &need16));
	CHECK(blocks == 0x20000 && bs == 512 && !need16);
	CHECK(!scsi_parse_capacity10(c10, 7, &blocks, &bs, &need16));
	c10[6] = 0x03; /* 768: not a power of two */
	CHECK(!scsi_parse_capacity10(c10, 8, &blocks, &bs, &need16));
	memset(c10, 0xff, 4);
	CHECK(scsi_parse_capacity10(c10, 8, &blocks, &bs, &need16) && need16);
	c16[7] = 0xff;
	c16[10] = 0x10; /* 4096-byte blocks */
	CHECK(scsi_parse_capacity16(c16, 32, &blocks, &bs));
	CHECK(blocks == 256 && bs == 4096);
	memset(c16, 0xff, 8);
	CHECK(!scsi_parse_capacity16(c16, 32, &blocks, &bs));
	c16[11] = 0x01;
	CHECK(!scsi_parse_capacity16(c16, 11, &blocks, &bs));
}

TEST(sense_fixed_and_descriptor_formats)
{
	uint8_t fixed[18] = { 0xf0, 0, 0x03, 0, 0, 0x01, 0x2c, 0, 0, 0, 0, 0, 0x11, 0x00 };
	uint8_t desc[20] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 12, 0x00, 0x0a, 0x80, 0,
			     0, 0, 0, 0, 0, 0, 0x01, 0x2c };
	struct blk_sense s;

	CHECK(scsi_parse_sense(fixed, 18, &s));
	CHECK(s.valid && s.key == 3 && s.asc == 0x11 && s.ascq == 0);
	CHECK(s.info_valid && s.info == 300);
	CHECK(scsi_parse_sense(desc, 20, &s));
	CHECK(s.key == 6 && s.asc == 0x29 && s.info_valid && s.info == 300);
	CHECK(scsi_parse_sense(fixed, 8, &s) && s.asc == 0); /* too short for the ASC */
	fixed[0] = 0x00;
	CHECK(!scsi_parse_sense(fixed, 18, &s) && !s.valid);
	desc[7] = 200; /* additional length beyond the data: never read past len */
	CHECK(scsi_parse_sense(desc, 20, &s) && s.info == 300);
}

TEST(sense_in_words)
{
	char buf[64];
	struct blk_disk d = { .name = "sda" };
	struct blk_sense s = { .valid = true, .key = 3, .asc = 0x11, .ascq = 0 };

	CHECK(strcmp(blk_sense_key_str(6), "UNIT ATTENTION") == 0);
	CHECK(strcmp(blk_sense_key_str(0x7), "DATA PROTECT") == 0);
	blk_sense_asc_str(0x3a, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "medium not present") == 0);
	blk_sense_asc_str(0x99, 0x42, buf, sizeof(buf));
	CHECK(strcmp(buf, "asc 0x99 ascq 0x42") == 0);
	seam_log_clear();
	blk_print_error(&d, BLK_READ, 300, BLK_EIO, &s);
	CHECK(seam_log_contains("sda: read error at LBA 300: I/O error, sense MEDIUM ERROR, "
				"unrecovered read error (03/11/00)"));
	blk_print_error(&d, BLK_WRITE, 5, BLK_EROFS, NULL);
	CHECK(seam_log_contains("sda: write error at LBA 5: write-protected"));
}

TEST(inquiry_fields_trimmed_and_printable)
{
	uint8_t inq[36] = { 0x00, 0x80 };

	memcpy(inq + 8, "QEMU    QEMU HARDDISK   2.5+", 28);
	inq[21] = 0x07; /* a control byte in the model */
	struct scsi_inquiry q;
	CHECK(scsi_parse_inquiry(inq, 36, &q));
	CHECK(q.type == 0 && q.removable);
	CHECK(strcmp(q.vendor, "QEMU") == 0);
	CHECK(strcmp(q.model, "QEMU  ARDDISK") == 0);
	CHECK(strcmp(q.rev, "2.5+") == 0);
	CHECK(!scsi_parse_inquiry(inq, 35, &q));
}
