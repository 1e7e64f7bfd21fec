/*
 * kmain: brings the machine up in dependency order, one subsystem per line,
 * then hands the console to the shell. Each step may use everything above
 * it and nothing below it. The arch_* steps are the architecture's
 * (include/arch.h); everything else is the same on every machine.
 */
#include "arch.h"
#include "bootinfo.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "shell.h"
#include "usb.h"

#define TERN_VERSION "0.1"

void kmain(uintptr_t arg0, uintptr_t arg1)
{
	arch_console_init();                 /* the boot UART: every later step can report */
	arch_boot_info(&boot_info, arg0, arg1); /* memory map, reserved ranges, command line */
	printk_configure(boot_info.cmdline); /* loglevel=, quiet */
	kprintf("Tern " TERN_VERSION " booting (cmdline: %s)\n", boot_info.cmdline);
	arch_cpu_init();                     /* exception reports from here on */
	arch_irq_init();                     /* interrupt controller, all lines masked */
	arch_time_init();                    /* clock calibrated, 1 kHz tick */
	pmm_init(&boot_info);                /* buddy page allocator */
	vmm_init(&boot_info);                /* kernel page tables: W^X, direct map */
	kmalloc_init();                      /* small objects */
	arch_devices_init();                 /* machine devices that need kmalloc (VGA) */
	shell_init();                        /* typed input goes to the shell... */
	arch_console_irq_enable();           /* ...once the UART interrupts */
	arch_irq_enable();                   /* interrupts on */
	usb_init();                          /* USB core, before its drivers probe */
	pci_init();                          /* enumerate and probe: EHCI, then UHCI */
	shell_run();                         /* autorun=, then the prompt */
}
