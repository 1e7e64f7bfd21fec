/*
 * A fake PCI configuration space behind ports 0xCF8/0xCFC for host tests of
 * kernel/pci.c: functions with BARs that answer the all-ones sizing write
 * like hardware, and a record of sizing done while decoding was enabled.
 */
#ifndef TERN_FAKE_PCI_H
#define TERN_FAKE_PCI_H

#include <stdint.h>

/* Adds a function with a zeroed type-0 header; returns its config space. */
uint8_t *fake_pci_add(uint8_t bus, uint8_t dev, uint8_t fn);
/* Makes BAR i decode `size` bytes (a power of two); `flags` are the
 * read-only low bits (1 = I/O, 4 = 64-bit memory, 8 = prefetchable).
 * A 64-bit BAR also claims BAR i+1 for the high half. */
void fake_pci_bar(uint8_t *cfg, int i, uint64_t size, uint32_t flags, uint64_t base);
void fake_pci_reset(void);
/* Times a BAR was written while its decode type was enabled. */
extern int fake_pci_bar_writes_while_decoding;

static inline void fake_pci_put16(uint8_t *cfg, int off, uint16_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

#endif
