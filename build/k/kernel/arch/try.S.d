build/k/kernel/arch/try.S.o: kernel/arch/try.S
