build/k/kernel/arch/pic.c.o: kernel/arch/pic.c include/arch.h \
 include/types.h kernel/arch/cpu.h include/types.h include/hw.h \
 include/irq.h include/printk.h include/spinlock.h
include/arch.h:
include/types.h:
kernel/arch/cpu.h:
include/types.h:
include/hw.h:
include/irq.h:
include/printk.h:
include/spinlock.h:
