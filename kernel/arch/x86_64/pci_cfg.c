/*
 * PCI configuration access on x86 (include/arch/pci_config.h):
 * configuration mechanism #1, ports 0xCF8 and 0xCFC (PCI Local Bus 3.0
 * section 3.2.2.3.2).
 */
#include "arch/pci_config.h"
#include "hw.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_CONFIG_ENABLE 0x80000000u

static void select(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)bus << 16 |
					 (uint32_t)(dev & 31) << 11 | (uint32_t)(fn & 7) << 8 |
					 (off & 0xFC));
}

uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	select(bus, dev, fn, off);
	return inl(PCI_CONFIG_DATA);
}

void pci_cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
	select(bus, dev, fn, off);
	outl(PCI_CONFIG_DATA, v);
}

/* Narrow reads and writes go through the aligned dword so they work on any
 * chipset regardless of byte-enable support on 0xCFC+n. */
uint16_t pci_cfg_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return (uint16_t)(pci_cfg_read32(bus, dev, fn, off) >> ((off & 2) * 8));
}

uint8_t pci_cfg_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	return (uint8_t)(pci_cfg_read32(bus, dev, fn, off) >> ((off & 3) * 8));
}

static void write_masked(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t mask,
			 uint32_t v)
{
	unsigned shift = (off & 3) * 8;
	uint32_t old = pci_cfg_read32(bus, dev, fn, off);
	pci_cfg_write32(bus, dev, fn, off, (old & ~(mask << shift)) | (v & mask) << shift);
}

void pci_cfg_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint16_t v)
{
	write_masked(bus, dev, fn, off, 0xFFFF, v);
}

void pci_cfg_write8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint8_t v)
{
	write_masked(bus, dev, fn, off, 0xFF, v);
}
