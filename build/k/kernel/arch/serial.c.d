build/k/kernel/arch/serial.c.o: kernel/arch/serial.c include/console.h \
 include/types.h include/hw.h include/irq.h include/shell.h
include/console.h:
include/types.h:
include/hw.h:
include/irq.h:
include/shell.h:
