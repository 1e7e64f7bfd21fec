build/k/kernel/arch/time.c.o: kernel/arch/time.c include/arch.h \
 include/types.h kernel/arch/cpu.h include/types.h include/hw.h \
 include/irq.h include/ktime.h include/printk.h
include/arch.h:
include/types.h:
kernel/arch/cpu.h:
include/types.h:
include/hw.h:
include/irq.h:
include/ktime.h:
include/printk.h:
