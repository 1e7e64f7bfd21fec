/*
 * The kernel side of the hardware seam (include/hw.h) and the CPU control
 * primitives of include/arch.h and include/spinlock.h: port I/O, MMIO,
 * barriers, interrupt flag, idle, halt, QEMU exit and reboot. Host tests
 * link fakes of the same functions instead.
 */
#include "arch.h"
#include "hw.h"
#include "spinlock.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define KBC_STATUS 0x64
#define KBC_CMD_RESET 0xfe

uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

uint8_t mmio_read8(const volatile void *a) { return *(const volatile uint8_t *)a; }
uint16_t mmio_read16(const volatile void *a) { return *(const volatile uint16_t *)a; }
uint32_t mmio_read32(const volatile void *a) { return *(const volatile uint32_t *)a; }
void mmio_write8(volatile void *a, uint8_t v) { *(volatile uint8_t *)a = v; }
void mmio_write16(volatile void *a, uint16_t v) { *(volatile uint16_t *)a = v; }
void mmio_write32(volatile void *a, uint32_t v) { *(volatile uint32_t *)a = v; }

/* x86 keeps stores ordered with stores and loads with loads for write-back
 * memory; a compiler barrier is what is needed, sfence/lfence are for
 * non-temporal and write-combining accesses we do not use. */
void dma_wmb(void) { __asm__ volatile("" ::: "memory"); }
void dma_rmb(void) { __asm__ volatile("" ::: "memory"); }
void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

unsigned long arch_irq_save(void)
{
	unsigned long flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	if (flags & (1ul << 9)) /* IF */
		__asm__ volatile("sti" ::: "memory");
}

void arch_undefined_instruction(void) { __asm__ volatile("ud2"); }

void arch_idle(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

__noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

__noreturn void qemu_exit(int code)
{
	outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
	arch_halt(); /* no isa-debug-exit device: stop here */
}

__noreturn void arch_reboot(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed empty_idt = { 0, 0 };

	for (int i = 0; i < 100000 && (inb(KBC_STATUS) & 2); i++)
		cpu_relax();
	outb(KBC_STATUS, KBC_CMD_RESET); /* 8042 pulses the reset line */
	/* Fall back to a triple fault. */
	__asm__ volatile("lidt %0; int3" : : "m"(empty_idt));
	arch_halt();
}
