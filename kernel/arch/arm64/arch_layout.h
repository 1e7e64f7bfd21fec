/*
 * arm64 values of the address-space constants in include/layout.h that
 * differ between architectures (found through -Ikernel/arch/$(ARCH)).
 * QEMU virt's RAM starts at 1 GiB; the -kernel loader puts the ELF 2 MiB
 * in, after the device tree at the start of RAM.
 */
#ifndef TERN_ARCH_LAYOUT_H
#define TERN_ARCH_LAYOUT_H

#define KERNEL_LMA 0x40200000ull
/* The boot tables (boot.S) map physical [0, this) at DIRECT_MAP_BASE, of
 * which only the first GiB of RAM, [1 GiB, 2 GiB), is there. */
#define BOOT_DIRECT_MAP_BYTES 0x80000000ull
/* Nothing but RAM goes in the direct map: below RAM are devices, which
 * must be Device memory (ioremap), never Normal. */
#define DIRECT_MAP_FIRMWARE_BYTES 0ull
/* A device register page any test may map and read: the GIC distributor's
 * (QEMU virt). */
#define TEST_MMIO_PHYS 0x08000000ull

#endif
