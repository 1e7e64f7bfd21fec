/*
 * x86-64 CPU services used outside kernel/arch: halting and resetting the
 * machine, idling, and running code that is expected to fault (ktests of
 * W^X and guard pages) with the fault caught instead of fatal.
 */
#ifndef TERN_ARCH_H
#define TERN_ARCH_H

#include "types.h"

/* Writes code to QEMU's isa-debug-exit port (0x10 pass → exit 33, 0x11 fail
 * → 35); halts if no such device is present. */
__noreturn void qemu_exit(int code);
__noreturn void arch_reboot(void);
__noreturn void arch_halt(void);
/* Enables interrupts and sleeps until the next one. */
void arch_idle(void);

/* Boot-time initialisation, called once from kmain() in this order. */
void gdt_init(void);
void idt_init(void);
void pic_init(void);
void time_init(void);

struct fault_info {
	uint64_t vector, error_code, rip, cr2;
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
/* Calls fn(arg) with rsp switched to stack_top; returns on the old stack. */
void arch_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);

/* Virtual addresses of the unmapped guard pages inside the kernel image
 * (below the boot stack and each IST stack); the VMM leaves them unmapped. */
extern const uintptr_t kernel_guard_pages[];
extern const size_t kernel_guard_page_count;

#endif
