build/k/kernel/arch/idt.c.o: kernel/arch/idt.c include/arch.h \
 include/types.h kernel/arch/cpu.h include/types.h
include/arch.h:
include/types.h:
kernel/arch/cpu.h:
include/types.h:
