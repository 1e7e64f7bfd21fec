/*
 * The kernel's GDT and TSS (Intel SDM vol. 3 §3.4.5 segment descriptors,
 * §7.7 64-bit TSS). Long mode ignores segment bases and limits; the GDT
 * exists for the code/data selectors and the TSS, whose interrupt stack
 * table gives double faults and NMIs a known-good stack of their own so a
 * kernel stack overflow still produces a report.
 */
#include "arch.h"
#include "cpu.h"
#include "kstring.h"

/* SDM §7.7, Figure 7-11. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "SDM 7.7: 64-bit TSS is 104 bytes");

extern char ist_df_top[], ist_nmi_top[];

static struct tss64 tss;
static uint64_t gdt[5];

static void set_tss_descriptor(uint64_t *slot, const struct tss64 *t)
{
	uint64_t base = (uint64_t)t, limit = sizeof(*t) - 1;

	/* SDM §7.2.3: a 16-byte system descriptor, type 9 = available TSS. */
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

	memset(&tss, 0, sizeof(tss));
	tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)ist_df_top;
	tss.ist[IST_NMI - 1] = (uint64_t)ist_nmi_top;
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* KERNEL_CS: 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* KERNEL_DS */
	set_tss_descriptor(&gdt[3], &tss);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(TSS_SEL)
			 : "rax", "memory");
}
