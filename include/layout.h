/*
 * The kernel's virtual address space and the symbols the linker script
 * (kernel/arch/<arch>/linker.ld) exports. The layout is the same on every
 * architecture (48-bit VAs, kernel in the top 2 GiB); where the kernel is
 * loaded and how much physical memory the boot page tables map at
 * DIRECT_MAP_BASE (so the PMM can build itself before the VMM owns paging)
 * come from the architecture's arch_layout.h.
 */
#ifndef TERN_LAYOUT_H
#define TERN_LAYOUT_H

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define KERNEL_VMA 0xffffffff80000000ull   /* -2 GiB; physical = virtual - KERNEL_VMA */
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define VMAP_BASE 0xffffc00000000000ull    /* vmap area: ioremap, stacks, vmalloc */
#define VMAP_SIZE 0x0000010000000000ull    /* 1 TiB */

#include "arch_layout.h" /* KERNEL_LMA, BOOT_DIRECT_MAP_BYTES, DIRECT_MAP_FIRMWARE_BYTES */

#ifndef __ASSEMBLER__
#include "types.h"
/* Linker-script symbols; take their address. */
extern char _kernel_start[], _text_start[], _text_end[], _rodata_start[],
	_rodata_end[], _data_start[], _kernel_end[];
/* The boot stack (the kernel's only thread) and the unmapped guard page
 * below it; include/arch.h lists every guard page. */
extern char boot_stack_guard[], boot_stack_top[];
#endif

#endif
