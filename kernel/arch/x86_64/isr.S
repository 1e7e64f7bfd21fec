/*
 * Interrupt and exception entry stubs for vectors 0-47 (Intel SDM vol. 3
 * §6.12: the CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some vectors, an
 * error code). Each stub makes the frame uniform (dummy error code where
 * the CPU pushes none, then the vector), saves the general registers into a
 * struct regs (kernel/arch/x86_64/cpu.h) and calls isr_dispatch().
 */

.macro STUB_NOERR vec
	.global isr_stub_\vec
isr_stub_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm

.macro STUB_ERR vec
	.global isr_stub_\vec
isr_stub_\vec:
	pushq $\vec
	jmp isr_common
.endm

	.text
isr_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call isr_dispatch
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/* Vectors with an error code: 8, 10-14, 17, 21, 29, 30 (SDM Table 6-1). */
STUB_NOERR 0
STUB_NOERR 1
STUB_NOERR 2
STUB_NOERR 3
STUB_NOERR 4
STUB_NOERR 5
STUB_NOERR 6
STUB_NOERR 7
STUB_ERR 8
STUB_NOERR 9
STUB_ERR 10
STUB_ERR 11
STUB_ERR 12
STUB_ERR 13
STUB_ERR 14
STUB_NOERR 15
STUB_NOERR 16
STUB_ERR 17
STUB_NOERR 18
STUB_NOERR 19
STUB_NOERR 20
STUB_ERR 21
STUB_NOERR 22
STUB_NOERR 23
STUB_NOERR 24
STUB_NOERR 25
STUB_NOERR 26
STUB_NOERR 27
STUB_NOERR 28
STUB_ERR 29
STUB_ERR 30
STUB_NOERR 31
.irp vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
STUB_NOERR \vec
.endr

	.section .rodata
	.balign 8
	.global isr_stub_table
isr_stub_table:
.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad isr_stub_\vec
.endr
