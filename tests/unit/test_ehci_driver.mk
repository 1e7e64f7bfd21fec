UNIT_TESTS += test_ehci_driver
test_ehci_driver_SRCS := tests/unit/test_ehci_driver.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_ehci.c tests/unit/seams/fake_kmalloc.c \
	tests/unit/seams/fake_dma_source.c kernel/lib/spinlock.c dma/pool.c dma/alloc.c dma/region_table.c dma/report.c \
	usb/bench_latency.c usb/descriptors.c kernel/lib/format.c $(wildcard usb/ehci/*.c)
test_ehci_driver_CFLAGS := -Itests/unit/seams
