FUZZERS += fuzz_ehci_qtd
fuzz_ehci_qtd_SRCS := tests/fuzz/fuzz_ehci_qtd.c usb/ehci/ehci_qtd.c
