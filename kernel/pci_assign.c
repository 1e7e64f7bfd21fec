/*
 * PCI without firmware: when the platform says nobody assigned the BARs
 * (include/arch/pci_config.h, arm64 `virt` booted with -kernel), number
 * the buses behind PCI-to-PCI bridges, place every BAR in the host
 * bridge's windows, open the bridges' forwarding windows, enable decoding
 * and route INTx through the platform's callback (PCI-to-PCI Bridge
 * Architecture 1.2 ch. 3; PCI Local Bus 3.0 6.2.5.1 for BARs).
 *
 * Placement is per kind of space (I/O; 32-bit memory; 64-bit prefetchable
 * memory when the host has a 64-bit window), largest alignment first, each
 * BAR naturally aligned, so a bus packs without holes. A bridge is placed
 * on its own bus like one more BAR: the span its secondary bus needs,
 * rounded to the bridge's window granularity. A BAR that does not fit is
 * reported and its device left disabled; the others are still placed.
 */
#include "arch/pci_config.h"
#include "kstring.h"
#include "pci.h"
#include "printk.h"

/* Type 1 header (PCI-to-PCI Bridge Architecture 1.2 section 3.2). */
#define PCI_PRIMARY_BUS 0x18
#define PCI_IO_BASE 0x1C
#define PCI_IO_LIMIT 0x1D
#define PCI_MEM_BASE 0x20
#define PCI_MEM_LIMIT 0x22
#define PCI_PREF_BASE 0x24
#define PCI_PREF_LIMIT 0x26
#define PCI_PREF_BASE_UPPER 0x28
#define PCI_PREF_LIMIT_UPPER 0x2C
#define PCI_IO_BASE_UPPER 0x30
#define PCI_IO_LIMIT_UPPER 0x32
#define PCI_IRQ_UNKNOWN 0xFF

enum space { SPACE_IO, SPACE_MEM, SPACE_PREF, SPACES };

static const char *const space_names[SPACES] = { "I/O", "32-bit memory",
						 "64-bit prefetchable memory" };
/* Bridge windows are 4 KiB (I/O) and 1 MiB (memory) grained. */
static const uint64_t granule[SPACES] = { 4 * KiB, MiB, MiB };

/* One thing to place on a bus: a BAR, or a bridge's whole window. */
struct item {
	struct pci_dev *dev;
	int bar; /* -1: the bridge's window for what lies behind it */
	uint64_t size, align;
};

static const struct pci_host *host;
static uint64_t win_size[PCI_MAX_DEVICES][SPACES], win_align[PCI_MAX_DEVICES][SPACES];
static bool win_known[PCI_MAX_DEVICES][SPACES];

static size_t index_of(const struct pci_dev *d) { return (size_t)(d - pci_device_at(0)); }

static enum space space_of(const struct pci_bar *b)
{
	if (b->is_io)
		return SPACE_IO;
	return b->is_64 && b->prefetchable && host->mem64.size ? SPACE_PREF : SPACE_MEM;
}

static uint64_t bridge_span(struct pci_dev *bridge, enum space s, uint64_t *align);

/* Item `slot` of d (BARs 0-5, then the bridge window) if it is of space s. */
static bool item_of(struct pci_dev *d, int slot, enum space s, struct item *it)
{
	if (slot < 6) {
		const struct pci_bar *b = &d->bar[slot];
		*it = (struct item){ d, slot, b->size, b->size };
		return b->size && space_of(b) == s;
	}
	if (!d->secondary_bus)
		return false;
	uint64_t align, span = bridge_span(d, s, &align);
	*it = (struct item){ d, -1, ALIGN_UP(span, granule[s]), MAX(align, granule[s]) };
	return span != 0;
}

typedef void (*item_fn)(struct item *it, void *ctx);

/* Calls fn for every item of space s on bus, largest alignment first. */
static void each_item(uint8_t bus, enum space s, item_fn fn, void *ctx)
{
	for (int shift = 63; shift >= 0; shift--) {
		for (size_t i = 0; i < pci_device_count(); i++) {
			struct pci_dev *d = pci_device_at(i);
			struct item it;
			for (int slot = 0; d->bus == bus && slot < 7; slot++)
				if (item_of(d, slot, s, &it) && it.align == 1ull << shift)
					fn(&it, ctx);
		}
	}
}

struct span {
	uint64_t end, align;
};

static void add_to_span(struct item *it, void *ctx)
{
	struct span *sp = ctx;
	sp->align = MAX(sp->align, it->align);
	sp->end = ALIGN_UP(sp->end, it->align) + it->size;
}

/* Bytes of space s the bridge must forward, placed from a base aligned to
 * *align; computed once per bridge. */
static uint64_t bridge_span(struct pci_dev *bridge, enum space s, uint64_t *align)
{
	size_t i = index_of(bridge);
	if (!win_known[i][s]) {
		struct span sp = { 0, 1 };
		win_known[i][s] = true; /* a bridge loop counts as empty */
		each_item(bridge->secondary_bus, s, add_to_span, &sp);
		win_size[i][s] = sp.end;
		win_align[i][s] = sp.align;
	}
	*align = win_align[i][s];
	return win_size[i][s];
}

/* --- placing ------------------------------------------------------------ */

struct cursor {
	enum space s;
	uint64_t next, last; /* PCI addresses: next free, last usable */
};

static void disable_behind(uint8_t bus);

static void disable(struct pci_dev *d)
{
	d->disabled = true;
	if (d->secondary_bus)
		disable_behind(d->secondary_bus);
}

static void disable_behind(uint8_t bus)
{
	for (size_t i = 0; i < pci_device_count(); i++)
		if (pci_device_at(i)->bus == bus && !pci_device_at(i)->disabled)
			disable(pci_device_at(i));
}

static void report_no_room(const struct item *it, enum space s)
{
	const struct pci_dev *d = it->dev;
	if (it->bar >= 0)
		pr_err("pci: %02x:%02x.%x: no room for BAR%d (%llu bytes) in the %s window; "
		       "device left disabled\n", d->bus, d->dev, d->fn, it->bar,
		       (unsigned long long)it->size, space_names[s]);
	else
		pr_err("pci: bridge %02x:%02x.%x: no room for the %llu bytes of %s behind it; "
		       "devices behind it left disabled\n", d->bus, d->dev, d->fn,
		       (unsigned long long)it->size, space_names[s]);
}

static const struct pci_window *window_of(enum space s)
{
	return s == SPACE_IO ? &host->io : s == SPACE_MEM ? &host->mem32 : &host->mem64;
}

static void write_bar(struct pci_dev *d, int i, uint64_t pci_addr, enum space s)
{
	struct pci_bar *b = &d->bar[i];
	const struct pci_window *w = window_of(s);
	pci_write32(d, PCI_BAR0 + 4 * i, (uint32_t)pci_addr);
	if (b->is_64)
		pci_write32(d, PCI_BAR0 + 4 * (i + 1), (uint32_t)(pci_addr >> 32));
	/* Drivers pass I/O ports to inb/outb and memory addresses to ioremap. */
	b->base = s == SPACE_IO ? pci_addr : pci_addr - w->pci_base + w->cpu_base;
}

static void place_bus(uint8_t bus, enum space s, uint64_t first, uint64_t last);

static void open_window(struct pci_dev *bridge, enum space s, uint64_t base, uint64_t end);

static void place_item(struct item *it, void *ctx)
{
	struct cursor *c = ctx;
	uint64_t at = ALIGN_UP(c->next, it->align);
	if (it->dev->disabled)
		return;
	if (at < c->next || at > c->last || it->size - 1 > c->last - at) {
		report_no_room(it, c->s);
		disable(it->dev);
		return;
	}
	c->next = at + it->size;
	if (it->bar >= 0) {
		write_bar(it->dev, it->bar, at, c->s);
		return;
	}
	open_window(it->dev, c->s, at, at + it->size - 1);
	place_bus(it->dev->secondary_bus, c->s, at, at + it->size - 1);
}

/* Places every item of space s on bus within PCI addresses [first, last]. */
static void place_bus(uint8_t bus, enum space s, uint64_t first, uint64_t last)
{
	struct cursor c = { s, first, last };
	each_item(bus, s, place_item, &c);
}

/* Programs the bridge to forward [base, end] of space s (end < base: none). */
static void open_window(struct pci_dev *bridge, enum space s, uint64_t base, uint64_t end)
{
	if (s == SPACE_IO) {
		pci_write8(bridge, PCI_IO_BASE, (uint8_t)((base >> 8) & 0xF0));
		pci_write8(bridge, PCI_IO_LIMIT, (uint8_t)((end >> 8) & 0xF0));
		pci_write16(bridge, PCI_IO_BASE_UPPER, (uint16_t)(base >> 16));
		pci_write16(bridge, PCI_IO_LIMIT_UPPER, (uint16_t)(end >> 16));
	} else if (s == SPACE_MEM) {
		pci_write16(bridge, PCI_MEM_BASE, (uint16_t)((base >> 16) & 0xFFF0));
		pci_write16(bridge, PCI_MEM_LIMIT, (uint16_t)((end >> 16) & 0xFFF0));
	} else {
		pci_write16(bridge, PCI_PREF_BASE, (uint16_t)((base >> 16) & 0xFFF0));
		pci_write16(bridge, PCI_PREF_LIMIT, (uint16_t)((end >> 16) & 0xFFF0));
		pci_write32(bridge, PCI_PREF_BASE_UPPER, (uint32_t)(base >> 32));
		pci_write32(bridge, PCI_PREF_LIMIT_UPPER, (uint32_t)(end >> 32));
	}
}

/* Bridges forward nothing until a window is placed: base above limit. */
static void close_windows(struct pci_dev *bridge)
{
	for (enum space s = 0; s < SPACES; s++)
		open_window(bridge, s, 0xFFFFF000u, 0);
}

/* The first address handed out in a window: never 0, which struct
 * pci_bar reads as "unused", nor the legacy I/O ports below 0x1000. */
static uint64_t window_first(const struct pci_window *w)
{
	return MAX(w->pci_base, 0x1000);
}

static void place_root(enum space s)
{
	const struct pci_window *w = window_of(s);
	if (w->size)
		place_bus(host->bus_first, s, window_first(w), w->pci_base + w->size - 1);
	else
		place_bus(host->bus_first, s, 1, 0); /* every item reports "no room" */
}

/* --- decoding and interrupts -------------------------------------------- */

static uint16_t decode_bits(const struct pci_dev *d)
{
	uint16_t bits = d->secondary_bus ? PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER : 0;
	for (int i = 0; i < 6; i++)
		if (d->bar[i].size)
			bits |= d->bar[i].is_io ? PCI_CMD_IO : PCI_CMD_MEMORY;
	return bits;
}

/* Bridges also master: they forward their devices' DMA upstream. */
static void enable(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND) & ~(PCI_CMD_IO | PCI_CMD_MEMORY);
	pci_write16(d, PCI_COMMAND, d->disabled ? cmd : cmd | decode_bits(d));
}

static struct pci_dev *bridge_to(uint8_t bus)
{
	for (size_t i = 0; i < pci_device_count(); i++)
		if (pci_device_at(i)->secondary_bus == bus)
			return pci_device_at(i);
	return NULL;
}

/* The pin as the root bus sees it: each bridge on the way rotates it by
 * the device number (PCI-to-PCI Bridge Architecture 1.2 table 9-1). */
static int root_pin(const struct pci_dev *d, uint8_t *root_dev)
{
	int pin = d->irq_pin;
	for (int hops = 0; d->bus != host->bus_first; hops++) {
		const struct pci_dev *up = bridge_to(d->bus);
		if (!up || hops > 255)
			return -1;
		pin = (pin - 1 + d->dev) % 4 + 1;
		d = up;
	}
	*root_dev = d->dev;
	return pin;
}

static void route_intx(struct pci_dev *d)
{
	uint8_t root_dev = 0;
	int pin = d->irq_pin >= 1 && d->irq_pin <= 4 ? root_pin(d, &root_dev) : -1;
	int line = pin > 0 && host->route_intx ? host->route_intx(host->route_ctx, root_dev,
								    (uint8_t)pin) : -1;
	if (line >= PCI_IRQ_UNKNOWN)
		pr_warn("pci: %02x:%02x.%x: interrupt %d does not fit the line register\n",
			d->bus, d->dev, d->fn, line);
	d->irq_line = line >= 0 && line < PCI_IRQ_UNKNOWN ? (uint8_t)line : PCI_IRQ_UNKNOWN;
	pci_write8(d, PCI_INTERRUPT_LINE, d->irq_line);
}

void pci_assign(const struct pci_host *h)
{
	host = h;
	memset(win_known, 0, sizeof(win_known));
	for (size_t i = 0; i < pci_device_count(); i++)
		if (pci_device_at(i)->secondary_bus)
			close_windows(pci_device_at(i));
	for (enum space s = 0; s < SPACES; s++)
		place_root(s);
	for (size_t i = 0; i < pci_device_count(); i++) {
		enable(pci_device_at(i));
		route_intx(pci_device_at(i));
	}
}

/* --- bus numbers --------------------------------------------------------- */

static bool is_bridge(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return pci_cfg_read16(bus, dev, fn, 0) != 0xFFFF &&
	       (pci_cfg_read8(bus, dev, fn, PCI_HEADER_TYPE) & 0x7F) == 1;
}

static unsigned number_behind(uint8_t bus, unsigned next, unsigned last);

/* Gives the bridge at bus:dev.fn the next bus number and numbers what lies
 * behind it; returns the next free number. */
static unsigned number_bridge(uint8_t bus, uint8_t dev, uint8_t fn, unsigned next,
			      unsigned last)
{
	if (next > last) {
		pr_err("pci: bridge %02x:%02x.%x: no bus number left (last is %02x); "
		       "nothing behind it is used\n", bus, dev, fn, last);
		return next;
	}
	uint8_t secondary = (uint8_t)next;
	/* subordinate = last while scanning, so deeper buses are reachable */
	pci_cfg_write32(bus, dev, fn, PCI_PRIMARY_BUS,
			(pci_cfg_read32(bus, dev, fn, PCI_PRIMARY_BUS) & 0xFF000000u) |
				(uint32_t)last << 16 | (uint32_t)secondary << 8 | bus);
	next = number_behind(secondary, next + 1, last);
	pci_cfg_write8(bus, dev, fn, PCI_PRIMARY_BUS + 2, (uint8_t)(next - 1));
	return next;
}

static unsigned number_behind(uint8_t bus, unsigned next, unsigned last)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		uint8_t header = pci_cfg_read8(bus, dev, 0, PCI_HEADER_TYPE);
		int functions = pci_cfg_read16(bus, dev, 0, 0) == 0xFFFF ? 0 : header & 0x80 ? 8 : 1;
		for (uint8_t fn = 0; fn < functions; fn++)
			if (is_bridge(bus, dev, fn))
				next = number_bridge(bus, dev, fn, next, last);
	}
	return next;
}

void pci_number_buses(const struct pci_host *h)
{
	number_behind(h->bus_first, h->bus_first + 1u, h->bus_last);
}
