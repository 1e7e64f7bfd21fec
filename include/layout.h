/*
 * The kernel's virtual address space and the symbols the linker script
 * (kernel/arch/x86_64/linker.ld) exports. Physical memory below 4 GiB is also mapped by
 * the boot page tables at DIRECT_MAP_BASE so the PMM can build itself before
 * the VMM owns paging.
 */
#ifndef TERN_LAYOUT_H
#define TERN_LAYOUT_H

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define KERNEL_VMA 0xffffffff80000000ull   /* -2 GiB: -mcmodel=kernel */
#define KERNEL_LMA 0x100000ull             /* loaded at 1 MiB */
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define VMAP_BASE 0xffffc00000000000ull    /* vmap area: ioremap, stacks, vmalloc */
#define VMAP_SIZE 0x0000010000000000ull    /* 1 TiB */
#define BOOT_DIRECT_MAP_BYTES 0x100000000ull /* boot tables map 4 GiB */

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
