/*
 * What the boot loader told us, in plain kernel structures: filled by the
 * architecture's arch_boot_info (x86: the multiboot2 information,
 * kernel/arch/x86_64/multiboot.c; arm64: the device tree), read by the
 * rest of the kernel through kernel/bootinfo.c.
 */
#ifndef TERN_BOOTINFO_H
#define TERN_BOOTINFO_H

#include "types.h"

#define BOOT_MMAP_MAX 128
#define BOOT_RESERVED_MAX 16
#define BOOT_CMDLINE_MAX 1024

enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIMABLE = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum mem_type (multiboot2/e820 numbering) */
};

struct boot_framebuffer {
	uint64_t phys;
	uint32_t pitch, width, height;
	uint8_t bpp, type; /* type 2 = EGA text */
};

struct boot_info {
	struct mem_range mmap[BOOT_MMAP_MAX];
	unsigned mmap_count;
	/* Physical ranges that are usable RAM in the map but must not be handed
	 * out: the kernel image, the multiboot info, boot modules. */
	struct mem_range reserved[BOOT_RESERVED_MAX];
	unsigned reserved_count;
	char cmdline[BOOT_CMDLINE_MAX];
	char loader_name[64];
	uint64_t rsdp_phys; /* 0 if the loader gave none */
	bool has_framebuffer;
	struct boot_framebuffer fb;
};

extern struct boot_info boot_info;

/* Appends a reserved range; false and a message naming `what` when the
 * table is full. Every loader's parser and the kernel image use it. */
bool bootinfo_add_reserved(struct boot_info *bi, uint64_t base, uint64_t len, const char *what);

/* Sum of MEM_USABLE bytes in the map (overlaps counted once). */
uint64_t bootinfo_usable_bytes(const struct boot_info *bi);

/* Kernel command line: value of key=... (quotes stripped) or NULL-free
 * false if absent; flags such as "quiet" are found with cmdline_has(). */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_len);
bool cmdline_has(const char *cmdline, const char *flag);

#endif
