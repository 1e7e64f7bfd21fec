build/k/kernel/console.c.o: kernel/console.c include/console.h \
 include/types.h include/spinlock.h
include/console.h:
include/types.h:
include/spinlock.h:
