/*
 * PCI configuration space access and the host bridge's description: what
 * each architecture provides so kernel/pci.c and kernel/pci_assign.c stay
 * generic (x86: configuration mechanism #1 on ports 0xCF8/0xCFC,
 * firmware-assigned BARs; arm64: ECAM and the device tree's windows).
 */
#ifndef TERN_ARCH_PCI_CONFIG_H
#define TERN_ARCH_PCI_CONFIG_H

#include "types.h"

/*
 * Config-space access of function bus:dev.fn at byte offset off (0..255,
 * naturally aligned for the width). Reads of an absent function return all
 * ones; writes to one are dropped. Narrow accesses are done however the
 * mechanism allows (x86 reads the dword and merges; ECAM is byte-exact).
 */
uint8_t pci_cfg_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
uint16_t pci_cfg_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
void pci_cfg_write8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint8_t v);
void pci_cfg_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint16_t v);
void pci_cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v);

/* An address window of the host bridge: PCI addresses [pci_base, pci_base
 * + size) appear to the CPU at cpu_base. size 0: the window is absent. */
struct pci_window {
	uint64_t pci_base, cpu_base, size;
};

/*
 * What kernel/pci_assign.c needs when no firmware assigned the BARs.
 * I/O BARs get PCI I/O addresses from `io`; drivers pass them to inb/outb,
 * which the architecture turns into accesses at io.cpu_base + port (hw.h).
 * Memory BARs get addresses from `mem32`, except 64-bit prefetchable ones,
 * which go to `mem64` when it is present (a bridge forwards 64-bit
 * addresses only through its prefetchable window); drivers see the CPU
 * address (struct pci_bar.base) and ioremap it.
 */
struct pci_host {
	uint8_t bus_first, bus_last;
	struct pci_window io, mem32, mem64;
	/*
	 * The interrupt line for INTx `pin` (1 = INTA .. 4 = INTD) of device
	 * dev on the root bus, as the interrupt controller numbers it (arm64:
	 * the GIC INTID from interrupt-map); pci_assign swizzles the pins of
	 * devices behind bridges first. Negative: not routed (the device keeps
	 * irq_line 0xFF, "unknown").
	 */
	int (*route_intx)(void *ctx, uint8_t dev, uint8_t pin);
	void *route_ctx;
};

/*
 * Fills *host and returns true if the kernel must size and assign the
 * BARs itself (arm64 `virt` booted with -kernel); false if firmware did it
 * and kernel/pci.c only reads them (x86 with SeaBIOS).
 */
bool pci_host_needs_assignment(struct pci_host *host);

#endif
