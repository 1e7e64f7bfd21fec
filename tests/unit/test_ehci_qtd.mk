UNIT_TESTS += test_ehci_qtd
test_ehci_qtd_SRCS := tests/unit/test_ehci_qtd.c tests/unit/harness.c \
	usb/ehci/ehci_qtd.c
