/*
 * In-kernel tests of the PCI functions of the machine Tern runs on, as
 * firmware (x86) or kernel/pci_assign.c (arm64 virt) left them: each BAR
 * in use holds a naturally aligned address, no two BARs of one space
 * overlap, and every function with a driver decodes its BARs' spaces.
 */
#include "ktest.h"
#include "pci.h"

/* The PCI address BAR i holds (both halves of a 64-bit BAR). */
static uint64_t bar_register(const struct pci_dev *d, int i)
{
	const struct pci_bar *b = &d->bar[i];
	uint64_t v = pci_read32(d, PCI_BAR0 + 4 * i) & (b->is_io ? ~3u : ~15u);
	if (b->is_64)
		v |= (uint64_t)pci_read32(d, PCI_BAR0 + 4 * (i + 1)) << 32;
	return v;
}

static bool in_use(const struct pci_bar *b) { return b->size && b->base; }

static bool overlap(const struct pci_bar *a, const struct pci_bar *b)
{
	return a->is_io == b->is_io && a->base < b->base + b->size && b->base < a->base + a->size;
}

/* Whether BAR i of d overlaps any BAR after it in enumeration order. */
static bool overlaps_a_later_bar(size_t di, int i)
{
	const struct pci_bar *a = &pci_device_at(di)->bar[i];
	for (size_t dj = di; dj < pci_device_count(); dj++)
		for (int j = dj == di ? i + 1 : 0; j < 6; j++)
			if (in_use(&pci_device_at(dj)->bar[j]) && overlap(a, &pci_device_at(dj)->bar[j]))
				return true;
	return false;
}

KTEST(pci_bars_are_aligned_and_disjoint)
{
	for (size_t di = 0; di < pci_device_count(); di++) {
		const struct pci_dev *d = pci_device_at(di);
		for (int i = 0; i < 6; i++) {
			if (!in_use(&d->bar[i]) || d->disabled)
				continue;
			KT_ASSERT((bar_register(d, i) & (d->bar[i].size - 1)) == 0);
			KT_ASSERT(!overlaps_a_later_bar(di, i));
		}
	}
	return NULL;
}

KTEST(pci_functions_with_a_driver_decode_their_bars)
{
	for (size_t di = 0; di < pci_device_count(); di++) {
		const struct pci_dev *d = pci_device_at(di);
		uint16_t cmd = pci_read16(d, PCI_COMMAND);
		for (int i = 0; d->driver && i < 6; i++)
			if (in_use(&d->bar[i]))
				KT_ASSERT(cmd & (d->bar[i].is_io ? PCI_CMD_IO : PCI_CMD_MEMORY));
	}
	return NULL;
}
