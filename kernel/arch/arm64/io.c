/*
 * The arm64 side of the hardware seam (include/hw.h) and the CPU control
 * primitives of include/arch.h and include/spinlock.h. MMIO goes through
 * Device-nGnRE mappings with the barriers Linux uses for a dma-coherent
 * device (a store barrier before each register write so DMA memory written
 * earlier is visible first; a load barrier after each read so later DMA
 * memory reads do not pass it). Port I/O does not exist on arm64: a PCI
 * I/O BAR lives in the host bridge's PIO window, so inb(port) is an MMIO
 * read at window + port. The machine stops through semihosting SYS_EXIT
 * (QEMU -semihosting) or PSCI over hvc.
 */
#include "arch.h"
#include "arm64.h"
#include "hw.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define SEMIHOST_SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u

static volatile uint8_t *pio_window;
static size_t pio_window_size;

static inline void io_wmb(void) { __asm__ volatile("dmb oshst" ::: "memory"); }
static inline void io_rmb(void) { __asm__ volatile("dmb oshld" ::: "memory"); }

uint8_t mmio_read8(const volatile void *a)
{
	uint8_t v = *(const volatile uint8_t *)a;
	io_rmb();
	return v;
}

uint16_t mmio_read16(const volatile void *a)
{
	uint16_t v = *(const volatile uint16_t *)a;
	io_rmb();
	return v;
}

uint32_t mmio_read32(const volatile void *a)
{
	uint32_t v = *(const volatile uint32_t *)a;
	io_rmb();
	return v;
}

void mmio_write8(volatile void *a, uint8_t v) { io_wmb(); *(volatile uint8_t *)a = v; }
void mmio_write16(volatile void *a, uint16_t v) { io_wmb(); *(volatile uint16_t *)a = v; }
void mmio_write32(volatile void *a, uint32_t v) { io_wmb(); *(volatile uint32_t *)a = v; }

void dma_wmb(void) { __asm__ volatile("dmb oshst" ::: "memory"); }
void dma_rmb(void) { __asm__ volatile("dmb oshld" ::: "memory"); }
void cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }

bool arm64_pio_init(phys_addr_t base, size_t size)
{
	pio_window = ioremap(base, size);
	if (!pio_window) {
		pr_err("pci: cannot map the PIO window 0x%llx (+0x%zx)\n",
		       (unsigned long long)base, size);
		return false;
	}
	pio_window_size = size;
	return true;
}

/* An access outside the window (or before it is mapped) reads as a
 * missing device does and writes nowhere, rather than faulting. */
static volatile void *pio_addr(uint16_t port, size_t width)
{
	if (!pio_window || (size_t)port + width > pio_window_size)
		return NULL;
	return pio_window + port;
}

uint8_t inb(uint16_t port)
{
	volatile void *a = pio_addr(port, 1);
	return a ? mmio_read8(a) : 0xff;
}

uint16_t inw(uint16_t port)
{
	volatile void *a = pio_addr(port, 2);
	return a ? mmio_read16(a) : 0xffff;
}

uint32_t inl(uint16_t port)
{
	volatile void *a = pio_addr(port, 4);
	return a ? mmio_read32(a) : 0xffffffffu;
}

void outb(uint16_t port, uint8_t v)
{
	volatile void *a = pio_addr(port, 1);
	if (a)
		mmio_write8(a, v);
}

void outw(uint16_t port, uint16_t v)
{
	volatile void *a = pio_addr(port, 2);
	if (a)
		mmio_write16(a, v);
}

void outl(uint16_t port, uint32_t v)
{
	volatile void *a = pio_addr(port, 4);
	if (a)
		mmio_write32(a, v);
}

unsigned long arch_irq_save(void)
{
	unsigned long flags;
	__asm__ volatile("mrs %0, daif; msr daifset, #2" : "=r"(flags) : : "memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	__asm__ volatile("msr daif, %0" : : "r"(flags) : "memory");
}

void arch_irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }

void arch_undefined_instruction(void) { __asm__ volatile("udf #0"); }

/* wfi wakes for a pending interrupt even while it is masked, so masking
 * until after the wait loses no wake-up that arrived before it. */
void arch_idle(void) { __asm__ volatile("dsb sy; wfi; msr daifclr, #2" ::: "memory"); }

__noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("msr daifset, #2; wfi");
}

static void psci_call(uint32_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

/* Semihosting SYS_EXIT with ADP_Stopped_ApplicationExit and a subcode:
 * QEMU exits with the subcode, (code << 1) | 1 as isa-debug-exit does on
 * x86, so pass is 33 and failure 35 on both. Without -semihosting the hlt
 * is an undefined instruction, which exceptions.c skips at semihost_hlt;
 * PSCI SYSTEM_OFF then stops the machine (status 0). */
__noreturn void qemu_exit(int code)
{
	uint64_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, ((uint64_t)code << 1) | 1 };
	register uint64_t x0 __asm__("x0") = SEMIHOST_SYS_EXIT;
	register uint64_t x1 __asm__("x1") = (uint64_t)block;

	__asm__ volatile(".global semihost_hlt\nsemihost_hlt: hlt #0xf000"
			 : "+r"(x0) : "r"(x1) : "memory");
	psci_call(PSCI_SYSTEM_OFF);
	arch_halt();
}

__noreturn void arch_reboot(void)
{
	psci_call(PSCI_SYSTEM_RESET);
	arch_halt();
}
