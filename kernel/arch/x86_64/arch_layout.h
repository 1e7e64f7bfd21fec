/*
 * x86-64 values of the address-space constants in include/layout.h that
 * differ between architectures (found through -Ikernel/arch/$(ARCH)).
 */
#ifndef TERN_ARCH_LAYOUT_H
#define TERN_ARCH_LAYOUT_H

#define KERNEL_LMA 0x100000ull             /* GRUB loads the kernel at 1 MiB */
/* The boot tables (boot.S) map physical [0, this) at DIRECT_MAP_BASE. */
#define BOOT_DIRECT_MAP_BYTES 0x100000000ull
/* The direct map covers physical [0, this) even where there is no RAM:
 * ACPI tables and the multiboot2 information live there. */
#define DIRECT_MAP_FIRMWARE_BYTES 0x100000000ull
/* A device register page any test may map and read: the IOAPIC's. */
#define TEST_MMIO_PHYS 0xfec00000ull

#endif
