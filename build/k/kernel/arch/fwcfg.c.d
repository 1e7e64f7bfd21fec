build/k/kernel/arch/fwcfg.c.o: kernel/arch/fwcfg.c include/bootinfo.h \
 include/types.h include/hw.h include/kstring.h include/printk.h
include/bootinfo.h:
include/types.h:
include/hw.h:
include/kstring.h:
include/printk.h:
