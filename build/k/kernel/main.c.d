build/k/kernel/main.c.o: kernel/main.c include/arch.h include/types.h \
 include/bootinfo.h include/console.h include/layout.h include/mm.h \
 include/bootinfo.h include/layout.h include/printk.h include/shell.h
include/arch.h:
include/types.h:
include/bootinfo.h:
include/console.h:
include/layout.h:
include/mm.h:
include/bootinfo.h:
include/layout.h:
include/printk.h:
include/shell.h:
