/*
 * PCI: bus enumeration, BAR decoding and driver matching by class code
 * (kernel/pci.c) over the architecture's configuration access
 * (include/arch/pci_config.h), and BAR assignment where no firmware did it
 * (kernel/pci_assign.c). Drivers register with PCI_DRIVER(); lower `order`
 * probes first (EHCI before its companions).
 */
#ifndef TERN_PCI_H
#define TERN_PCI_H

#include "types.h"

struct pci_host;

#define PCI_MAX_DEVICES 128

struct pci_bar {
	uint64_t base; /* I/O port or physical address; 0 if unused */
	uint64_t size;
	bool is_io, is_64, prefetchable;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_line, irq_pin;
	uint8_t secondary_bus; /* a bridge's bus behind it; 0: not a bridge */
	bool disabled;         /* its BARs found no room: decoding off, no driver */
	struct pci_bar bar[6];
	const struct pci_driver *driver;
	void *driver_data;
};

/* Whether d's INTx pin reaches an interrupt line that drivers can pass to
 * irq_register (include/irq.h): routed by firmware (x86: a PIC line) or by
 * pci_assign (arm64: a GIC INTID). 0 and 0xFF mean nothing routed it. */
static inline bool pci_irq_routed(const struct pci_dev *d)
{
	return d->irq_pin && d->irq_line != 0 && d->irq_line != 0xFF;
}

struct pci_driver {
	const char *name;
	uint8_t class_code, subclass;
	int prog_if; /* -1: any */
	int order;   /* probe order: lower first */
	int (*probe)(struct pci_dev *dev); /* 0 = bound */
};

#define PCI_DRIVER(ident, ...)                                             \
	static const struct pci_driver pci_driver_##ident                  \
		__attribute__((used, section("pci_drivers"), aligned(8))) = \
		{ __VA_ARGS__ }

uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_enable_bus_master(const struct pci_dev *d);

/* Enumerates every bus (assigning BARs first if the platform asks for
 * it) and probes drivers in order. */
void pci_init(void);

/* kernel/pci_assign.c, for platforms without PCI firmware. Numbers the
 * buses behind every bridge below h->bus_first, depth first. */
void pci_number_buses(const struct pci_host *h);
/* Places the BARs of the enumerated functions in h's windows, opens the
 * bridges' windows, enables decoding (bridges also bus mastering) and
 * fills irq_line through h->route_intx (0xFF: not routed). */
void pci_assign(const struct pci_host *h);

/* Config-space offsets used outside kernel/pci.c (PCI Local Bus 3.0 6.1). */
#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEMORY (1u << 1)
#define PCI_CMD_BUS_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)

/* The functions found by pci_init(), in bus/device/function order. */
size_t pci_device_count(void);
struct pci_dev *pci_device_at(size_t i);

/*
 * One line in the format of Linux `lspci -nn`, e.g.
 * "00:1d.0 USB controller [0c03]: Intel Corporation 82801I (ICH9 Family)
 * USB UHCI Controller #1 [8086:2934] (rev 03)". size must be at least 1;
 * returns the length the full line would have had, like ksnprintf
 * (kernel/pci_names.c).
 */
int pci_format_lspci(const struct pci_dev *d, char *buf, size_t size);

#endif
