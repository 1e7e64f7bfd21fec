/*
 * What every architecture provides to the arch-neutral kernel
 * (kernel/arch/<arch>/): the boot steps kmain() calls in order, stopping
 * and idling the machine, and running code that is expected to fault
 * (ktests of W^X and guard pages) with the fault caught instead of fatal.
 * Page tables and PCI configuration access have their own headers in
 * include/arch/; interrupt masking is in spinlock.h, port and MMIO access
 * in hw.h.
 */
#ifndef TERN_ARCH_H
#define TERN_ARCH_H

#include "types.h"

struct boot_info;

/* --- boot, in the order kmain() (kernel/main.c) calls these ------------ */

/* The boot console (x86: COM1; arm64: PL011), polled: every later step
 * can report. */
void arch_console_init(void);
/* Fills *bi (memory map, reserved ranges including the kernel image and
 * the boot data, command line) from what the loader handed over: arg0
 * and arg1 are the loader's registers, passed unread through kmain (x86:
 * multiboot2 magic and info address; arm64: x0 = DTB address or 0).
 * Panics with a clear message if they make no sense. */
void arch_boot_info(struct boot_info *bi, uintptr_t arg0, uintptr_t arg1);
/* For `bootinfo`: what the loader described beyond struct boot_info (x86:
 * nothing; arm64: the device tree's UART, GIC, timer and PCIe host). */
void arch_boot_info_print(void);
/* Exception reports from here on (x86: GDT, TSS, IDT; arm64: vectors). */
void arch_cpu_init(void);
/* The interrupt controller, every line masked (x86: 8259; arm64: GIC). */
void arch_irq_init(void);
/* The clock (ktime.h) and the 1 kHz tick. */
void arch_time_init(void);
/* Machine devices that need kmalloc (x86: the VGA mirror of the console). */
void arch_devices_init(void);
/* Receive interrupts of the console UART, feeding the shell. */
void arch_console_irq_enable(void);
/* Lets interrupts in on this CPU (before: all masked since boot). */
void arch_irq_enable(void);
/* Writes to every console device (x86: COM1 and the VGA screen); called by
 * console_write with interrupts off. */
void arch_console_write(const char *s, size_t n);

/* The arch-neutral kernel, entered once by the boot code with the
 * loader's two registers (see arch_boot_info). */
__noreturn void kmain(uintptr_t arg0, uintptr_t arg1);

/* --- stopping and idling ----------------------------------------------- */

/* Ends the QEMU run with exit status 33 (code 0x10, pass) or 35 (0x11,
 * fail): x86 through isa-debug-exit, arm64 through semihosting. Halts if
 * the machine offers no way out. */
__noreturn void qemu_exit(int code);
__noreturn void arch_reboot(void);
__noreturn void arch_halt(void);
/* Enables interrupts and sleeps until the next one. */
void arch_idle(void);

/* --- expected faults ----------------------------------------------------- */

enum fault_kind {
	FAULT_OTHER,     /* any exception not listed below */
	FAULT_PAGE,      /* translation or permission fault on a data or code access */
	FAULT_UNDEFINED, /* undefined instruction (x86 #UD; arm64 EC 0x00) */
	FAULT_DOUBLE,    /* the exception could not be delivered (x86 #DF after a
			  * stack overflow; arm64 a fault on the exception stack) */
};

/* struct fault_info.access: what a FAULT_PAGE access was. */
#define FAULT_WRITE 0x1u   /* a write (else a read or a fetch) */
#define FAULT_FETCH 0x2u   /* an instruction fetch */
#define FAULT_PRESENT 0x4u /* the page is mapped: permissions refused it */

struct fault_info {
	enum fault_kind kind;
	unsigned access;     /* FAULT_* bits; 0 unless kind is FAULT_PAGE */
	uint64_t vector;     /* raw number: x86 vector; arm64 ESR_EL1.EC */
	uint64_t syndrome;   /* raw detail: x86 error code; arm64 ESR_EL1 */
	uint64_t pc;         /* the faulting instruction */
	uint64_t fault_addr; /* FAULT_PAGE/FAULT_DOUBLE: x86 CR2; arm64 FAR_EL1 */
};

/*
 * Runs fn(arg). If it raises a CPU exception (including a double fault
 * from a stack overflow), the exception is recorded in *fault, execution
 * resumes here and arch_try returns false. Not reentrant.
 */
bool arch_try(void (*fn)(void *), void *arg, struct fault_info *fault);
/* Executes an instruction the CPU does not define (x86 ud2, arm64 udf),
 * for the tests of exception reports. */
void arch_undefined_instruction(void);
/* Calls fn(arg) with the stack pointer switched to stack_top; returns on
 * the old stack. */
void arch_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);

/* Virtual addresses of the unmapped guard pages inside the kernel image
 * (below the boot stack and each exception stack); the VMM leaves them
 * unmapped. */
extern const uintptr_t kernel_guard_pages[];
extern const size_t kernel_guard_page_count;

#endif
