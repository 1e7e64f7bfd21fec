/*
 * A fake PCI configuration space behind ports 0xCF8/0xCFC for host tests of
 * kernel/pci.c and kernel/pci_assign.c: functions with BARs that answer the
 * all-ones sizing write like hardware, functions behind bridges that answer
 * on whatever secondary bus the bridge was given, a record of sizing done
 * while decoding was enabled, and the platform's answer to
 * pci_host_needs_assignment.
 */
#ifndef TERN_FAKE_PCI_H
#define TERN_FAKE_PCI_H

#include <stdint.h>

#include "arch/pci_config.h"

/* Adds a function with a zeroed type-0 header; returns its config space. */
uint8_t *fake_pci_add(uint8_t bus, uint8_t dev, uint8_t fn);
/* Fills in the identity of the function at cfg; class_rev is the dword at
 * 0x08 (class, subclass, prog-if, revision from the top); returns cfg. */
uint8_t *fake_pci_identify(uint8_t *cfg, uint16_t vendor, uint16_t device, uint32_t class_rev,
			   uint8_t header);
/* The function pci_init() found at bus:dev.fn, or NULL. */
struct pci_dev *fake_pci_find(uint8_t bus, uint8_t dev, uint8_t fn);
/* Adds a function behind the bridge whose config space is `bridge`: it
 * answers on the bridge's secondary bus, and not at all while that is 0. */
uint8_t *fake_pci_add_behind(uint8_t *bridge, uint8_t dev, uint8_t fn);
/* Makes BAR i decode `size` bytes (a power of two); `flags` are the
 * read-only low bits (1 = I/O, 4 = 64-bit memory, 8 = prefetchable).
 * A 64-bit BAR also claims BAR i+1 for the high half. */
void fake_pci_bar(uint8_t *cfg, int i, uint64_t size, uint32_t flags, uint64_t base);
void fake_pci_reset(void);
/* Times a BAR was written while its decode type was enabled. */
extern int fake_pci_bar_writes_while_decoding;
/* What pci_host_needs_assignment answers (reset: false, all zero). */
extern bool fake_pci_needs_assignment;
extern struct pci_host fake_pci_host;

static inline void fake_pci_put16(uint8_t *cfg, int off, uint16_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

#endif
