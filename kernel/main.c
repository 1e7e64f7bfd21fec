/*
 * kmain: brings the machine up in dependency order, one subsystem per line,
 * then hands the console to the shell. Each step may use everything above
 * it and nothing below it.
 */
#include "arch.h"
#include "bootinfo.h"
#include "console.h"
#include "layout.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "shell.h"
#include "usb.h"

#define MB2_BOOT_MAGIC 0x36d76289u
#define TERN_VERSION "0.1"

void fwcfg_append_cmdline(struct boot_info *bi);

static void add_reserved(struct boot_info *bi, uint64_t base, uint64_t len)
{
	if (bi->reserved_count < BOOT_RESERVED_MAX)
		bi->reserved[bi->reserved_count++] = (struct mem_range){ base, len, MEM_RESERVED };
	else
		panic("boot: too many reserved ranges");
}

static void read_boot_info(uint32_t magic, uint64_t mbi_phys)
{
	const uint32_t *mbi = phys_to_virt(mbi_phys);

	if (magic != MB2_BOOT_MAGIC)
		panic("not started by a Multiboot2 loader (magic 0x%x)", magic);
	if (!bootinfo_parse_at(&boot_info, mbi, mbi_phys, mbi[0]))
		panic("malformed Multiboot2 boot information");
	add_reserved(&boot_info, KERNEL_LMA, (uint64_t)_kernel_end - KERNEL_VMA - KERNEL_LMA);
	fwcfg_append_cmdline(&boot_info);
}

void kmain(uint32_t magic, uint64_t mbi_phys)
{
	serial_init();                       /* COM1 first: every later step can report */
	read_boot_info(magic, mbi_phys);     /* memory map and command line */
	printk_configure(boot_info.cmdline); /* loglevel=, quiet */
	kprintf("Tern " TERN_VERSION " booting (cmdline: %s)\n", boot_info.cmdline);
	gdt_init();                          /* our GDT and the TSS with IST stacks */
	idt_init();                          /* exception reports from here on */
	pic_init();                          /* legacy PIC remapped to vectors 32-47 */
	time_init();                         /* TSC calibrated, 1 kHz tick */
	pmm_init(&boot_info);                /* buddy page allocator */
	vmm_init(&boot_info);                /* kernel page tables: W^X, direct map */
	kmalloc_init();                      /* small objects */
	vga_init();                          /* screen mirror of the console */
	shell_init();                        /* typed input goes to the shell... */
	serial_enable_irq();                 /* ...once the UART interrupts */
	__asm__ volatile("sti");             /* interrupts on */
	usb_init();                          /* USB core, before its drivers probe */
	pci_init();                          /* enumerate and probe: EHCI, then UHCI */
	shell_run();                         /* autorun=, then the prompt */
}
