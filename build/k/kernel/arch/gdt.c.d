build/k/kernel/arch/gdt.c.o: kernel/arch/gdt.c include/arch.h \
 include/types.h kernel/arch/cpu.h include/types.h include/kstring.h
include/arch.h:
include/types.h:
kernel/arch/cpu.h:
include/types.h:
include/kstring.h:
