/*
 * The probe step EHCI and xHCI share before they read their capability
 * registers: map a PCI controller's register BAR 0 (uncached, through
 * ioremap) and let the function decode memory and master the bus. Apart
 * from usb/hcd.c because UHCI drives port I/O and never maps memory, so
 * its host tests link hcd.c without an ioremap.
 */
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "usb_hcd.h"

volatile uint8_t *hcd_map_bar0(struct pci_dev *d, const char *driver, size_t min_size,
			       int *err)
{
	const struct pci_bar *bar = &d->bar[0];
	volatile uint8_t *regs;

	if (!bar->base || bar->is_io) {
		pr_err("%s: %02x:%02x.%x: BAR0 is not a memory BAR\n", driver, d->bus, d->dev, d->fn);
		*err = USB_ERR_INVAL;
		return NULL;
	}
	regs = ioremap(bar->base, bar->size ? bar->size : min_size);
	if (!regs) {
		pr_err("%s: cannot map BAR0 at %lx\n", driver, (unsigned long)bar->base);
		*err = USB_ERR_NOMEM;
		return NULL;
	}
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, (cmd | PCI_CMD_MEMORY) & ~PCI_CMD_INTX_DISABLE);
	pci_enable_bus_master(d);
	return regs;
}
