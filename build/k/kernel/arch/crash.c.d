build/k/kernel/arch/crash.c.o: kernel/arch/crash.c include/kstring.h \
 include/types.h include/layout.h include/printk.h include/shell.h
include/kstring.h:
include/types.h:
include/layout.h:
include/printk.h:
include/shell.h:
