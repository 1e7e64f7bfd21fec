/*
 * arm64 kernel entry from QEMU's -kernel loader (ELF): EL1, MMU and caches
 * off, interrupts masked, x0 = 0 and the device tree at the start of RAM (a
 * raw Image gets its address in x0; arch_boot_info takes both). At the load
 * address, this file clears .bss, builds the boot page tables, turns the
 * MMU on and jumps to the higher half:
 *   TTBR0  identity: the first GiB (devices: UART, GIC, PCI windows) as
 *          Device-nGnRE and the first GiB of RAM, until the VMM drops it;
 *   TTBR1  the first GiB of RAM at DIRECT_MAP_BASE + phys and again at
 *          KERNEL_VMA + phys, where the kernel is linked.
 * Kernel code then runs on SP_EL0 (the boot stack) and every exception
 * switches to SP_EL1 (its own stack), so a kernel stack overflow into a
 * guard page is reported instead of faulting again on the dead stack.
 * ARM ARM D8 (VMSAv8-64 translation), D13 (MAIR_EL1, TCR_EL1, SCTLR_EL1).
 */
#include "layout.h"

#define PHYS(sym) ((sym) - KERNEL_VMA)
#define RAM_BASE 0x40000000
#define VIRT_UART 0x09000000                 /* PL011 data register */
#define CURRENT_EL1 (1 << 2)
#define BOOT_STACK_SIZE (32 * 1024)
#define EXCEPTION_STACK_SIZE (16 * 1024)

#define DESC_TABLE 0x3
#define DESC_BLOCK 0x1
#define ATTR_NORMAL (0 << 2)         /* MAIR_EL1 index 0 */
#define ATTR_DEVICE (1 << 2)         /* MAIR_EL1 index 1 */
#define SH_INNER (3 << 8)
#define AF (1 << 10)
#define PXN (1 << 53)
#define UXN (1 << 54)
#define BLOCK_NORMAL (DESC_BLOCK | ATTR_NORMAL | SH_INNER | AF)
#define BLOCK_DEVICE (DESC_BLOCK | ATTR_DEVICE | AF | PXN | UXN)

#define MAIR_VALUE 0x04ff            /* 0: Normal WB RW-allocate, 1: Device-nGnRE */
#define TCR_T0SZ (16 << 0)           /* 48-bit VAs in both halves */
#define TCR_T1SZ (16 << 16)
#define TCR_WALK0 ((1 << 8) | (1 << 10) | (3 << 12))   /* WB caches, inner shareable */
#define TCR_WALK1 ((1 << 24) | (1 << 26) | (3 << 28))
#define TCR_TG1_4K (2 << 30)         /* TG0 = 0 is 4K already */
#define TCR_IPS_SHIFT 32
#define TCR_VALUE (TCR_T0SZ | TCR_T1SZ | TCR_WALK0 | TCR_WALK1 | TCR_TG1_4K)
#define SCTLR_RES1 0x30d00800
#define SCTLR_MMU_ON (SCTLR_RES1 | (1 << 0) | (1 << 2) | (1 << 12)) /* M, C, I */
#define CPACR_FPEN (3 << 20)         /* libfdt has a few FP/SIMD instructions */

	.section .boot.text, "ax"
	.global _start
_start:
	msr daifset, #0xf
	mov x19, x0                          /* kmain(x0, 0): arch_boot_info reads it */
	mrs x1, CurrentEL
	cmp x1, #CURRENT_EL1
	b.ne wrong_el
	mov x1, #CPACR_FPEN
	msr cpacr_el1, x1
	isb

	ldr x1, =PHYS(_bss_start)            /* MMU off: Device memory, so plain */
	ldr x2, =PHYS(_bss_end)              /* aligned stores, no dc zva */
2:	stp xzr, xzr, [x1], #16
	cmp x1, x2
	b.lo 2b

	bl build_boot_page_tables

	ldr x1, =MAIR_VALUE
	msr mair_el1, x1
	mrs x1, id_aa64mmfr0_el1
	and x1, x1, #0x7                     /* PARange → IPS */
	ldr x2, =TCR_VALUE
	orr x2, x2, x1, lsl #TCR_IPS_SHIFT
	msr tcr_el1, x2
	ldr x1, =PHYS(boot_l0_low)
	msr ttbr0_el1, x1
	ldr x1, =PHYS(boot_l0_high)
	msr ttbr1_el1, x1
	dsb ish
	isb
	tlbi vmalle1
	dsb ish
	ldr x1, =SCTLR_MMU_ON
	msr sctlr_el1, x1
	isb
	ldr x1, =higher_half_entry
	br x1

/* Entered at EL2 or EL3 (e.g. -M virt,virtualization=on): say so on
 * virt's UART, which needs no setup under QEMU, and stop. */
wrong_el:
	adr x1, wrong_el_msg
	mov x2, #VIRT_UART
1:	ldrb w3, [x1], #1
	cbz w3, 2f
	str w3, [x2]
	b 1b
2:	wfi
	b 2b

/* Fills the five boot tables, which .bss clearing zeroed. */
build_boot_page_tables:
	ldr x0, =PHYS(boot_l0_low)
	ldr x2, =PHYS(boot_l1_low) + DESC_TABLE
	str x2, [x0]                               /* VA 0..512 GiB */
	ldr x0, =PHYS(boot_l1_low)
	ldr x2, =BLOCK_DEVICE                      /* 0..1 GiB: devices */
	str x2, [x0]
	ldr x2, =RAM_BASE + BLOCK_NORMAL           /* 1..2 GiB: RAM, identity */
	str x2, [x0, #8]

	ldr x0, =PHYS(boot_l0_high)
	ldr x2, =PHYS(boot_l1_direct) + DESC_TABLE
	str x2, [x0, #((DIRECT_MAP_BASE >> 39) & 511) * 8]
	ldr x2, =PHYS(boot_l1_kernel) + DESC_TABLE
	str x2, [x0, #(((KERNEL_VMA + RAM_BASE) >> 39) & 511) * 8]
	ldr x2, =RAM_BASE + BLOCK_NORMAL
	ldr x0, =PHYS(boot_l1_direct)
	str x2, [x0, #(RAM_BASE >> 30) * 8]
	ldr x0, =PHYS(boot_l1_kernel)
	str x2, [x0, #(((KERNEL_VMA + RAM_BASE) >> 30) & 511) * 8]
	ret
	.ltorg

wrong_el_msg:
	.asciz "Tern: entered above EL1; boot QEMU virt without virtualization=on or secure=on. Halting.\r\n"
	.balign 4

	.text
higher_half_entry:
	ldr x1, =exception_stack_top
	mov sp, x1                           /* SP_EL1: exceptions only */
	msr spsel, #0
	ldr x1, =boot_stack_top
	mov sp, x1                           /* SP_EL0: the kernel's stack */
	ldr x1, =exception_vectors
	msr vbar_el1, x1
	isb
	mov x29, #0
	mov x30, #0
	mov x0, x19
	mov x1, #0
	bl kmain
3:	wfi
	b 3b

	.section .rodata
	.balign 8
	.global kernel_guard_pages, kernel_guard_page_count
kernel_guard_pages:
	.quad boot_stack_guard, exception_stack_guard
kernel_guard_page_count:
	.quad 2

	.section .bss.stacks, "aw", @nobits
	.balign 4096
	.global boot_stack_guard, boot_stack_top, boot_l0_low
boot_l0_low: .skip 4096
boot_l1_low: .skip 4096
boot_l0_high: .skip 4096
boot_l1_direct: .skip 4096
boot_l1_kernel: .skip 4096
boot_stack_guard: .skip 4096
	.skip BOOT_STACK_SIZE
boot_stack_top:
exception_stack_guard: .skip 4096
	.skip EXCEPTION_STACK_SIZE
exception_stack_top:
