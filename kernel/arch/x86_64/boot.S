/*
 * Kernel entry from GRUB (Multiboot2 spec §3.1 header, §3.3 machine state):
 * we arrive in 32-bit protected mode with paging off, EAX = magic and
 * EBX = physical address of the boot information. This file checks for long
 * mode, builds the boot page tables (first 4 GiB identity-mapped and at the
 * direct-map base, first 1 GiB at the kernel base, all 2 MiB pages), enables
 * PAE, NX and long mode, and jumps to kmain() in the higher half.
 * It also reserves the kernel's stacks, each above an unmapped guard page.
 */
#include "layout.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC 0x36d76289
#define PHYS(sym) ((sym) - KERNEL_VMA)
#define PTE_PRESENT_RW 0x3
#define PTE_LARGE 0x80
#define BOOT_STACK_SIZE (32 * 1024)
#define IST_STACK_SIZE (16 * 1024)

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0                              /* architecture: i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	.short 0, 0                          /* end tag */
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	mov $PHYS(boot_stack_top), %esp
	push $0                              /* kmain(magic, mbi_phys), */
	push %eax                            /* kept as 64-bit stack slots */
	push $0
	push %ebx

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx                /* LM */
	jz no_long_mode
	mov %edx, %ebp                       /* keep NX (bit 20) for EFER */

	call build_boot_page_tables

	mov %cr4, %eax
	or $(1 << 5), %eax                   /* PAE */
	mov %eax, %cr4
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3

	mov $0xC0000080, %ecx                /* EFER */
	rdmsr
	or $(1 << 8), %eax                   /* LME */
	test $(1 << 20), %ebp
	jz 1f
	or $(1 << 11), %eax                  /* NXE */
1:	wrmsr

	mov %cr0, %eax
	or $((1 << 31) | (1 << 16)), %eax    /* PG, WP */
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode_entry

/* Zeroes the tables, then fills them; GRUB need not zero .bss for us. */
build_boot_page_tables:
	mov $PHYS(boot_page_tables_start), %edi
	mov $((boot_page_tables_end - boot_page_tables_start) / 4), %ecx
	push %edi
	xor %eax, %eax
	rep stosl
	pop %edi

	mov $PHYS(boot_pdpt_low) + PTE_PRESENT_RW, %eax
	mov %eax, PHYS(boot_pml4)                   /* 0 (identity) */
	mov %eax, PHYS(boot_pml4) + 256 * 8         /* DIRECT_MAP_BASE */
	mov $PHYS(boot_pdpt_high) + PTE_PRESENT_RW, %eax
	mov %eax, PHYS(boot_pml4) + 511 * 8         /* KERNEL_VMA */

	mov $PHYS(boot_pd) + PTE_PRESENT_RW, %eax   /* 4 PDs = 4 GiB */
	mov %eax, PHYS(boot_pdpt_low)
	mov %eax, PHYS(boot_pdpt_high) + 510 * 8
	add $4096, %eax
	mov %eax, PHYS(boot_pdpt_low) + 8
	add $4096, %eax
	mov %eax, PHYS(boot_pdpt_low) + 16
	add $4096, %eax
	mov %eax, PHYS(boot_pdpt_low) + 24

	xor %ecx, %ecx                              /* 2048 x 2 MiB pages */
2:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_PRESENT_RW | PTE_LARGE), %eax
	mov %eax, PHYS(boot_pd)(,%ecx,8)
	mov %ecx, %eax
	shr $11, %eax                               /* high dword: (i<<21)>>32 */
	mov %eax, PHYS(boot_pd) + 4(,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b
	ret

no_long_mode:
	mov $no_long_mode_msg, %esi
	mov $0x3f8, %dx
3:	lodsb
	test %al, %al
	jz 4f
	out %al, %dx
	jmp 3b
4:	cli
	hlt
	jmp 4b

	.code64
long_mode_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $higher_half_entry, %rax
	jmp *%rax

	.section .boot.data, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff    /* 0x10: data */
boot_gdt_ptr:
	.short boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
no_long_mode_msg:
	.asciz "Tern: this CPU has no long mode (x86-64); halting.\r\n"

	.text
higher_half_entry:
	pop %rsi                             /* mbi physical address */
	pop %rdi                             /* magic */
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	call kmain
5:	cli
	hlt
	jmp 5b

	.section .rodata
	.balign 8
	.global kernel_guard_pages, kernel_guard_page_count
kernel_guard_pages:
	.quad boot_stack_guard, ist_df_guard, ist_nmi_guard
kernel_guard_page_count:
	.quad 3

	.section .bss.stacks, "aw", @nobits
	.balign 4096
	.global boot_stack_guard, boot_stack_top, ist_df_top, ist_nmi_top
boot_page_tables_start:
boot_pml4: .skip 4096
boot_pdpt_low: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd: .skip 4 * 4096
boot_page_tables_end:
boot_stack_guard: .skip 4096
	.skip BOOT_STACK_SIZE
boot_stack_top:
ist_df_guard: .skip 4096
	.skip IST_STACK_SIZE
ist_df_top:
ist_nmi_guard: .skip 4096
	.skip IST_STACK_SIZE
ist_nmi_top:
