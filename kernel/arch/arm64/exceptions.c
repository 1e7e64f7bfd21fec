/*
 * arm64 exception handling (ARM ARM D1.10, ESR_EL1 in D13.2.37). IRQs go
 * to the GIC. A synchronous exception is decoded from its syndrome: the
 * exception class by name and, for aborts, the fault kind (translation,
 * access flag, permission, alignment...), the level, the access (read,
 * write, instruction fetch) and FAR_EL1, like x86's page-fault report;
 * then every register and a symbolized frame-pointer backtrace, and a
 * panic. Inside arch_try() the report is followed by a resume there.
 *
 * A translation fault on a kernel read or write goes to mm first
 * (vm_handle_fault): a lazy vmalloc page is mapped there and the access
 * retried. A fault raised while a fault is being reported halts instead
 * of looping.
 */
#include "arch.h"
#include "arm64.h"
#include "arm64_frame.h"
#include "fault_report.h"
#include "mm.h"
#include "printk.h"
#include "symbols.h"

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define EC_UNKNOWN 0x00
#define EC_IABT_SAME 0x21
#define EC_DABT_SAME 0x25
#define ISS_WNR (1u << 6)      /* data abort: write, not read */
#define ISS_FNV (1u << 10)     /* FAR not valid */
#define FSC(esr) ((esr) & 0x3f)
#define FSC_TRANSLATION 0x04   /* 0b0001LL, LL = level */
#define FSC_ACCESS_FLAG 0x08
#define FSC_PERMISSION 0x0c

extern uint64_t try_frame[14];
extern uint64_t try_active;
extern char arch_try_resume[], semihost_hlt[];

static int fault_depth;

static const char *class_name(unsigned ec)
{
	switch (ec) {
	case 0x00: return "Undefined instruction";
	case 0x01: return "Trapped WFI/WFE";
	case 0x07: return "SIMD/FP access trapped";
	case 0x0e: return "Illegal execution state";
	case 0x15: return "SVC";
	case 0x16: return "HVC";
	case 0x17: return "SMC";
	case 0x18: return "Trapped MSR/MRS";
	case 0x20: case 0x21: return "Instruction abort";
	case 0x22: return "PC alignment fault";
	case 0x24: case 0x25: return "Data abort";
	case 0x26: return "SP alignment fault";
	case 0x2f: return "SError";
	case 0x3c: return "BRK instruction";
	default: return "Unexpected exception class";
	}
}

static const char *fault_status_name(unsigned fsc)
{
	switch (fsc & ~3u) {
	case 0x00: return "address size fault";
	case FSC_TRANSLATION: return "translation fault (not mapped)";
	case FSC_ACCESS_FLAG: return "access flag fault";
	case FSC_PERMISSION: return "permission fault";
	}
	if (fsc == 0x21)
		return "alignment fault";
	if (fsc == 0x10)
		return "synchronous external abort";
	return "other fault";
}

static bool is_abort(uint64_t esr)
{
	return ESR_EC(esr) == EC_DABT_SAME || ESR_EC(esr) == EC_IABT_SAME;
}

static const char *access_name(uint64_t esr)
{
	if (ESR_EC(esr) == EC_IABT_SAME)
		return "instruction fetch";
	return (esr & ISS_WNR) ? "write" : "read";
}

/* Walks the live TTBR1 tables so the backtrace never touches an unmapped
 * address (which would turn a report into a recursive fault). */
static bool is_mapped(uintptr_t va)
{
	uint64_t table;

	__asm__ volatile("mrs %0, ttbr1_el1" : "=r"(table));
	table &= ARM64_DESC_ADDR_MASK;
	for (int level = 0; level <= 3; level++) {
		unsigned idx = (va >> (39 - 9 * level)) & 0x1ff;
		uint64_t entry = ((const uint64_t *)phys_to_virt(table))[idx];

		if (!(entry & 1))
			return false;
		if (level < 3 && !(entry & 2))
			return true; /* 1 GiB or 2 MiB block */
		table = entry & ARM64_DESC_ADDR_MASK;
	}
	return true;
}

static void print_abort(uint64_t esr, uint64_t far)
{
	unsigned fsc = FSC(esr);

	if (esr & ISS_FNV) {
		kprintf("%s: %s, %s, kernel mode (fault address not known)\n",
			class_name(ESR_EC(esr)), fault_status_name(fsc), access_name(esr));
		return;
	}
	kprintf("%s at address 0x%016llx: %s", class_name(ESR_EC(esr)),
		(unsigned long long)far, fault_status_name(fsc));
	if (fsc < 0x10)
		kprintf(" at level %u", fsc & 3);
	kprintf(", %s, kernel mode\n", access_name(esr));
	fault_print_address_note(far);
}

static void print_registers(const struct arm64_regs *r)
{
	for (int i = 0; i < 30; i += 3)
		kprintf("  X%-2d=%016llx X%-2d=%016llx X%-2d=%016llx\n", i,
			(unsigned long long)r->x[i], i + 1, (unsigned long long)r->x[i + 1],
			i + 2, (unsigned long long)r->x[i + 2]);
	kprintf("  X30=%016llx SP =%016llx PC =%016llx\n", (unsigned long long)r->x[30],
		(unsigned long long)r->sp, (unsigned long long)r->pc);
	kprintf("  PSTATE=%08llx ESR=%08llx FAR=%016llx\n", (unsigned long long)r->pstate,
		(unsigned long long)r->esr, (unsigned long long)r->far);
}

static void report(const struct arm64_regs *r)
{
	char sym[96];

	ksym_format(r->pc, sym, sizeof(sym));
	kprintf("\n*** CPU exception: %s (ESR 0x%08llx, class 0x%02llx) at %s\n",
		class_name(ESR_EC(r->esr)), (unsigned long long)r->esr,
		(unsigned long long)ESR_EC(r->esr), sym);
	if (is_abort(r->esr))
		print_abort(r->esr, r->far);
	print_registers(r);
	fault_print_backtrace(r->pc, r->x[29], is_mapped);
}

/* A kernel read or write of an unmapped page may be a lazy vmalloc page:
 * true if mm mapped it and the access can be retried. */
static bool serve_lazy_fault(const struct arm64_regs *r)
{
	struct vm_fault_report f;

	if (ESR_EC(r->esr) != EC_DABT_SAME || (r->esr & ISS_FNV) ||
	    (FSC(r->esr) & ~3u) != FSC_TRANSLATION)
		return false;
	enum vm_fault_result why = vm_handle_fault(r->far, r->pc, &f);
	if (why == VM_FAULT_REENTERED || why == VM_FAULT_OOM)
		fault_print_refusal(why, &f);
	return why == VM_FAULT_MAPPED;
}

/* The arch-neutral description of an exception (include/arch.h). A
 * permission or access-flag fault is on a mapped page. */
static struct fault_info describe(const struct arm64_regs *r)
{
	unsigned ec = ESR_EC(r->esr), fsc = FSC(r->esr) & ~3u;
	struct fault_info f = { FAULT_OTHER, 0, ec, r->esr, r->pc, 0 };

	if (ec == EC_UNKNOWN)
		f.kind = FAULT_UNDEFINED;
	if (is_abort(r->esr)) {
		f.kind = FAULT_PAGE;
		f.fault_addr = r->far;
		f.access = (ec == EC_IABT_SAME ? FAULT_FETCH : 0) |
			   (ec == EC_DABT_SAME && (r->esr & ISS_WNR) ? FAULT_WRITE : 0) |
			   (fsc == FSC_PERMISSION || fsc == FSC_ACCESS_FLAG ? FAULT_PRESENT : 0);
	}
	return f;
}

/* Makes the pending eret land in arch_try_resume with the caller's stack. */
static void resume_in_arch_try(struct arm64_regs *r)
{
	*(struct fault_info *)try_frame[13] = describe(r);
	r->pc = (uint64_t)arch_try_resume;
	r->sp = try_frame[12];
	vm_fault_abandon(); /* the interrupted code will not leave its markers */
}

/* Without -semihosting, qemu_exit's hlt is undefined: step over it. */
static bool skip_semihosting(struct arm64_regs *r)
{
	if (ESR_EC(r->esr) != EC_UNKNOWN || r->pc != (uint64_t)semihost_hlt)
		return false;
	r->pc += 4;
	return true;
}

static void synchronous(struct arm64_regs *r)
{
	if (fault_depth == 0 && (serve_lazy_fault(r) || skip_semihosting(r)))
		return;
	if (++fault_depth > 1) {
		if (fault_depth == 2)
			kprintf("\n*** recursive fault: %s at 0x%016llx (FAR=0x%016llx) "
				"while reporting an earlier fault; halting\n",
				class_name(ESR_EC(r->esr)), (unsigned long long)r->pc,
				(unsigned long long)r->far);
		arch_halt();
	}
	report(r);
	if (try_active) {
		kprintf("  (expected by arch_try: execution continues)\n");
		resume_in_arch_try(r);
		fault_depth--;
		return;
	}
	panic("unhandled CPU exception: %s", class_name(ESR_EC(r->esr)));
}

void arm64_exception(unsigned long kind, struct arm64_regs *r)
{
	switch (kind) {
	case KIND_SYNC:
		synchronous(r);
		return;
	case KIND_IRQ:
		arm64_gic_handle();
		return;
	case KIND_SYNC_NESTED:
		fault_depth = 1; /* a fault inside a handler is always recursive */
		synchronous(r);
		return;
	default:
		kprintf("\n*** unexpected exception entry %lu (ESR 0x%08llx) at 0x%016llx; halting\n",
			kind, (unsigned long long)r->esr, (unsigned long long)r->pc);
		arch_halt();
	}
}
