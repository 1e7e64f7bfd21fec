/*
 * The exception vector table (ARM ARM D1.10.2: 16 entries of 0x80 bytes at
 * VBAR_EL1). Kernel code runs at EL1 on SP_EL0, so its exceptions use the
 * first group ("current EL with SP0") and start on the SP_EL1 exception
 * stack; an exception inside a handler uses the second group. Each entry
 * saves the whole register state as a struct arm64_regs (cpu.h) and calls
 * arm64_exception(kind, regs); what the handler changes in the frame (pc,
 * sp, pstate) is what eret resumes. Lower-EL groups are never used.
 */
#include "arm64_frame.h"

.macro vector kind
	.balign 0x80
	sub sp, sp, #FRAME_SIZE
	stp x0, x1, [sp, #0]
	mov x0, #\kind
	b exception_common
.endm

	.section .text.vectors, "ax"
	.balign 2048
	.global exception_vectors
exception_vectors:
	vector KIND_SYNC            /* current EL, SP0: the kernel */
	vector KIND_IRQ
	vector KIND_FIQ
	vector KIND_SERROR
	vector KIND_SYNC_NESTED     /* current EL, SPx: inside a handler */
	vector KIND_IRQ_NESTED
	vector KIND_FIQ_NESTED
	vector KIND_SERROR_NESTED
	.rept 8
	vector KIND_LOWER_EL        /* EL0 never runs */
	.endr

exception_common:
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	stp x8, x9, [sp, #64]
	stp x10, x11, [sp, #80]
	stp x12, x13, [sp, #96]
	stp x14, x15, [sp, #112]
	stp x16, x17, [sp, #128]
	stp x18, x19, [sp, #144]
	stp x20, x21, [sp, #160]
	stp x22, x23, [sp, #176]
	stp x24, x25, [sp, #192]
	stp x26, x27, [sp, #208]
	stp x28, x29, [sp, #224]
	mrs x21, sp_el0
	stp x30, x21, [sp, #FRAME_X30]
	mrs x22, elr_el1
	mrs x23, spsr_el1
	stp x22, x23, [sp, #FRAME_PC]
	mrs x24, esr_el1
	mrs x25, far_el1
	stp x24, x25, [sp, #FRAME_ESR]
	mov x1, sp
	bl arm64_exception

	ldp x30, x21, [sp, #FRAME_X30]
	msr sp_el0, x21
	ldp x22, x23, [sp, #FRAME_PC]
	msr elr_el1, x22
	msr spsr_el1, x23
	ldp x0, x1, [sp, #0]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldp x8, x9, [sp, #64]
	ldp x10, x11, [sp, #80]
	ldp x12, x13, [sp, #96]
	ldp x14, x15, [sp, #112]
	ldp x16, x17, [sp, #128]
	ldp x18, x19, [sp, #144]
	ldp x20, x21, [sp, #160]
	ldp x22, x23, [sp, #176]
	ldp x24, x25, [sp, #192]
	ldp x26, x27, [sp, #208]
	ldp x28, x29, [sp, #224]
	add sp, sp, #FRAME_SIZE
	eret
