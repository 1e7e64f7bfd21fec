/*
 * The arch-neutral parts of a CPU fault report (kernel/fault_report.c):
 * what the faulting address means to mm (a vmap range, a guard page,
 * NULL), why mm refused to serve a lazy fault, and the backtrace. Each
 * architecture's exception handler prints its own decoding first, then
 * these.
 */
#ifndef TERN_FAULT_REPORT_H
#define TERN_FAULT_REPORT_H

#include "mm.h"

/* Notes under the fault line: NULL dereference, stack guard page, which
 * vmap range the address is in. */
void fault_print_address_note(uintptr_t addr);
/* Explains a lazy fault mm refused (VM_FAULT_REENTERED or VM_FAULT_OOM). */
void fault_print_refusal(enum vm_fault_result why, const struct vm_fault_report *f);
/* "Backtrace:" and one symbolized line per frame from pc and the frame
 * pointer fp, reading only frame records for which is_mapped (a walk of
 * the live page tables) says yes, so a report never faults itself. */
void fault_print_backtrace(uint64_t pc, uint64_t fp, bool (*is_mapped)(uintptr_t va));

#endif
