/*
 * The hardware seam: port I/O and MMIO accessors. The kernel implements them
 * with real instructions (kernel/arch/x86_64/io.c); host unit tests link fakes in
 * their place, so driver code that uses them compiles unchanged for both.
 */
#ifndef TERN_HW_H
#define TERN_HW_H

#include "types.h"

uint8_t inb(uint16_t port);
uint16_t inw(uint16_t port);
uint32_t inl(uint16_t port);
void outb(uint16_t port, uint8_t v);
void outw(uint16_t port, uint16_t v);
void outl(uint16_t port, uint32_t v);

uint8_t mmio_read8(const volatile void *addr);
uint16_t mmio_read16(const volatile void *addr);
uint32_t mmio_read32(const volatile void *addr);
void mmio_write8(volatile void *addr, uint8_t v);
void mmio_write16(volatile void *addr, uint16_t v);
void mmio_write32(volatile void *addr, uint32_t v);

/* Orders CPU stores to DMA memory before a doorbell write to a device. */
void dma_wmb(void);
/* Orders a device-written status read before reading the rest of a descriptor. */
void dma_rmb(void);

/* Short pause inside polling loops. */
void cpu_relax(void);

#endif
