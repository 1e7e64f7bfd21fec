/*
 * QEMU's firmware configuration device (QEMU docs/specs/fw_cfg.rst: I/O
 * selector 0x510, data 0x511, signature "QEMU", file directory at selector
 * 0x19 with big-endian fields). Tern reads one file from it: extra kernel
 * command-line words in "opt/tern/cmdline", which lets tests and benchmarks
 * pass `autorun=...` to the one ISO that GRUB boots.
 */
#include "bootinfo.h"
#include "cpu.h"
#include "hw.h"
#include "kstring.h"
#include "printk.h"

#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_MAX_FILES 1024
#define CMDLINE_FILE "opt/tern/cmdline"

/* One entry of the file directory (fw_cfg.rst, "FWCfgFile"). */
struct fw_cfg_file {
	uint32_t size_be;
	uint16_t select_be;
	uint16_t reserved;
	char name[56];
} __packed;
_Static_assert(sizeof(struct fw_cfg_file) == 64, "fw_cfg.rst: FWCfgFile is 64 bytes");

static void read_bytes(void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = inb(FW_CFG_DATA);
}

static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }

static bool find_file(const char *name, uint16_t *select, uint32_t *size)
{
	char sig[4];
	uint32_t count;
	struct fw_cfg_file f;

	outw(FW_CFG_SELECTOR, FW_CFG_SIGNATURE);
	read_bytes(sig, 4);
	if (memcmp(sig, "QEMU", 4) != 0)
		return false;
	outw(FW_CFG_SELECTOR, FW_CFG_FILE_DIR);
	read_bytes(&count, 4);
	count = be32(count);
	for (uint32_t i = 0; i < count && i < FW_CFG_MAX_FILES; i++) {
		read_bytes(&f, sizeof(f));
		f.name[sizeof(f.name) - 1] = 0;
		if (strcmp(f.name, name) == 0) {
			*select = __builtin_bswap16(f.select_be);
			*size = be32(f.size_be);
			return true;
		}
	}
	return false;
}

/* Appends " <contents of opt/tern/cmdline>" to bi->cmdline if present. */
void fwcfg_append_cmdline(struct boot_info *bi)
{
	uint16_t select;
	uint32_t size;
	size_t used = strlen(bi->cmdline);

	if (!find_file(CMDLINE_FILE, &select, &size))
		return;
	if (used + 1 + size >= sizeof(bi->cmdline)) {
		pr_err("fw_cfg: %s is %u bytes, too long for the command line; ignored\n",
		       CMDLINE_FILE, size);
		return;
	}
	if (used)
		bi->cmdline[used++] = ' ';
	outw(FW_CFG_SELECTOR, select);
	read_bytes(bi->cmdline + used, size);
	bi->cmdline[used + size] = 0;
}
