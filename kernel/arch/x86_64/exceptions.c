/*
 * CPU exception reports (Intel SDM vol. 3 §6.15). A fatal exception prints
 * its name, the error code (decoded bit by bit for page faults), every
 * register and a symbolized backtrace, then panics. Exceptions inside
 * arch_try() are reported the same way and then resumed there. A fault
 * raised while a fault is being reported prints "recursive fault" and halts
 * instead of looping.
 *
 * A not-present kernel read or write goes to mm first (vm_handle_fault):
 * a lazy vmalloc page is mapped there and the access retried. A fault mm
 * refuses (inside the allocator or the fault path itself, or out of
 * memory) is explained and then reported like any other.
 */
#include "arch.h"
#include "cpu.h"
#include "fault_report.h"
#include "mm.h"
#include "printk.h"
#include "symbols.h"

#define UD_VECTOR 6
#define DF_VECTOR 8
#define PF_VECTOR 14
/* Page-fault error code bits (Intel SDM Vol. 3A 4.7). */
#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_USER 0x4
#define PF_FETCH 0x10

extern uint64_t try_frame[9];
extern uint64_t try_active;
extern char arch_try_resume[];

static const char *const exception_names[32] = {
	"Divide error", "Debug", "NMI", "Breakpoint", "Overflow",
	"BOUND range exceeded", "Invalid opcode", "Device not available",
	"Double fault", "Coprocessor segment overrun", "Invalid TSS",
	"Segment not present", "Stack-segment fault", "General protection fault",
	"Page fault", "Reserved (15)", "x87 floating-point error", "Alignment check",
	"Machine check", "SIMD floating-point error", "Virtualization exception",
	"Control protection exception", "Reserved (22)", "Reserved (23)",
	"Reserved (24)", "Reserved (25)", "Reserved (26)", "Reserved (27)",
	"Hypervisor injection", "VMM communication", "Security exception",
	"Reserved (31)",
};

static int fault_depth;

/* Walks the live page tables so the backtrace never touches an unmapped
 * address (which would turn a report into a recursive fault). */
static bool is_mapped(uintptr_t va)
{
	uint64_t table = read_cr3() & ~0xfffull;

	for (int level = 3; level >= 0; level--) {
		unsigned idx = (va >> (12 + 9 * level)) & 0x1ff;
		uint64_t entry = ((const uint64_t *)phys_to_virt(table))[idx];

		if (!(entry & 1))
			return false;
		if (level > 0 && level < 3 && (entry & 0x80))
			return true; /* 1 GiB or 2 MiB page */
		table = entry & 0x000ffffffffff000ull;
	}
	return true;
}

static void print_page_fault(const struct regs *r, uint64_t cr2)
{
	uint64_t e = r->error_code;

	kprintf("Page fault at address 0x%016llx: %s, %s, %s mode%s%s%s\n",
		(unsigned long long)cr2,
		(e & 1) ? "protection violation" : "not-present page",
		(e & 16) ? "instruction fetch" : (e & 2) ? "write" : "read",
		(e & 4) ? "user" : "kernel",
		(e & 8) ? ", reserved bit set in a page-table entry" : "",
		(e & 32) ? ", protection key" : "",
		(e & 64) ? ", shadow stack" : "");
	fault_print_address_note(cr2);
}

static void print_registers(const struct regs *r)
{
	kprintf("  RIP=%016llx RSP=%016llx RFLAGS=%016llx CS=%llx SS=%llx\n",
		(unsigned long long)r->rip, (unsigned long long)r->rsp,
		(unsigned long long)r->rflags, (unsigned long long)r->cs,
		(unsigned long long)r->ss);
	kprintf("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		(unsigned long long)r->rax, (unsigned long long)r->rbx,
		(unsigned long long)r->rcx, (unsigned long long)r->rdx);
	kprintf("  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n",
		(unsigned long long)r->rsi, (unsigned long long)r->rdi,
		(unsigned long long)r->rbp, (unsigned long long)r->r8);
	kprintf("  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n",
		(unsigned long long)r->r9, (unsigned long long)r->r10,
		(unsigned long long)r->r11, (unsigned long long)r->r12);
	kprintf("  R13=%016llx R14=%016llx R15=%016llx CR3=%016llx\n",
		(unsigned long long)r->r13, (unsigned long long)r->r14,
		(unsigned long long)r->r15, (unsigned long long)read_cr3());
}

static void report(const struct regs *r, uint64_t cr2)
{
	char sym[96];

	ksym_format(r->rip, sym, sizeof(sym));
	kprintf("\n*** CPU exception %llu: %s (error code 0x%llx) at %s\n",
		(unsigned long long)r->vector, exception_names[r->vector],
		(unsigned long long)r->error_code, sym);
	if (r->vector == PF_VECTOR)
		print_page_fault(r, cr2);
	if (r->vector == DF_VECTOR)
		kprintf("  Double fault: an exception could not be delivered, most "
			"often a kernel stack overflow (CR2=0x%016llx%s)\n",
			(unsigned long long)cr2,
			vmm_is_guard_page(cr2) ? ", a stack guard page" : "");
	print_registers(r);
	fault_print_backtrace(r->rip, r->rbp, is_mapped);
}

/* A not-present kernel read or write may be a lazy vmalloc page: true if
 * mm mapped it and the access can be retried. */
static bool serve_lazy_fault(const struct regs *r, uint64_t cr2)
{
	struct vm_fault_report f;
	if (r->vector != PF_VECTOR || (r->error_code & (PF_PRESENT | PF_USER | PF_FETCH)))
		return false;
	enum vm_fault_result why = vm_handle_fault(cr2, r->rip, &f);
	if (why == VM_FAULT_REENTERED || why == VM_FAULT_OOM)
		fault_print_refusal(why, &f);
	return why == VM_FAULT_MAPPED;
}

/* The arch-neutral description of an exception (include/arch.h). */
static struct fault_info describe(const struct regs *r, uint64_t cr2)
{
	struct fault_info f = { FAULT_OTHER, 0, r->vector, r->error_code, r->rip, 0 };

	if (r->vector == UD_VECTOR)
		f.kind = FAULT_UNDEFINED;
	if (r->vector == DF_VECTOR || r->vector == PF_VECTOR) {
		f.kind = r->vector == PF_VECTOR ? FAULT_PAGE : FAULT_DOUBLE;
		f.fault_addr = cr2;
	}
	if (r->vector == PF_VECTOR)
		f.access = (r->error_code & PF_PRESENT ? FAULT_PRESENT : 0) |
			   (r->error_code & PF_WRITE ? FAULT_WRITE : 0) |
			   (r->error_code & PF_FETCH ? FAULT_FETCH : 0);
	return f;
}

/* Makes the pending iretq land in arch_try_resume with the caller's stack. */
static void resume_in_arch_try(struct regs *r, uint64_t cr2)
{
	*(struct fault_info *)try_frame[8] = describe(r, cr2);
	r->rip = (uint64_t)arch_try_resume;
	r->rsp = try_frame[7];
	r->cs = KERNEL_CS;
	r->ss = KERNEL_DS;
	vm_fault_abandon(); /* the interrupted code will not leave its markers */
}

void exception_dispatch(struct regs *r)
{
	uint64_t cr2 = read_cr2();

	if (fault_depth == 0 && serve_lazy_fault(r, cr2))
		return;
	if (++fault_depth > 1) {
		if (fault_depth == 2)
			kprintf("\n*** recursive fault: %s at 0x%016llx (CR2=0x%016llx) "
				"while reporting an earlier fault; halting\n",
				exception_names[r->vector], (unsigned long long)r->rip,
				(unsigned long long)cr2);
		arch_halt();
	}
	if (r->vector == 2) {
		kprintf("NMI received (RIP=0x%016llx); continuing\n",
			(unsigned long long)r->rip);
		fault_depth--;
		return;
	}
	report(r, cr2);
	if (try_active) {
		kprintf("  (expected by arch_try: execution continues)\n");
		resume_in_arch_try(r, cr2);
		fault_depth--;
		return;
	}
	panic("unhandled CPU exception %llu (%s)", (unsigned long long)r->vector,
	      exception_names[r->vector]);
}
