/*
 * The boot-time floor for `make bench`: the smallest multiboot2 kernel that
 * GRUB will load. It prints a Tern-like prompt on COM1 and exits QEMU
 * through isa-debug-exit, so timing it to the prompt measures QEMU +
 * SeaBIOS + GRUB alone; Tern's own boot time is what it adds on top.
 * Runs in the 32-bit protected mode GRUB leaves us in (Multiboot2 spec
 * §3.3, "I386 machine state"); needs no stack.
 */
	.text
	.code32
	.align 8
/* Multiboot2 header (spec §3.1.1): magic, architecture 0 (i386), length,
 * checksum, then the terminating tag (type 0, size 8). */
header:
	.long 0xe85250d6
	.long 0
	.long header_end - header
	.long -(0xe85250d6 + (header_end - header))
	.short 0, 0
	.long 8
header_end:

	.globl _start
_start:
	mov $message, %esi
next_char:
	lodsb
	test %al, %al
	jz done
	mov %al, %bl
	mov $0x3fd, %dx /* COM1 line status register */
wait_thr_empty:
	in %dx, %al
	test $0x20, %al
	jz wait_thr_empty
	mov $0x3f8, %dx
	mov %bl, %al
	out %al, %dx
	jmp next_char
done:
	mov $0x10, %al /* isa-debug-exit: QEMU exits with status 33 */
	out %al, $0xf4
halt:
	cli
	hlt
	jmp halt

message:
	.asciz "boot floor\r\ntern> "

	.section .note.GNU-stack, "", @progbits
