/*
 * The IDT (Intel SDM vol. 3 §6.14.1, 64-bit interrupt gates) for the 32
 * exceptions and the 16 legacy PIC lines, and the single C entry point the
 * stubs in isr.S call.
 */
#include "arch.h"
#include "cpu.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "SDM 6.14.1: IDT gate is 16 bytes");

#define IDT_VECTORS 48
extern const uint64_t isr_stub_table[IDT_VECTORS];
static struct idt_gate idt[256];

static void set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.offset_low = handler & 0xffff,
		.selector = KERNEL_CS,
		.ist = ist,
		.type_attr = 0x8e,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_high = handler >> 32,
	};
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed ptr = { sizeof(idt) - 1, (uint64_t)idt };

	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(v, isr_stub_table[v], 0);
	set_gate(8, isr_stub_table[8], IST_DOUBLE_FAULT);
	set_gate(2, isr_stub_table[2], IST_NMI);
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void isr_dispatch(struct regs *r)
{
	if (r->vector < IRQ_VECTOR_BASE)
		exception_dispatch(r);
	else
		irq_dispatch((unsigned)(r->vector - IRQ_VECTOR_BASE));
}
