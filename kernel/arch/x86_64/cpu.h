/*
 * x86-64 definitions private to kernel/arch: the register frame built by
 * isr.S, control-register and MSR access, and the arch init entry points
 * that kmain() calls.
 */
#ifndef TERN_ARCH_CPU_H
#define TERN_ARCH_CPU_H

#include "types.h"

struct boot_info;

/* Layout pushed by isr.S on top of the CPU's interrupt frame. */
struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct regs) == 22 * 8, "isr.S frame layout");

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL 0x18
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IRQ_VECTOR_BASE 32

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* Boot steps and console devices behind the include/arch.h hooks. */
void gdt_init(void);
void idt_init(void);
void vga_init(void);
void serial_write(const char *s, size_t n);
void vga_write(const char *s, size_t n);
void fwcfg_append_cmdline(struct boot_info *bi);

void exception_dispatch(struct regs *r);
void irq_dispatch(unsigned line);
void pic_send_eoi(unsigned line);

#endif
