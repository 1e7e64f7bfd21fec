/*
 * The generic ECAM PCIe host ("pci-host-ecam-generic", QEMU's gpex) from
 * the device tree, after the PCI bus binding (IEEE 1275 PCI supplement and
 * Linux's host-generic-pci.yaml): config space (reg, bus-range), the
 * windows in `ranges` and the INTx wiring in `interrupt-map` with its mask,
 * plus fdt_pci_intx(), which routes a function's pin through the bridges
 * above it to a GIC INTID. A child unit address is three cells: phys.hi
 * (space code, prefetchable bit, bus/device/function), then the 64-bit
 * PCI address.
 */
#include "fdt_read.h"
#include "printk.h"

#define PCI_ADDRESS_CELLS 3
#define PCI_SIZE_CELLS 2
#define PCI_INTERRUPT_CELLS 1
#define PHYS_HI_SPACE(hi) (((hi) >> 24) & 3)
#define PHYS_HI_PREFETCHABLE (1u << 30)
#define SPACE_IO 1
#define SPACE_MEM32 2
#define SPACE_MEM64 3
#define ECAM_BUS_BYTES (1ull << 20) /* 32 devices x 8 functions x 4 KiB */
#define PCI_PIN_COUNT 4

static bool check_host_cells(const void *fdt, int node)
{
	uint32_t ac, sc, ic;

	if (!fdt_read_u32(fdt, node, "#address-cells", 0, &ac) ||
	    !fdt_read_u32(fdt, node, "#size-cells", 0, &sc) ||
	    !fdt_read_u32(fdt, node, "#interrupt-cells", PCI_INTERRUPT_CELLS, &ic))
		return false;
	if (ac == PCI_ADDRESS_CELLS && sc == PCI_SIZE_CELLS && ic == PCI_INTERRUPT_CELLS)
		return true;
	pr_err("fdt: %s: #address-cells %u, #size-cells %u, #interrupt-cells %u (need 3, 2, 1)\n",
	       fdt_node_name(fdt, node), ac, sc, ic);
	return false;
}

/* bus-range (default all 256 buses), cut to what the ECAM region holds. */
static bool parse_buses(const void *fdt, int node, struct fdt_pci_host *pci)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "bus-range", &len);
	uint32_t start = p ? fdt32_ld(p) : 0, end = p ? fdt32_ld(p + 1) : 255;

	if ((p && len != 2 * (int)sizeof(*p)) || start > end || end > 255) {
		pr_err("fdt: %s: bad bus-range (%d bytes, %u-%u)\n", fdt_node_name(fdt, node),
		       p ? len : 0, start, end);
		return false;
	}
	uint64_t buses = pci->ecam.size / ECAM_BUS_BYTES;
	if (buses == 0) {
		pr_err("fdt: %s: ECAM region of %llu bytes holds no bus\n",
		       fdt_node_name(fdt, node), (unsigned long long)pci->ecam.size);
		return false;
	}
	if (end - start + 1 > buses) {
		pr_warn("fdt: %s: ECAM covers %llu buses, bus-range %u-%u; using %u-%llu\n",
			fdt_node_name(fdt, node), (unsigned long long)buses, start, end, start,
			(unsigned long long)(start + buses - 1));
		end = start + (uint32_t)buses - 1;
	}
	pci->bus_start = (uint8_t)start;
	pci->bus_end = (uint8_t)end;
	return true;
}

static struct fdt_pci_window *window_for(struct fdt_pci_host *pci, uint32_t space)
{
	switch (space) {
	case SPACE_IO: return &pci->io;
	case SPACE_MEM32: return &pci->mem32;
	case SPACE_MEM64: return &pci->mem64;
	default: return NULL; /* configuration space: not a window */
	}
}

static bool add_window(const void *fdt, int node, struct fdt_pci_host *pci,
		       const fdt32_t *p, int parent_ac)
{
	uint32_t hi = fdt32_ld(p);
	struct fdt_pci_window w = {
		.pci_addr = fdt_read_cells(p + 1, 2),
		.cpu_addr = fdt_read_cells(p + PCI_ADDRESS_CELLS, parent_ac),
		.size = fdt_read_cells(p + PCI_ADDRESS_CELLS + parent_ac, PCI_SIZE_CELLS),
		.prefetchable = (hi & PHYS_HI_PREFETCHABLE) != 0,
	};
	struct fdt_pci_window *slot = window_for(pci, PHYS_HI_SPACE(hi));

	if (!slot || w.size == 0)
		return true;
	if (w.size > UINT64_MAX - w.cpu_addr || w.size > UINT64_MAX - w.pci_addr) {
		pr_err("fdt: %s: window at cpu 0x%llx wraps past the top\n",
		       fdt_node_name(fdt, node), (unsigned long long)w.cpu_addr);
		return false;
	}
	if (slot->size)
		pr_warn("fdt: %s: second window of space %u ignored\n", fdt_node_name(fdt, node),
			PHYS_HI_SPACE(hi));
	else
		*slot = w;
	return true;
}

static bool parse_ranges(const void *fdt, int node, struct fdt_pci_host *pci)
{
	int ac, sc, len;

	if (!fdt_child_cells(fdt, fdt_parent_offset(fdt, node), &ac, &sc))
		return false;
	const fdt32_t *p = fdt_getprop(fdt, node, "ranges", &len);
	int cells = PCI_ADDRESS_CELLS + ac + PCI_SIZE_CELLS;
	int entry = cells * (int)sizeof(*p);
	if (!p || len < entry || len % entry) {
		pr_err("fdt: %s: ranges is %d bytes, not a list of %d-byte windows\n",
		       fdt_node_name(fdt, node), p ? len : 0, entry);
		return false;
	}
	for (; len >= entry; len -= entry, p += cells)
		if (!add_window(fdt, node, pci, p, ac))
			return false;
	return true;
}

/* The parent's cells of one interrupt-map row: the controller's unit
 * address (#address-cells, 0 if absent) and specifier (#interrupt-cells). */
static bool gic_row_cells(const struct fdt_ctx *c, uint32_t phandle, uint32_t *addr_cells)
{
	int gic = fdt_node_offset_by_phandle(c->fdt, phandle);

	if (phandle != c->gic_phandle || gic < 0) {
		pr_err("fdt: interrupt-map row goes to phandle %u, not the GIC\n", phandle);
		return false;
	}
	if (!fdt_read_u32(c->fdt, gic, "#address-cells", 0, addr_cells))
		return false;
	if (*addr_cells > 3) {
		pr_err("fdt: GIC #address-cells %u is absurd\n", *addr_cells);
		return false;
	}
	return true;
}

/* Cells in the interrupt-map row at p (n cells left), or 0 with a
 * message if the row is cut short or does not go to the GIC. */
static int irq_row_cells(const struct fdt_ctx *c, const fdt32_t *p, int n)
{
	const int head = PCI_ADDRESS_CELLS + PCI_INTERRUPT_CELLS + 1; /* + phandle */
	uint32_t addr_cells;

	if (n < head) {
		pr_err("fdt: interrupt-map ends inside a row (%d cells left)\n", n);
		return 0;
	}
	if (!gic_row_cells(c, fdt32_ld(p + head - 1), &addr_cells))
		return 0;
	int row = head + (int)addr_cells + GIC_SPEC_CELLS;
	if (n < row) {
		pr_err("fdt: interrupt-map ends inside a row (%d of %d cells)\n", n, row);
		return 0;
	}
	return row;
}

/* Adds the row at p (row cells, mask already read) to the routes. A row
 * whose masked phys.mid/lo is not zero never matches a function (their
 * INTx is looked up with address 0), so it is dropped. */
static bool add_irq_route(struct fdt_pci_host *pci, const fdt32_t *p, int row,
			  const fdt32_t *mask)
{
	const fdt32_t *spec = p + row - GIC_SPEC_CELLS;
	int intid = fdt_gic_intid(fdt32_ld(spec), fdt32_ld(spec + 1));

	if (intid < 0 || pci->irq_map_count >= FDT_PCI_IRQ_MAP_MAX) {
		pr_err("fdt: interrupt-map row %u: %s\n", pci->irq_map_count,
		       intid < 0 ? "not a GIC SPI or PPI" : "too many rows");
		return false;
	}
	if ((fdt32_ld(p + 1) & fdt32_ld(mask + 1)) || (fdt32_ld(p + 2) & fdt32_ld(mask + 2)))
		return true;
	pci->irq_map[pci->irq_map_count++] = (struct fdt_pci_irq_route){
		.phys_hi = fdt32_ld(p) & pci->irq_mask_phys_hi,
		.pin = fdt32_ld(p + PCI_ADDRESS_CELLS) & pci->irq_mask_pin,
		.intid = (uint32_t)intid,
	};
	return true;
}

static bool parse_irq_map(const struct fdt_ctx *c, int node, struct fdt_pci_host *pci)
{
	int len, mask_len;
	const fdt32_t *p = fdt_getprop(c->fdt, node, "interrupt-map", &len);
	const fdt32_t *mask = fdt_getprop(c->fdt, node, "interrupt-map-mask", &mask_len);

	if (!p) {
		pr_warn("fdt: %s: no interrupt-map; PCI INTx cannot be routed\n",
			fdt_node_name(c->fdt, node));
		return true;
	}
	if (!mask || mask_len != (PCI_ADDRESS_CELLS + PCI_INTERRUPT_CELLS) * (int)sizeof(*mask)) {
		pr_err("fdt: %s: interrupt-map-mask is %d bytes, not 4 cells\n",
		       fdt_node_name(c->fdt, node), mask ? mask_len : 0);
		return false;
	}
	pci->irq_mask_phys_hi = fdt32_ld(mask);
	pci->irq_mask_pin = fdt32_ld(mask + PCI_ADDRESS_CELLS);
	for (int n = len / (int)sizeof(*p), row; n > 0; n -= row, p += row) {
		row = irq_row_cells(c, p, n);
		if (row == 0 || !add_irq_route(pci, p, row, mask))
			return false;
	}
	return true;
}

bool fdt_pci_parse(struct fdt_ctx *c)
{
	struct fdt_pci_host *pci = &c->plat->pci;
	int node = fdt_node_offset_by_compatible(c->fdt, -1, "pci-host-ecam-generic");

	if (node < 0) {
		pr_info("fdt: no pci-host-ecam-generic node: no PCI\n");
		return true;
	}
	if (!check_host_cells(c->fdt, node) || !fdt_read_reg(c->fdt, node, 0, &pci->ecam) ||
	    !parse_buses(c->fdt, node, pci) || !parse_ranges(c->fdt, node, pci) ||
	    !parse_irq_map(c, node, pci))
		return false;
	pci->present = true;
	return true;
}

/* --- INTx routing ------------------------------------------------------- */

/* PCI-to-PCI Bridge Architecture spec 1.2, table 9-1: a function's pin
 * appears on the bridge's primary side rotated by its device number. */
static unsigned swizzle(unsigned dev, unsigned pin)
{
	return (pin - 1 + dev) % PCI_PIN_COUNT + 1;
}

static bool check_path(const struct fdt_pci_host *pci, const struct fdt_pci_bdf *path,
		       unsigned count, unsigned pin)
{
	if (!pci->present || !path || count < 1 || count > FDT_PCI_PATH_MAX || pin < 1 ||
	    pin > PCI_PIN_COUNT) {
		pr_err("fdt: INTx: no PCIe host, or path of %u hops / pin %u invalid\n", count,
		       pin);
		return false;
	}
	for (unsigned i = 0; i < count; i++) {
		if (path[i].dev >= 32 || path[i].fn >= 8) {
			pr_err("fdt: INTx: hop %u is device %u function %u\n", i, path[i].dev,
			       path[i].fn);
			return false;
		}
	}
	if (path[0].bus < pci->bus_start || path[0].bus > pci->bus_end) {
		pr_err("fdt: INTx: bus %02x is not the host's (%02x-%02x)\n", path[0].bus,
		       pci->bus_start, pci->bus_end);
		return false;
	}
	return true;
}

int fdt_pci_intx(const struct fdt_platform *plat, const struct fdt_pci_bdf *path,
		 unsigned count, unsigned pin)
{
	const struct fdt_pci_host *pci = plat ? &plat->pci : NULL;

	if (!pci || !check_path(pci, path, count, pin))
		return -1;
	for (unsigned i = count - 1; i > 0; i--)
		pin = swizzle(path[i].dev, pin);
	uint32_t hi = (uint32_t)path[0].bus << 16 | (uint32_t)path[0].dev << 11 |
		      (uint32_t)path[0].fn << 8;
	for (unsigned i = 0; i < pci->irq_map_count; i++) {
		const struct fdt_pci_irq_route *r = &pci->irq_map[i];
		if ((hi & pci->irq_mask_phys_hi) == r->phys_hi && (pin & pci->irq_mask_pin) == r->pin)
			return (int)r->intid;
	}
	pr_err("fdt: INTx: no interrupt-map row for %02x:%02x.%x pin %c\n", path[0].bus,
	       path[0].dev, path[0].fn, 'A' + pin - 1);
	return -1;
}
