build/ksyms0.S.o: build/ksyms0.S
