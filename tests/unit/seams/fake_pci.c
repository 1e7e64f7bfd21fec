/*
 * Fake configuration mechanism #1 (see fake_pci.h). Only the 32-bit port
 * accesses kernel/arch/x86_64/pci_cfg.c makes are implemented; anything
 * else is a test bug and aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/pci_config.h"
#include "fake_pci.h"
#include "hw.h"
#include "pci.h"

#define MAX_FUNCS 64

struct fake_fn {
	uint32_t bdf;  /* bus part unused when behind a bridge */
	int behind;    /* index of the bridge it sits behind, or -1 */
	uint8_t cfg[256];
	uint64_t bar_size[6]; /* 0: unimplemented; high half of 64-bit BARs too */
	uint32_t bar_flags[6];
	int bar_high_of[6];   /* index of the low BAR for a 64-bit high half, or -1 */
};

static struct fake_fn funcs[MAX_FUNCS];
static int nfuncs;
static uint32_t address;
int fake_pci_bar_writes_while_decoding;
bool fake_pci_needs_assignment;
struct pci_host fake_pci_host;

bool pci_host_needs_assignment(struct pci_host *host)
{
	*host = fake_pci_host;
	return fake_pci_needs_assignment;
}

void fake_pci_reset(void)
{
	memset(funcs, 0, sizeof(funcs));
	nfuncs = 0;
	address = 0;
	fake_pci_bar_writes_while_decoding = 0;
	fake_pci_needs_assignment = false;
	memset(&fake_pci_host, 0, sizeof(fake_pci_host));
}

uint8_t *fake_pci_add(uint8_t bus, uint8_t dev, uint8_t fn)
{
	if (nfuncs == MAX_FUNCS)
		abort();
	struct fake_fn *f = &funcs[nfuncs++];
	memset(f, 0, sizeof(*f));
	f->bdf = (uint32_t)bus << 8 | (uint32_t)dev << 3 | fn;
	f->behind = -1;
	for (int i = 0; i < 6; i++)
		f->bar_high_of[i] = -1;
	return f->cfg;
}

static struct fake_fn *by_cfg(uint8_t *cfg)
{
	for (int i = 0; i < nfuncs; i++)
		if (funcs[i].cfg == cfg)
			return &funcs[i];
	abort();
}

uint8_t *fake_pci_identify(uint8_t *cfg, uint16_t vendor, uint16_t device, uint32_t class_rev,
			   uint8_t header)
{
	fake_pci_put16(cfg, 0, vendor);
	fake_pci_put16(cfg, 2, device);
	memcpy(cfg + 8, &class_rev, 4);
	cfg[0x0E] = header;
	return cfg;
}

struct pci_dev *fake_pci_find(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (size_t i = 0; i < pci_device_count(); i++) {
		struct pci_dev *d = pci_device_at(i);
		if (d->bus == bus && d->dev == dev && d->fn == fn)
			return d;
	}
	return NULL;
}

uint8_t *fake_pci_add_behind(uint8_t *bridge, uint8_t dev, uint8_t fn)
{
	int parent = (int)(by_cfg(bridge) - funcs);
	uint8_t *cfg = fake_pci_add(0, dev, fn);
	by_cfg(cfg)->behind = parent;
	return cfg;
}

/* The bus a function answers on: a bridge's secondary bus register
 * decides for the functions behind it (0: not reachable). */
static int bus_of(const struct fake_fn *f)
{
	if (f->behind < 0)
		return (int)(f->bdf >> 8);
	uint8_t secondary = funcs[f->behind].cfg[0x19];
	return secondary ? secondary : -1;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

void fake_pci_bar(uint8_t *cfg, int i, uint64_t size, uint32_t flags, uint64_t base)
{
	struct fake_fn *f = by_cfg(cfg);
	f->bar_size[i] = size;
	f->bar_flags[i] = flags;
	put32(cfg + 0x10 + 4 * i, (uint32_t)base | flags);
	if (flags & 4) {
		f->bar_size[i + 1] = size;
		f->bar_high_of[i + 1] = i;
		put32(cfg + 0x10 + 4 * (i + 1), (uint32_t)(base >> 32));
	}
}

static struct fake_fn *selected(void)
{
	if (!(address & 0x80000000u))
		return NULL;
	uint32_t bdf = (address >> 8) & 0xFFFF;
	for (int i = 0; i < nfuncs; i++)
		if ((funcs[i].bdf & 0xFF) == (bdf & 0xFF) && bus_of(&funcs[i]) == (int)(bdf >> 8))
			return &funcs[i];
	return NULL;
}

static void write_bar(struct fake_fn *f, int i, uint32_t v)
{
	int low = f->bar_high_of[i] >= 0 ? f->bar_high_of[i] : i;
	uint16_t cmd = (uint16_t)(f->cfg[4] | f->cfg[5] << 8);
	bool io = f->bar_flags[low] & 1;
	if (cmd & (io ? 1 : 2))
		fake_pci_bar_writes_while_decoding++;
	uint64_t mask = ~(f->bar_size[low] - 1);
	uint32_t kept;
	if (f->bar_high_of[i] >= 0)
		kept = v & (uint32_t)(mask >> 32);
	else
		kept = (v & (uint32_t)mask & (io ? ~3u : ~15u)) | f->bar_flags[i];
	put32(f->cfg + 0x10 + 4 * i, kept);
}

uint32_t inl(uint16_t port)
{
	if (port != 0xCFC)
		abort();
	struct fake_fn *f = selected();
	return f ? get32(f->cfg + (address & 0xFC)) : 0xFFFFFFFFu;
}

void outl(uint16_t port, uint32_t v)
{
	if (port == 0xCF8) {
		address = v;
		return;
	}
	if (port != 0xCFC)
		abort();
	struct fake_fn *f = selected();
	if (!f)
		return;
	unsigned off = address & 0xFC;
	unsigned bars = (f->cfg[0x0E] & 0x7F) == 1 ? 2 : 6;
	if (off >= 0x10 && off < 0x10 + 4 * bars) {
		int i = (int)(off - 0x10) / 4;
		if (f->bar_size[i])
			write_bar(f, i, v);
		return;
	}
	if (off == 0 || off == 8 || off == 0x0C) /* IDs, class: read-only */
		return;
	put32(f->cfg + off, v);
}
