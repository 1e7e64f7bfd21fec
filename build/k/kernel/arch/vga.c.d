build/k/kernel/arch/vga.c.o: kernel/arch/vga.c include/console.h \
 include/types.h include/hw.h include/mm.h include/bootinfo.h \
 include/layout.h
include/console.h:
include/types.h:
include/hw.h:
include/mm.h:
include/bootinfo.h:
include/layout.h:
