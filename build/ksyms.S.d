build/ksyms.S.o: build/ksyms.S
