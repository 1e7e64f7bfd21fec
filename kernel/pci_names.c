/*
 * Names for `lspci`: a small excerpt of the PCI ID database (pci.ids, as
 * shipped with pciutils) covering the devices of QEMU's pc and q35 machines
 * and the USB controllers Tern drives, and the line format of Linux
 * `lspci -nn`. Anything not in the tables prints the way lspci prints an
 * unknown ID ("Device [1234:1111]"); QEMU's VGA vendor 1234 is deliberately
 * absent because pci.ids does not list it either.
 */
#include "kstring.h"
#include "pci.h"
#include "printk.h"
#include "shell.h"

/* Vendor, class and subclass names. A subclass is keyed by
 * class << 8 | subclass, as lspci -nn prints it. */
enum pci_name_kind { PCI_VENDOR, PCI_CLASS, PCI_SUBCLASS };

struct pci_name {
	enum pci_name_kind kind;
	uint16_t id;
	const char *name;
};

static const struct pci_name names[] = {
	{ PCI_VENDOR, 0x1013, "Cirrus Logic" },
	{ PCI_VENDOR, 0x1af4, "Red Hat, Inc." },
	{ PCI_VENDOR, 0x1b36, "Red Hat, Inc." },
	{ PCI_VENDOR, 0x8086, "Intel Corporation" },
	{ PCI_CLASS, 0x00, "Unclassified device" },
	{ PCI_SUBCLASS, 0x0000, "Non-VGA unclassified device" },
	{ PCI_CLASS, 0x01, "Mass storage controller" },
	{ PCI_SUBCLASS, 0x0100, "SCSI storage controller" },
	{ PCI_SUBCLASS, 0x0101, "IDE interface" },
	{ PCI_SUBCLASS, 0x0106, "SATA controller" },
	{ PCI_SUBCLASS, 0x0108, "Non-Volatile memory controller" },
	{ PCI_CLASS, 0x02, "Network controller" },
	{ PCI_SUBCLASS, 0x0200, "Ethernet controller" },
	{ PCI_CLASS, 0x03, "Display controller" },
	{ PCI_SUBCLASS, 0x0300, "VGA compatible controller" },
	{ PCI_CLASS, 0x04, "Multimedia controller" },
	{ PCI_SUBCLASS, 0x0401, "Multimedia audio controller" },
	{ PCI_SUBCLASS, 0x0403, "Audio device" },
	{ PCI_CLASS, 0x05, "Memory controller" },
	{ PCI_CLASS, 0x06, "Bridge" },
	{ PCI_SUBCLASS, 0x0600, "Host bridge" },
	{ PCI_SUBCLASS, 0x0601, "ISA bridge" },
	{ PCI_SUBCLASS, 0x0604, "PCI bridge" },
	{ PCI_SUBCLASS, 0x0680, "Bridge" },
	{ PCI_CLASS, 0x07, "Communication controller" },
	{ PCI_SUBCLASS, 0x0700, "Serial controller" },
	{ PCI_CLASS, 0x08, "Generic system peripheral" },
	{ PCI_SUBCLASS, 0x0880, "System peripheral" },
	{ PCI_CLASS, 0x09, "Input device controller" },
	{ PCI_CLASS, 0x0c, "Serial bus controller" },
	{ PCI_SUBCLASS, 0x0c03, "USB controller" },
	{ PCI_SUBCLASS, 0x0c05, "SMBus" },
	{ PCI_CLASS, 0xff, "Unassigned class" },
};

struct pci_device_name {
	uint16_t vendor, device;
	const char *name;
};

static const struct pci_device_name device_names[] = {
	{ 0x1013, 0x00b8, "GD 5446" },
	{ 0x1af4, 0x1000, "Virtio network device" },
	{ 0x1af4, 0x1001, "Virtio block device" },
	{ 0x1b36, 0x0001, "QEMU PCI-PCI bridge" },
	{ 0x1b36, 0x0008, "QEMU PCIe Host bridge" },
	{ 0x1b36, 0x000d, "QEMU XHCI Host Controller" },
	{ 0x8086, 0x100e, "82540EM Gigabit Ethernet Controller" },
	{ 0x8086, 0x10d3, "82574L Gigabit Network Connection" },
	{ 0x8086, 0x1237, "440FX - 82441FX PMC [Natoma]" },
	{ 0x8086, 0x24cd, "82801DB/DBM (ICH4/ICH4-M) USB2 EHCI Controller" },
	{ 0x8086, 0x2918, "82801IB (ICH9) LPC Interface Controller" },
	{ 0x8086, 0x2922, "82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]" },
	{ 0x8086, 0x2930, "82801I (ICH9 Family) SMBus Controller" },
	{ 0x8086, 0x2934, "82801I (ICH9 Family) USB UHCI Controller #1" },
	{ 0x8086, 0x2935, "82801I (ICH9 Family) USB UHCI Controller #2" },
	{ 0x8086, 0x2936, "82801I (ICH9 Family) USB UHCI Controller #3" },
	{ 0x8086, 0x2937, "82801I (ICH9 Family) USB UHCI Controller #4" },
	{ 0x8086, 0x2938, "82801I (ICH9 Family) USB UHCI Controller #5" },
	{ 0x8086, 0x2939, "82801I (ICH9 Family) USB UHCI Controller #6" },
	{ 0x8086, 0x293a, "82801I (ICH9 Family) USB2 EHCI Controller #1" },
	{ 0x8086, 0x293c, "82801I (ICH9 Family) USB2 EHCI Controller #2" },
	{ 0x8086, 0x29c0, "82G33/G31/P35/P31 Express DRAM Controller" },
	{ 0x8086, 0x7000, "82371SB PIIX3 ISA [Natoma/Triton II]" },
	{ 0x8086, 0x7010, "82371SB PIIX3 IDE [Natoma/Triton II]" },
	{ 0x8086, 0x7020, "82371SB PIIX3 USB [Natoma/Triton II]" },
	{ 0x8086, 0x7111, "82371AB/EB/MB PIIX4 IDE" },
	{ 0x8086, 0x7112, "82371AB/EB/MB PIIX4 USB" },
	{ 0x8086, 0x7113, "82371AB/EB/MB PIIX4 ACPI" },
};

static const char *name_of(enum pci_name_kind kind, uint16_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].kind == kind && names[i].id == id)
			return names[i].name;
	return NULL;
}

static const char *device_name(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < ARRAY_SIZE(device_names); i++)
		if (device_names[i].vendor == vendor && device_names[i].device == device)
			return device_names[i].name;
	return NULL;
}

/* The subclass's own name if the table has one, else the whole class's. */
static const char *class_name(uint8_t class_code, uint8_t subclass)
{
	const char *name = name_of(PCI_SUBCLASS, (uint16_t)(class_code << 8 | subclass));
	return name ? name : name_of(PCI_CLASS, class_code);
}

/* Appends like ksnprintf at buf+*len, keeping *len the untruncated length. */
static void append(char *buf, size_t size, int *len, const char *fmt, ...) __printf(4, 5);
static void append(char *buf, size_t size, int *len, const char *fmt, ...)
{
	va_list ap;
	size_t at = MIN((size_t)*len, size - 1); /* past the end: only "\0" fits */
	va_start(ap, fmt);
	*len += kvsnprintf(buf + at, size - at, fmt, ap);
	va_end(ap);
}

int pci_format_lspci(const struct pci_dev *d, char *buf, size_t size)
{
	int len = 0;
	const char *cls = class_name(d->class_code, d->subclass);
	const char *vendor = name_of(PCI_VENDOR, d->vendor);
	const char *device = vendor ? device_name(d->vendor, d->device) : NULL;

	if (size == 0)
		return 0;
	append(buf, size, &len, "%02x:%02x.%x %s [%02x%02x]: ", d->bus, d->dev, d->fn,
	       cls ? cls : "Class", d->class_code, d->subclass);
	if (vendor)
		append(buf, size, &len, "%s ", vendor);
	append(buf, size, &len, "%s [%04x:%04x]", device ? device : "Device", d->vendor,
	       d->device);
	if (d->revision)
		append(buf, size, &len, " (rev %02x)", d->revision);
	return len;
}

/* Sizes as lspci -v shows them: the largest unit that divides exactly. */
static void format_size(uint64_t size, char *buf, size_t len)
{
	static const char units[] = { 'G', 'M', 'K' };
	for (int i = 0; i < 3; i++) {
		uint64_t unit = 1ull << (10 * (3 - i));
		if (size >= unit && size % unit == 0) {
			ksnprintf(buf, len, "%llu%c", (unsigned long long)(size / unit), units[i]);
			return;
		}
	}
	ksnprintf(buf, len, "%llu", (unsigned long long)size);
}

static void print_bars(const struct pci_dev *d)
{
	for (int i = 0; i < 6; i++) {
		const struct pci_bar *b = &d->bar[i];
		char size[24];
		if (!b->size)
			continue;
		format_size(b->size, size, sizeof(size));
		if (b->is_io)
			kprintf("\tBAR%d: I/O ports at %04x [size=%s]\n", i, (unsigned)b->base, size);
		else
			kprintf("\tBAR%d: Memory at %llx (%s, %sprefetchable) [size=%s]\n", i,
				(unsigned long long)b->base, b->is_64 ? "64-bit" : "32-bit",
				b->prefetchable ? "" : "non-", size);
	}
}

static int cmd_lspci(int argc, char **argv)
{
	bool verbose = argc == 2 && strcmp(argv[1], "-v") == 0;
	if (argc > 2 || (argc == 2 && !verbose)) {
		kprintf("usage: lspci [-v]\n");
		return 1;
	}
	for (size_t i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device_at(i);
		char line[160];
		pci_format_lspci(d, line, sizeof(line));
		kprintf("%s\n", line);
		if (!verbose)
			continue;
		kprintf("\tprog-if %02x, IRQ line %u pin %c, driver %s\n", d->prog_if,
			d->irq_line, d->irq_pin ? 'A' + d->irq_pin - 1 : '-',
			d->driver ? d->driver->name : "(none)");
		print_bars(d);
	}
	return 0;
}

SHELL_COMMAND(lspci, "lspci", "lspci [-v]",
	      "list PCI functions like Linux lspci -nn (-v: BARs, IRQ, driver)", cmd_lspci);
