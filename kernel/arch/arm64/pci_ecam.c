/*
 * PCI configuration access on arm64 through the host bridge's ECAM
 * (PCI Express Base spec 7.2.2: 4 KiB of config space per function at
 * base + (bus << 20 | dev << 15 | fn << 12)), and the host description
 * kernel/pci_assign.c needs, both from the device tree. QEMU's ECAM lies
 * above 4 GiB and spans 256 MiB; each bus's 1 MiB is ioremapped the first
 * time it is touched, so only buses that are scanned cost page tables.
 */
#include "arch/fdt_platform.h"
#include "arch/pci_config.h"
#include "arm64.h"
#include "hw.h"
#include "mm.h"
#include "printk.h"

#define ECAM_BUS_SIZE (1u << 20)

static volatile uint8_t *bus_regs[256];
static bool bus_failed[256];

/* The config space of bus:dev.fn at off, or NULL if it is not there. */
static volatile uint8_t *config_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	const struct fdt_pci_host *h = &fdt_platform.pci;

	if (!h->present || bus < h->bus_start || bus > h->bus_end || dev > 31 || fn > 7 ||
	    off > 0xfff || bus_failed[bus])
		return NULL;
	if (!bus_regs[bus]) {
		phys_addr_t at = h->ecam.base + (uint64_t)(bus - h->bus_start) * ECAM_BUS_SIZE;
		bus_regs[bus] = ioremap(at, ECAM_BUS_SIZE);
		if (!bus_regs[bus]) {
			pr_err("pci: cannot map the ECAM of bus %u at 0x%llx\n", bus,
			       (unsigned long long)at);
			bus_failed[bus] = true;
			return NULL;
		}
	}
	return bus_regs[bus] + ((uint32_t)dev << 15 | (uint32_t)fn << 12 | off);
}

uint8_t pci_cfg_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	volatile uint8_t *a = config_addr(bus, dev, fn, off);
	return a ? mmio_read8(a) : 0xff;
}

uint16_t pci_cfg_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	volatile uint8_t *a = config_addr(bus, dev, fn, off & ~1u);
	return a ? mmio_read16(a) : 0xffff;
}

uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
	volatile uint8_t *a = config_addr(bus, dev, fn, off & ~3u);
	return a ? mmio_read32(a) : 0xffffffffu;
}

void pci_cfg_write8(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint8_t v)
{
	volatile uint8_t *a = config_addr(bus, dev, fn, off);
	if (a)
		mmio_write8(a, v);
}

void pci_cfg_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint16_t v)
{
	volatile uint8_t *a = config_addr(bus, dev, fn, off & ~1u);
	if (a)
		mmio_write16(a, v);
}

void pci_cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
	volatile uint8_t *a = config_addr(bus, dev, fn, off & ~3u);
	if (a)
		mmio_write32(a, v);
}

static int route_intx(void *ctx, uint8_t dev, uint8_t pin)
{
	struct fdt_pci_bdf where = { fdt_platform.pci.bus_start, dev, 0 };

	return fdt_pci_intx(&fdt_platform, &where, 1, pin);
}

static struct pci_window window(const struct fdt_pci_window *w)
{
	return (struct pci_window){ w->pci_addr, w->cpu_addr, w->size };
}

/* Nothing assigned the BARs (-kernel boots no firmware): the generic
 * code does, from the device tree's windows. */
bool pci_host_needs_assignment(struct pci_host *host)
{
	const struct fdt_pci_host *h = &fdt_platform.pci;

	*host = (struct pci_host){ 0 };
	if (!h->present)
		return false;
	host->bus_first = h->bus_start;
	host->bus_last = h->bus_end;
	host->io = window(&h->io);
	host->mem32 = window(&h->mem32);
	host->mem64 = window(&h->mem64);
	host->route_intx = route_intx;
	if (h->io.size && !arm64_pio_init(h->io.cpu_addr, h->io.size))
		host->io.size = 0;
	return true;
}
