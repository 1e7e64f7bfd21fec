/*
 * PCI bus enumeration through the architecture's configuration access
 * (include/arch/pci_config.h: x86 ports 0xCF8/0xCFC, arm64 ECAM).
 * pci_init() walks the root bus and every bus behind a PCI-to-PCI bridge,
 * records each function with its BARs and interrupt, has kernel/pci_assign.c
 * assign them if no firmware did, then binds drivers from the `pci_drivers`
 * linker section in ascending `order` (an EHCI controller must claim its
 * ports before its UHCI companions look at theirs).
 */
#include "arch/pci_config.h"
#include "kstring.h"
#include "pci.h"
#include "printk.h"

/* Type 0/1 header offsets (PCI Local Bus 3.0 section 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_REVISION 0x08
#define PCI_PROG_IF 0x09
#define PCI_SUBCLASS 0x0A
#define PCI_CLASS 0x0B
#define PCI_INTERRUPT_PIN 0x3D

#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_HEADER_LAYOUT 0x7F
#define PCI_HEADER_BRIDGE 0x01

/* BAR low bits (PCI Local Bus 3.0 section 6.2.5.1). */
#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_PREFETCH 0x8u
#define PCI_BAR_IO_MASK 0xFFFFFFFCu
#define PCI_BAR_MEM_MASK 0xFFFFFFF0u

#define PCI_MAX_DRIVERS 32

static struct pci_dev devices[PCI_MAX_DEVICES];
static size_t device_count;
static bool bus_seen[256];

extern const struct pci_driver __start_pci_drivers[] __attribute__((weak));
extern const struct pci_driver __stop_pci_drivers[] __attribute__((weak));

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	return pci_cfg_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	return pci_cfg_read16(d->bus, d->dev, d->fn, off);
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
	return pci_cfg_read8(d->bus, d->dev, d->fn, off);
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	pci_cfg_write32(d->bus, d->dev, d->fn, off, v);
}

void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	pci_cfg_write16(d->bus, d->dev, d->fn, off, v);
}

void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v)
{
	pci_cfg_write8(d->bus, d->dev, d->fn, off, v);
}

void pci_enable_bus_master(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_BUS_MASTER);
}

size_t pci_device_count(void) { return device_count; }

struct pci_dev *pci_device_at(size_t i) { return i < device_count ? &devices[i] : NULL; }

/* Writes all ones and reads back which address bits the device decodes
 * (PCI Local Bus 3.0 section 6.2.5.1); returns the original value. */
static uint32_t bar_probe(const struct pci_dev *d, uint16_t off, uint32_t *mask)
{
	uint32_t orig = pci_read32(d, off);
	pci_write32(d, off, 0xFFFFFFFFu);
	*mask = pci_read32(d, off);
	pci_write32(d, off, orig);
	return orig;
}

/* Decodes BAR i; returns how many BAR slots it used (2 for 64-bit). */
static int decode_bar(struct pci_dev *d, int i)
{
	uint16_t off = PCI_BAR0 + 4 * i;
	uint32_t mask;
	uint32_t low = bar_probe(d, off, &mask);
	struct pci_bar *bar = &d->bar[i];

	if (mask == 0 || mask == 0xFFFFFFFFu)
		return 1; /* unimplemented BAR */
	if (low & PCI_BAR_IO) {
		uint32_t size_mask = mask & PCI_BAR_IO_MASK;
		bar->is_io = true;
		bar->base = low & PCI_BAR_IO_MASK;
		/* I/O BARs decode only 16 bits on x86: the upper half may read 0. */
		bar->size = (uint64_t)(~(size_mask | 0xFFFF0000u) + 1) & 0xFFFF;
		return 1;
	}
	bar->prefetchable = low & PCI_BAR_PREFETCH;
	uint64_t base = low & PCI_BAR_MEM_MASK;
	uint64_t size_mask = 0xFFFFFFFF00000000ull | (mask & PCI_BAR_MEM_MASK);
	int used = 1;
	if ((low & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && i < 5) {
		uint32_t high_mask;
		uint32_t high = bar_probe(d, off + 4, &high_mask);
		base |= (uint64_t)high << 32;
		size_mask = (uint64_t)high_mask << 32 | (mask & PCI_BAR_MEM_MASK);
		bar->is_64 = true;
		used = 2;
	}
	bar->base = base;
	bar->size = ~size_mask + 1;
	return used;
}

/* Sizing writes all ones into the BARs, so the device must not decode
 * while that happens. */
static void decode_bars(struct pci_dev *d, int count)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	for (int i = 0; i < count;)
		i += decode_bar(d, i);
	pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(uint8_t bus);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
	if (device_count == PCI_MAX_DEVICES) {
		pr_warn("pci: more than %d functions, ignoring %02x:%02x.%x\n",
			PCI_MAX_DEVICES, bus, dev, fn);
		return;
	}
	struct pci_dev *d = &devices[device_count++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	d->revision = pci_read8(d, PCI_REVISION);
	d->prog_if = pci_read8(d, PCI_PROG_IF);
	d->subclass = pci_read8(d, PCI_SUBCLASS);
	d->class_code = pci_read8(d, PCI_CLASS);
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);

	uint8_t layout = pci_read8(d, PCI_HEADER_TYPE) & PCI_HEADER_LAYOUT;
	if (layout == 0) {
		decode_bars(d, 6);
	} else if (layout == PCI_HEADER_BRIDGE) {
		decode_bars(d, 2);
		d->secondary_bus = pci_read8(d, PCI_SECONDARY_BUS);
		if (d->secondary_bus != 0)
			scan_bus(d->secondary_bus);
	}
}

static bool function_present(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return pci_cfg_read16(bus, dev, fn, PCI_VENDOR_ID) != 0xFFFF;
}

static void scan_slot(uint8_t bus, uint8_t dev)
{
	if (!function_present(bus, dev, 0))
		return;
	uint8_t header = pci_cfg_read8(bus, dev, 0, PCI_HEADER_TYPE);
	int functions = (header & PCI_HEADER_MULTIFUNCTION) ? 8 : 1;
	for (int fn = 0; fn < functions; fn++)
		if (function_present(bus, dev, (uint8_t)fn))
			add_function(bus, dev, (uint8_t)fn);
}

static void scan_bus(uint8_t bus)
{
	if (bus_seen[bus]) {
		pr_warn("pci: bus %02x reached twice (bridge loop?), skipped\n", bus);
		return;
	}
	bus_seen[bus] = true;
	for (uint8_t dev = 0; dev < 32; dev++)
		scan_slot(bus, dev);
}

/* Sorting keeps lspci in bus order even when a bridge's secondary bus was
 * scanned in the middle of bus 0. */
static uint32_t bdf(const struct pci_dev *d)
{
	return (uint32_t)d->bus << 8 | (uint32_t)d->dev << 3 | d->fn;
}

static void sort_devices(void)
{
	for (size_t i = 1; i < device_count; i++) {
		struct pci_dev key = devices[i];
		size_t j = i;
		for (; j > 0 && bdf(&devices[j - 1]) > bdf(&key); j--)
			devices[j] = devices[j - 1];
		devices[j] = key;
	}
}

/* From the platform's root bus when assigning; else as firmware left it,
 * where several host bridges show as functions n of 00:00, the host
 * bridge of bus n. */
static void enumerate(const struct pci_host *assigning)
{
	uint8_t header = pci_cfg_read8(0, 0, 0, PCI_HEADER_TYPE);
	memset(bus_seen, 0, sizeof(bus_seen));
	device_count = 0;
	if (assigning) {
		scan_bus(assigning->bus_first);
	} else if (!(header & PCI_HEADER_MULTIFUNCTION)) {
		scan_bus(0);
	} else {
		for (uint8_t fn = 0; fn < 8; fn++)
			if (function_present(0, 0, fn) && !bus_seen[fn])
				scan_bus(fn);
	}
	sort_devices();
}

static bool driver_matches(const struct pci_driver *drv, const struct pci_dev *d)
{
	return drv->class_code == d->class_code && drv->subclass == d->subclass &&
	       (drv->prog_if < 0 || drv->prog_if == d->prog_if);
}

static size_t sorted_drivers(const struct pci_driver **out)
{
	size_t n = 0;
	if (!__start_pci_drivers)
		return 0;
	for (const struct pci_driver *drv = __start_pci_drivers; drv < __stop_pci_drivers; drv++) {
		if (n == PCI_MAX_DRIVERS) {
			pr_warn("pci: more than %d drivers, %s ignored\n", PCI_MAX_DRIVERS,
				drv->name);
			continue;
		}
		size_t j = n++;
		for (; j > 0 && out[j - 1]->order > drv->order; j--)
			out[j] = out[j - 1];
		out[j] = drv;
	}
	return n;
}

static void bind_drivers(void)
{
	const struct pci_driver *drivers[PCI_MAX_DRIVERS];
	size_t n = sorted_drivers(drivers);
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < device_count; i++) {
			struct pci_dev *d = &devices[i];
			if (d->driver || d->disabled || !driver_matches(drivers[k], d))
				continue;
			int rc = drivers[k]->probe(d);
			if (rc == 0)
				d->driver = drivers[k];
			else
				pr_err("pci: %02x:%02x.%x: %s probe failed (%d)\n", d->bus,
				       d->dev, d->fn, drivers[k]->name, rc);
		}
	}
}

void pci_init(void)
{
	struct pci_host host;
	bool assign = pci_host_needs_assignment(&host);
	if (assign)
		pci_number_buses(&host);
	enumerate(assign ? &host : NULL);
	pr_info("pci: %u functions found%s\n", (unsigned)device_count,
		assign ? ", assigning their BARs" : "");
	if (assign)
		pci_assign(&host);
	bind_drivers();
}
