/*
 * The x86-64 boot steps behind include/arch.h that are not one driver's
 * own init: reading the multiboot2 information GRUB hands over, the CPU
 * tables, the console fan-out to COM1 and VGA, enabling interrupts, and
 * the PCI host (firmware assigned it).
 */
#include "arch.h"
#include "arch/pci_config.h"
#include "bootinfo.h"
#include "multiboot.h"
#include "cpu.h"
#include "layout.h"
#include "mm.h"
#include "printk.h"

#define MB2_BOOT_MAGIC 0x36d76289u

/* arg0: the multiboot2 magic (EAX at entry); arg1: the information's
 * physical address (EBX), mapped by the boot tables. */
void arch_boot_info(struct boot_info *bi, uintptr_t arg0, uintptr_t arg1)
{
	const uint32_t *mbi = phys_to_virt(arg1);

	if (arg0 != MB2_BOOT_MAGIC)
		panic("not started by a Multiboot2 loader (magic 0x%llx)", (unsigned long long)arg0);
	if (!multiboot_parse_at(bi, mbi, arg1, mbi[0]))
		panic("malformed Multiboot2 boot information");
	if (!bootinfo_add_reserved(bi, KERNEL_LMA, (uint64_t)_kernel_end - KERNEL_VMA - KERNEL_LMA,
				   "kernel image"))
		panic("boot: no room to reserve the kernel image");
	fwcfg_append_cmdline(bi);
}

/* Multiboot2 tells nothing that struct boot_info does not hold. */
void arch_boot_info_print(void) {}

void arch_cpu_init(void)
{
	gdt_init(); /* our GDT and the TSS with IST stacks */
	idt_init(); /* exception reports from here on */
}

void arch_devices_init(void) { vga_init(); }

void arch_console_write(const char *s, size_t n)
{
	serial_write(s, n);
	vga_write(s, n);
}

void arch_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }

/* SeaBIOS assigns every BAR and interrupt line before the kernel starts,
 * so kernel/pci.c only reads them. */
bool pci_host_needs_assignment(struct pci_host *host) { return false; }
