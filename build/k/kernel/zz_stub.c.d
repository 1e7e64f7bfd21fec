build/k/kernel/zz_stub.c.o: kernel/zz_stub.c include/types.h \
 include/kstring.h include/types.h include/printk.h include/console.h \
 include/bootinfo.h include/mm.h include/bootinfo.h include/layout.h \
 include/shell.h include/arch.h include/spinlock.h
include/types.h:
include/kstring.h:
include/types.h:
include/printk.h:
include/console.h:
include/bootinfo.h:
include/mm.h:
include/bootinfo.h:
include/layout.h:
include/shell.h:
include/arch.h:
include/spinlock.h:
