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

struct pci_class_name {
	uint8_t class_code;
	int subclass; /* -1: the name of the whole class */
	const char *name;
};

static const struct pci_class_name class_names[] = {
	{ 0x00, -1, "Unclassified device" },
	{ 0x00, 0x00, "Non-VGA unclassified device" },
	{ 0x01, -1, "Mass storage controller" },
	{ 0x01, 0x00, "SCSI storage controller" },
	{ 0x01, 0x01, "IDE interface" },
	{ 0x01, 0x06, "SATA controller" },
	{ 0x01, 0x08, "Non-Volatile memory controller" },
	{ 0x02, -1, "Network controller" },
	{ 0x02, 0x00, "Ethernet controller" },
	{ 0x03, -1, "Display controller" },
	{ 0x03, 0x00, "VGA compatible controller" },
	{ 0x04, -1, "Multimedia controller" },
	{ 0x04, 0x01, "Multimedia audio controller" },
	{ 0x04, 0x03, "Audio device" },
	{ 0x05, -1, "Memory controller" },
	{ 0x06, -1, "Bridge" },
	{ 0x06, 0x00, "Host bridge" },
	{ 0x06, 0x01, "ISA bridge" },
	{ 0x06, 0x04, "PCI bridge" },
	{ 0x06, 0x80, "Bridge" },
	{ 0x07, -1, "Communication controller" },
	{ 0x07, 0x00, "Serial controller" },
	{ 0x08, -1, "Generic system peripheral" },
	{ 0x08, 0x80, "System peripheral" },
	{ 0x09, -1, "Input device controller" },
	{ 0x0C, -1, "Serial bus controller" },
	{ 0x0C, 0x03, "USB controller" },
	{ 0x0C, 0x05, "SMBus" },
	{ 0xFF, -1, "Unassigned class" },
};

struct pci_vendor_name {
	uint16_t vendor;
	const char *name;
};

static const struct pci_vendor_name vendor_names[] = {
	{ 0x1013, "Cirrus Logic" },
	{ 0x1af4, "Red Hat, Inc." },
	{ 0x1b36, "Red Hat, Inc." },
	{ 0x8086, "Intel Corporation" },
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

static const char *class_name(uint8_t class_code, uint8_t subclass)
{
	const char *whole_class = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++) {
		if (class_names[i].class_code != class_code)
			continue;
		if (class_names[i].subclass == subclass)
			return class_names[i].name;
		if (class_names[i].subclass < 0)
			whole_class = class_names[i].name;
	}
	return whole_class;
}

static const char *vendor_name(uint16_t vendor)
{
	for (size_t i = 0; i < ARRAY_SIZE(vendor_names); i++)
		if (vendor_names[i].vendor == vendor)
			return vendor_names[i].name;
	return NULL;
}

static const char *device_name(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < ARRAY_SIZE(device_names); i++)
		if (device_names[i].vendor == vendor && device_names[i].device == device)
			return device_names[i].name;
	return NULL;
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
	const char *vendor = vendor_name(d->vendor);
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
