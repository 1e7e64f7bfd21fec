/*
 * arch_try(fn, arg, fault): calls fn(arg) such that a CPU exception inside
 * it returns false from arch_try instead of being fatal. The callee-saved
 * registers, the link register and the stack pointer are kept in
 * try_frame; the exception handler (exceptions.c) makes its eret land in
 * arch_try_resume on that stack. Also arch_call_on_stack().
 */
	.bss
	.balign 8
	.global try_frame, try_active
try_frame:
	.skip 14 * 8  /* x19-x28, x29, x30, sp, fault_ptr */
try_active:
	.skip 8

	.text
	.global arch_try, arch_try_resume, arch_call_on_stack
arch_try:
	adrp x3, try_frame
	add x3, x3, :lo12:try_frame
	stp x19, x20, [x3, #0]
	stp x21, x22, [x3, #16]
	stp x23, x24, [x3, #32]
	stp x25, x26, [x3, #48]
	stp x27, x28, [x3, #64]
	stp x29, x30, [x3, #80]
	mov x4, sp
	stp x4, x2, [x3, #96]
	mov x4, #1
	adrp x5, try_active
	str x4, [x5, :lo12:try_active]
	mov x3, x0
	mov x0, x1
	blr x3
	adrp x5, try_active
	str xzr, [x5, :lo12:try_active]
	adrp x3, try_frame
	add x3, x3, :lo12:try_frame
	ldr x30, [x3, #88]
	mov x0, #1
	ret

/* Entered by eret with sp = the saved stack pointer. */
arch_try_resume:
	adrp x3, try_frame
	add x3, x3, :lo12:try_frame
	ldp x19, x20, [x3, #0]
	ldp x21, x22, [x3, #16]
	ldp x23, x24, [x3, #32]
	ldp x25, x26, [x3, #48]
	ldp x27, x28, [x3, #64]
	ldp x29, x30, [x3, #80]
	adrp x5, try_active
	str xzr, [x5, :lo12:try_active]
	mov x0, #0
	ret

arch_call_on_stack:
	stp x29, x30, [sp, #-16]!
	mov x29, sp
	mov sp, x0
	mov x0, x2
	blr x1
	mov sp, x29
	ldp x29, x30, [sp], #16
	ret
