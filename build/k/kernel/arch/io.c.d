build/k/kernel/arch/io.c.o: kernel/arch/io.c include/arch.h \
 include/types.h include/hw.h include/spinlock.h
include/arch.h:
include/types.h:
include/hw.h:
include/spinlock.h:
