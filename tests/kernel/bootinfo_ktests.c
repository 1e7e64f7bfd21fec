/*
 * In-kernel test of the boot information of the machine Tern runs on.
 */
#include "bootinfo.h"
#include "ktest.h"
#include "layout.h"

/* The parsed information of the running machine is plausible: the loader
 * gave a memory map with real RAM where the kernel was loaded, and the
 * block itself is reserved. */
KTEST(bootinfo_describes_this_machine)
{
	const struct boot_info *bi = &boot_info;

	KT_ASSERT(bi->mmap_count > 0);
	KT_ASSERT(bootinfo_usable_bytes(bi) >= 16 * MiB);
	KT_ASSERT(bi->reserved_count > 0 && bi->reserved[0].len >= 16);
	bool kernel_in_ram = false;
	for (unsigned i = 0; i < bi->mmap_count; i++)
		kernel_in_ram |= bi->mmap[i].type == MEM_USABLE && bi->mmap[i].base <= KERNEL_LMA &&
				 KERNEL_LMA - bi->mmap[i].base < bi->mmap[i].len;
	KT_ASSERT(kernel_in_ram);
	return NULL;
}
