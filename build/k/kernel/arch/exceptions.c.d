build/k/kernel/arch/exceptions.c.o: kernel/arch/exceptions.c \
 include/arch.h include/types.h kernel/arch/cpu.h include/types.h \
 include/layout.h include/mm.h include/bootinfo.h include/layout.h \
 include/printk.h include/symbols.h
include/arch.h:
include/types.h:
kernel/arch/cpu.h:
include/types.h:
include/layout.h:
include/mm.h:
include/bootinfo.h:
include/layout.h:
include/printk.h:
include/symbols.h:
