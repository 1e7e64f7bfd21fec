/*
 * Host tests for kernel/pci.c and kernel/pci_names.c against a fake
 * configuration space: enumeration through multifunction devices and
 * bridges, BAR sizing (with decoding off), driver binding in `order`, and
 * the Linux `lspci -nn` line format (expected strings checked against
 * pciutils 3.9 `lspci -nn -F` on the same config bytes).
 */
#include <string.h>

#include "fake_pci.h"
#include "harness.h"
#include "pci.h"
#include "seams.h"
#include "shell.h"

static char probe_log[64];

static void log_probe(char tag)
{
	size_t n = strlen(probe_log);
	if (n + 1 < sizeof(probe_log)) {
		probe_log[n] = tag;
		probe_log[n + 1] = 0;
	}
}

static int probe_uhci(struct pci_dev *d) { log_probe('U'); return 0; }
static int probe_ehci(struct pci_dev *d) { log_probe('E'); return 0; }
static int probe_broken(struct pci_dev *d) { log_probe('B'); return -5; }

PCI_DRIVER(test_uhci, .name = "test-uhci", .class_code = 0x0c, .subclass = 0x03,
	   .prog_if = 0x00, .order = 10, .probe = probe_uhci);
PCI_DRIVER(test_ehci, .name = "test-ehci", .class_code = 0x0c, .subclass = 0x03,
	   .prog_if = 0x20, .order = 0, .probe = probe_ehci);
PCI_DRIVER(test_broken, .name = "test-broken", .class_code = 0x02, .subclass = 0x00,
	   .prog_if = -1, .order = 5, .probe = probe_broken);

static uint8_t *add_fn(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device,
		       uint32_t class_rev, uint8_t header)
{
	return fake_pci_identify(fake_pci_add(bus, dev, fn), vendor, device, class_rev, header);
}

/* A q35-like machine: host bridge, ICH9 USB at 1d (multifunction, with a
 * hole at function 3), a single-function NIC whose function 1 would answer
 * if scanned, and a bridge to bus 2. */
static void build_machine(void)
{
	fake_pci_reset();
	add_fn(0, 0, 0, 0x8086, 0x29c0, 0x06000000, 0);
	uint8_t *nic = add_fn(0, 2, 0, 0x8086, 0x100e, 0x02000003, 0);
	fake_pci_bar(nic, 0, 128 * 1024, 0, 0xfebc0000);
	fake_pci_bar(nic, 1, 64, 1, 0xc000);
	add_fn(0, 2, 1, 0x8086, 0x100e, 0x02000003, 0); /* ghost: fn 0 is single */
	uint8_t *uhci = add_fn(0, 0x1d, 0, 0x8086, 0x2934, 0x0c030003, 0x80);
	fake_pci_bar(uhci, 4, 32, 1, 0xc0e0);
	uhci[0x3C] = 11;
	uhci[0x3D] = 1;
	fake_pci_put16(uhci, 4, 0x0007);
	add_fn(0, 0x1d, 1, 0x8086, 0x2935, 0x0c030003, 0);
	uint8_t *ehci = add_fn(0, 0x1d, 7, 0x8086, 0x293a, 0x0c032003, 0);
	fake_pci_bar(ehci, 0, 4096, 0, 0xfebd1000);
	uint8_t *bridge = add_fn(0, 0x1e, 0, 0x1b36, 0x0001, 0x06040000, 0x01);
	bridge[0x19] = 2;
	uint8_t *xhci = add_fn(2, 3, 0, 0x1b36, 0x000d, 0x0c033001, 0);
	fake_pci_bar(xhci, 0, 16ull << 20, 4 | 8, 0x800000000ull);
	fake_pci_put16(xhci, 4, 0x0006);
	probe_log[0] = 0;
	seam_log_clear();
	pci_init();
}

TEST(enumerates_functions_in_bdf_order)
{
	build_machine();
	CHECK_EQ(pci_device_count(), 7);
	const uint32_t expect[] = { 0x0000, 0x0010, 0x00e8, 0x00e9, 0x00ef, 0x00f0, 0x0218 };
	for (size_t i = 0; i < ARRAY_SIZE(expect) && i < pci_device_count(); i++) {
		struct pci_dev *d = pci_device_at(i);
		CHECK_EQ((uint32_t)d->bus << 8 | d->dev << 3 | d->fn, expect[i]);
	}
	CHECK(pci_device_at(7) == NULL);
	CHECK(fake_pci_find(0, 2, 1) == NULL);
}

TEST(reads_ids_class_and_interrupt)
{
	build_machine();
	struct pci_dev *d = fake_pci_find(0, 0x1d, 0);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK_EQ(d->vendor, 0x8086);
	CHECK_EQ(d->device, 0x2934);
	CHECK_EQ(d->class_code, 0x0c);
	CHECK_EQ(d->subclass, 0x03);
	CHECK_EQ(d->prog_if, 0x00);
	CHECK_EQ(d->revision, 3);
	CHECK_EQ(d->irq_line, 11);
	CHECK_EQ(d->irq_pin, 1);
}

TEST(decodes_io_and_32bit_memory_bars)
{
	build_machine();
	struct pci_dev *nic = fake_pci_find(0, 2, 0);
	CHECK(nic != NULL);
	if (!nic)
		return;
	CHECK(!nic->bar[0].is_io);
	CHECK(!nic->bar[0].is_64);
	CHECK(!nic->bar[0].prefetchable);
	CHECK_EQ(nic->bar[0].base, 0xfebc0000);
	CHECK_EQ(nic->bar[0].size, 128 * 1024);
	CHECK(nic->bar[1].is_io);
	CHECK_EQ(nic->bar[1].base, 0xc000);
	CHECK_EQ(nic->bar[1].size, 64);
	for (int i = 2; i < 6; i++)
		CHECK_EQ(nic->bar[i].size, 0);
	struct pci_dev *uhci = fake_pci_find(0, 0x1d, 0);
	CHECK_EQ(uhci->bar[4].base, 0xc0e0);
	CHECK_EQ(uhci->bar[4].size, 32);
	/* Sizing put the original values back. */
	CHECK_EQ(pci_read32(uhci, 0x20), 0xc0e1);
	CHECK_EQ(pci_read16(uhci, PCI_COMMAND), 0x0007);
}

TEST(decodes_64bit_prefetchable_bar_across_two_slots)
{
	build_machine();
	struct pci_dev *x = fake_pci_find(2, 3, 0);
	CHECK(x != NULL);
	if (!x)
		return;
	CHECK(x->bar[0].is_64);
	CHECK(x->bar[0].prefetchable);
	CHECK_EQ(x->bar[0].base, 0x800000000ull);
	CHECK_EQ(x->bar[0].size, 16ull << 20);
	CHECK_EQ(x->bar[1].size, 0); /* the high half is not a BAR of its own */
	CHECK_EQ(pci_read32(x, 0x14), 0x8);
}

TEST(sizes_bars_with_decoding_disabled)
{
	build_machine();
	CHECK_EQ(fake_pci_bar_writes_while_decoding, 0);
}

TEST(probes_in_order_and_reports_failures)
{
	build_machine();
	/* EHCI (order 0) before the broken NIC driver (5) before UHCI (10). */
	CHECK(strcmp(probe_log, "EBUU") == 0);
	CHECK(fake_pci_find(0, 0x1d, 7)->driver != NULL);
	CHECK(strcmp(fake_pci_find(0, 0x1d, 0)->driver->name, "test-uhci") == 0);
	CHECK(fake_pci_find(0, 2, 0)->driver == NULL);
	CHECK(seam_log_contains("00:02.0: test-broken probe failed (-5)"));
	CHECK(fake_pci_find(2, 3, 0)->driver == NULL); /* prog-if 30 matches neither */
}

TEST(narrow_writes_keep_neighbouring_bytes)
{
	build_machine();
	struct pci_dev *d = fake_pci_find(0, 0x1d, 0);
	pci_write8(d, 0x3C, 5);
	CHECK_EQ(pci_read8(d, 0x3C), 5);
	CHECK_EQ(pci_read8(d, 0x3D), 1);
	pci_write16(d, 0xC2, 0xBEEF);
	pci_write16(d, 0xC0, 0x8F00);
	CHECK_EQ(pci_read32(d, 0xC0), 0xBEEF8F00u);
	pci_enable_bus_master(fake_pci_find(2, 3, 0));
	CHECK_EQ(pci_read16(fake_pci_find(2, 3, 0), PCI_COMMAND), 0x0006);
	pci_write16(d, PCI_COMMAND, 0x0001);
	pci_enable_bus_master(d);
	CHECK_EQ(pci_read16(d, PCI_COMMAND), 0x0005);
}

static const char *line_of(uint16_t vendor, uint16_t device, uint32_t class_rev)
{
	static char buf[160];
	struct pci_dev d = { .bus = 0, .dev = 0x1d, .fn = 0, .vendor = vendor, .device = device,
			     .revision = (uint8_t)class_rev, .prog_if = (uint8_t)(class_rev >> 8),
			     .subclass = (uint8_t)(class_rev >> 16),
			     .class_code = (uint8_t)(class_rev >> 24) };
	int n = pci_format_lspci(&d, buf, sizeof(buf));
	CHECK_EQ(n, strlen(buf));
	return buf;
}

TEST(lspci_lines_match_linux_lspci_nn)
{
	CHECK(strcmp(line_of(0x8086, 0x2934, 0x0c030003),
		     "00:1d.0 USB controller [0c03]: Intel Corporation 82801I (ICH9 Family) "
		     "USB UHCI Controller #1 [8086:2934] (rev 03)") == 0);
	/* Unknown vendor, revision 0: no "(rev 00)". */
	CHECK(strcmp(line_of(0x1234, 0x1111, 0x03000000),
		     "00:1d.0 VGA compatible controller [0300]: Device [1234:1111]") == 0);
	/* Known vendor, unknown device; known class, unknown subclass. */
	CHECK(strcmp(line_of(0x8086, 0xffff, 0x0c800005),
		     "00:1d.0 Serial bus controller [0c80]: Intel Corporation Device "
		     "[8086:ffff] (rev 05)") == 0);
	/* Unknown class. */
	CHECK(strcmp(line_of(0xab34, 0x1111, 0x20770005),
		     "00:1d.0 Class [2077]: Device [ab34:1111] (rev 05)") == 0);
	CHECK(strcmp(line_of(0x8086, 0x7020, 0x0c030001),
		     "00:1d.0 USB controller [0c03]: Intel Corporation 82371SB PIIX3 USB "
		     "[Natoma/Triton II] [8086:7020] (rev 01)") == 0);
}

TEST(lspci_line_truncates_safely)
{
	struct pci_dev d = { .dev = 0x1d, .vendor = 0x8086, .device = 0x2934, .revision = 3,
			     .class_code = 0x0c, .subclass = 0x03 };
	char small[20];
	memset(small, 'x', sizeof(small));
	int n = pci_format_lspci(&d, small, sizeof(small));
	CHECK_EQ(n, 113); /* strlen of the full line */
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK(strncmp(small, "00:1d.0 USB control", 19) == 0);
}

extern const struct shell_cmd __start_shell_cmds[] __attribute__((weak));
extern const struct shell_cmd __stop_shell_cmds[] __attribute__((weak));

static int run_lspci(int argc, char **argv)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, "lspci") == 0)
			return c->fn(argc, argv);
	return -100;
}

TEST(lspci_verbose_shows_bars_irq_and_driver)
{
	build_machine();
	seam_log_clear();
	char *argv[] = { "lspci", "-v" };
	CHECK_EQ(run_lspci(2, argv), 0);
	CHECK(seam_log_contains("00:02.0 Ethernet controller [0200]: Intel Corporation 82540EM "
				"Gigabit Ethernet Controller [8086:100e] (rev 03)\n"));
	CHECK(seam_log_contains("\tBAR0: Memory at febc0000 (32-bit, non-prefetchable) "
				"[size=128K]\n\tBAR1: I/O ports at c000 [size=64]\n"));
	CHECK(seam_log_contains("\tBAR0: Memory at 800000000 (64-bit, prefetchable) [size=16M]\n"));
	CHECK(seam_log_contains("\tprog-if 00, IRQ line 11 pin A, driver test-uhci\n"));
	char *bad[] = { "lspci", "-x" };
	CHECK_EQ(run_lspci(2, bad), 1);
	CHECK(seam_log_contains("usage: lspci [-v]"));
}
