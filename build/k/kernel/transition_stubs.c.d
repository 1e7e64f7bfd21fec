build/k/kernel/transition_stubs.c.o: kernel/transition_stubs.c \
 include/types.h include/kstring.h include/types.h include/printk.h \
 include/console.h include/bootinfo.h include/mm.h include/bootinfo.h \
 include/layout.h include/shell.h include/arch.h include/spinlock.h
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
