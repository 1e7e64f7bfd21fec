/*
 * arch_try(fn, arg, fault): call fn(arg) such that a CPU exception inside
 * it returns false from arch_try instead of being fatal. The callee-saved
 * registers, stack pointer and return address are kept in try_frame; the
 * exception handler (kernel/arch/x86_64/exceptions.c) redirects its iretq to
 * arch_try_resume on that stack. Also arch_call_on_stack().
 */
	.bss
	.balign 8
	.global try_frame, try_active
try_frame:
	.skip 9 * 8   /* rbx rbp r12 r13 r14 r15 ret_rip rsp fault_ptr */
try_active:
	.skip 8

	.text
	.global arch_try, arch_try_resume, arch_call_on_stack
arch_try:
	mov %rbx, try_frame + 0
	mov %rbp, try_frame + 8
	mov %r12, try_frame + 16
	mov %r13, try_frame + 24
	mov %r14, try_frame + 32
	mov %r15, try_frame + 40
	mov (%rsp), %rax
	mov %rax, try_frame + 48
	lea 8(%rsp), %rax
	mov %rax, try_frame + 56
	mov %rdx, try_frame + 64
	movq $1, try_active
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	movq $0, try_active
	mov $1, %eax
	ret

/* Entered by iretq with rsp = try_frame.rsp (the caller's, after return). */
arch_try_resume:
	mov try_frame + 0, %rbx
	mov try_frame + 8, %rbp
	mov try_frame + 16, %r12
	mov try_frame + 24, %r13
	mov try_frame + 32, %r14
	mov try_frame + 40, %r15
	movq $0, try_active
	xor %eax, %eax
	jmp *try_frame + 48

arch_call_on_stack:
	push %rbp
	mov %rsp, %rbp
	mov %rdi, %rsp
	mov %rsi, %rax
	mov %rdx, %rdi
	call *%rax
	mov %rbp, %rsp
	pop %rbp
	ret
