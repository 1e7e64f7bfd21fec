/*
 * The multiboot2 information parser (kernel/arch/x86_64/multiboot.c):
 * untrusted bytes from GRUB into struct boot_info, host-testable.
 */
#ifndef TERN_X86_MULTIBOOT_H
#define TERN_X86_MULTIBOOT_H

#include "bootinfo.h"

/* Parses a multiboot2 information block at mbi (already mapped); false and
 * a message on malformed input. Does not touch hardware. */
bool multiboot_parse(struct boot_info *bi, const void *mbi, size_t max_len);
/* The same with the block's physical address given explicitly (the ACPI
 * RSDP address and the block's own reservation are physical addresses).
 * multiboot_parse() derives it from mbi, which may point into the identity,
 * direct-map or kernel-image mapping of the boot page tables. On failure
 * *bi is left zeroed. */
bool multiboot_parse_at(struct boot_info *bi, const void *mbi, phys_addr_t mbi_phys,
			size_t max_len);

#endif
