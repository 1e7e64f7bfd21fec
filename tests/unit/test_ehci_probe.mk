UNIT_TESTS += test_ehci_probe
test_ehci_probe_SRCS := tests/unit/test_ehci_probe.c \
	$(filter-out tests/unit/test_ehci_driver.c,$(test_ehci_driver_SRCS))
test_ehci_probe_CFLAGS := $(test_ehci_driver_CFLAGS)
