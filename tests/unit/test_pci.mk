UNIT_TESTS += test_pci
test_pci_SRCS := tests/unit/test_pci.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_pci.c \
	kernel/lib/format.c kernel/pci.c kernel/pci_assign.c kernel/pci_names.c kernel/arch/x86_64/pci_cfg.c
test_pci_CFLAGS := -Itests/unit/seams
