build/k/kernel/arch/boot.S.o: kernel/arch/boot.S include/layout.h
include/layout.h:
