/*
 * The register frame vectors.S saves on exception entry and the kinds of
 * entry it reports, shared between the assembly and the C handlers.
 */
#ifndef TERN_ARM64_FRAME_H
#define TERN_ARM64_FRAME_H

#define KIND_SYNC 0
#define KIND_IRQ 1
#define KIND_FIQ 2
#define KIND_SERROR 3
#define KIND_SYNC_NESTED 4
#define KIND_IRQ_NESTED 5
#define KIND_FIQ_NESTED 6
#define KIND_SERROR_NESTED 7
#define KIND_LOWER_EL 8

#define FRAME_X30 (30 * 8)
#define FRAME_PC (32 * 8)
#define FRAME_ESR (34 * 8)
#define FRAME_SIZE (36 * 8)

#ifndef __ASSEMBLER__
#include "types.h"

struct arm64_regs {
	uint64_t x[31];
	uint64_t sp;             /* SP_EL0: the interrupted kernel stack */
	uint64_t pc, pstate;     /* ELR_EL1, SPSR_EL1 */
	uint64_t esr, far;
};
_Static_assert(sizeof(struct arm64_regs) == FRAME_SIZE, "vectors.S frame layout");

void arm64_exception(unsigned long kind, struct arm64_regs *r);
#endif

#endif
