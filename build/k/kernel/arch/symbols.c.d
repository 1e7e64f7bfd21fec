build/k/kernel/arch/symbols.c.o: kernel/arch/symbols.c include/kstring.h \
 include/types.h include/layout.h include/symbols.h
include/kstring.h:
include/types.h:
include/layout.h:
include/symbols.h:
