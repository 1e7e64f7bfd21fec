build/k/kernel/arch/isr.S.o: kernel/arch/isr.S
