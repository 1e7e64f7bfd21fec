/*
 * The arm64 boot steps kmain() calls (include/arch.h), on QEMU virt: the
 * machine is whatever the device tree (fdt_bootinfo.c) describes. Until
 * the VMM runs, the UART and the GIC are reached at their physical
 * addresses through boot.S's identity map; arch_devices_init() ioremaps
 * them and then drops the identity map, so the lower half (NULL included)
 * faults from there on.
 */
#include "arch.h"
#include "arch/fdt_platform.h"
#include "arm64.h"
#include "bootinfo.h"
#include "layout.h"
#include "mm.h"
#include "printk.h"

#define VIRT_RAM_BASE 0x40000000ull /* where an ELF's device tree lies (x0 = 0) */

void arch_boot_info(struct boot_info *bi, uintptr_t dtb, uintptr_t unused)
{
	if (!dtb)
		dtb = VIRT_RAM_BASE;
	if (dtb < VIRT_RAM_BASE || dtb >= BOOT_DIRECT_MAP_BYTES)
		panic("boot: device tree at 0x%llx, outside the first GiB of RAM",
		      (unsigned long long)dtb);
	if (!fdt_bootinfo_parse(phys_to_virt(dtb), dtb, BOOT_DIRECT_MAP_BYTES - dtb, bi,
				&fdt_platform))
		panic("boot: no usable device tree at 0x%llx", (unsigned long long)dtb);
	if (!bootinfo_add_reserved(bi, KERNEL_LMA, (uint64_t)_kernel_end - KERNEL_VMA - KERNEL_LMA,
				   "kernel image"))
		panic("boot: no room to reserve the kernel image");
}

void arch_boot_info_print(void) { fdt_platform_print(&fdt_platform); }

/* boot.S installed the vectors before the first C instruction. */
void arch_cpu_init(void) {}

void arch_irq_init(void)
{
	if (!arm64_gic_init(&fdt_platform.gic))
		panic("irq: no usable GIC");
}

void arch_time_init(void) { arm64_timer_init(fdt_platform.timer.intid[FDT_TIMER_VIRT]); }

void arch_devices_init(void)
{
	const struct fdt_platform *p = &fdt_platform;

	if (!arm64_gic_move(&p->gic) ||
	    !arm64_serial_move(p->uart.regs.base, p->uart.intid))
		panic("boot: cannot map the GIC or the UART");
	arm64_drop_identity_map();
}
