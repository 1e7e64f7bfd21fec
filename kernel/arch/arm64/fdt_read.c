/*
 * Checked property readers for the device-tree boot-info module (see
 * fdt_read.h). The tree has passed fdt_check_full() before any of these
 * run, so libfdt's offsets are sound; what is still untrusted is each
 * property's length and the values in it, and those are checked here.
 */
#include "fdt_read.h"
#include "printk.h"

/* Devicetree spec 2.3.5: defaults when a node has no #address-cells or
 * #size-cells property. */
#define DEFAULT_ADDRESS_CELLS 2
#define DEFAULT_SIZE_CELLS 1
#define GIC_TYPE_SPI 0
#define GIC_TYPE_PPI 1
#define GIC_SPI_COUNT 988 /* INTIDs 32..1019 */
#define GIC_PPI_COUNT 16  /* INTIDs 16..31 */

const char *fdt_node_name(const void *fdt, int node)
{
	const char *name = fdt_get_name(fdt, node, NULL);

	return !name ? "?" : *name ? name : "/";
}

bool fdt_read_u32(const void *fdt, int node, const char *name, uint32_t dflt, uint32_t *out)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p) {
		*out = dflt;
		return true;
	}
	if (len != sizeof(*p)) {
		pr_err("fdt: %s: %s is %d bytes, not one cell\n", fdt_node_name(fdt, node), name,
		       len);
		return false;
	}
	*out = fdt32_ld(p);
	return true;
}

uint64_t fdt_read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = v << 32 | fdt32_ld(p + i);
	return v;
}

bool fdt_child_cells(const void *fdt, int node, int *ac, int *sc)
{
	uint32_t a, s;

	if (!fdt_read_u32(fdt, node, "#address-cells", DEFAULT_ADDRESS_CELLS, &a) ||
	    !fdt_read_u32(fdt, node, "#size-cells", DEFAULT_SIZE_CELLS, &s))
		return false;
	if (a < 1 || a > FDT_MAX_CELLS || s < 1 || s > FDT_MAX_CELLS) {
		pr_err("fdt: %s: #address-cells %u / #size-cells %u not in 1..%d\n",
		       fdt_node_name(fdt, node), a, s, FDT_MAX_CELLS);
		return false;
	}
	*ac = (int)a;
	*sc = (int)s;
	return true;
}

bool fdt_read_reg(const void *fdt, int node, int index, struct fdt_mmio *out)
{
	int parent = fdt_parent_offset(fdt, node), ac, sc, len;

	if (parent < 0 || !fdt_child_cells(fdt, parent, &ac, &sc)) {
		pr_err("fdt: %s: no cell counts for its reg\n", fdt_node_name(fdt, node));
		return false;
	}
	const fdt32_t *p = fdt_getprop(fdt, node, "reg", &len);
	int entry = (ac + sc) * (int)sizeof(*p);
	if (!p || len < entry * (index + 1)) {
		pr_err("fdt: %s: reg has no entry %d (%d bytes)\n", fdt_node_name(fdt, node), index,
		       p ? len : 0);
		return false;
	}
	p += (ac + sc) * index;
	out->base = fdt_read_cells(p, ac);
	out->size = fdt_read_cells(p + ac, sc);
	if (out->size > UINT64_MAX - out->base) {
		pr_err("fdt: %s: reg entry %d wraps past the top of memory\n",
		       fdt_node_name(fdt, node), index);
		return false;
	}
	return true;
}

int fdt_gic_intid(uint32_t type, uint32_t number)
{
	if (type == GIC_TYPE_SPI && number < GIC_SPI_COUNT)
		return 32 + (int)number;
	if (type == GIC_TYPE_PPI && number < GIC_PPI_COUNT)
		return 16 + (int)number;
	return -1;
}

/* The phandle of node's interrupt controller: its own interrupt-parent or
 * the nearest ancestor's; 0 if none. */
static uint32_t interrupt_parent(const void *fdt, int node)
{
	while (node >= 0) { /* parents have smaller offsets: this ends */
		int len;
		const fdt32_t *p = fdt_getprop(fdt, node, "interrupt-parent", &len);
		if (p)
			return len == sizeof(*p) ? fdt32_ld(p) : 0;
		node = fdt_parent_offset(fdt, node);
	}
	return 0;
}

int fdt_read_intid(const struct fdt_ctx *c, int node, int index)
{
	const char *name = fdt_node_name(c->fdt, node);
	int len;

	if (interrupt_parent(c->fdt, node) != c->gic_phandle) {
		pr_err("fdt: %s: interrupts do not go to the GIC\n", name);
		return -1;
	}
	const fdt32_t *p = fdt_getprop(c->fdt, node, "interrupts", &len);
	int entry = GIC_SPEC_CELLS * (int)sizeof(*p);
	if (!p || len < entry * (index + 1)) {
		pr_err("fdt: %s: interrupts has no entry %d (%d bytes)\n", name, index,
		       p ? len : 0);
		return -1;
	}
	p += GIC_SPEC_CELLS * index;
	int intid = fdt_gic_intid(fdt32_ld(p), fdt32_ld(p + 1));
	if (intid < 0)
		pr_err("fdt: %s: interrupt <%u %u> is neither an SPI nor a PPI\n", name,
		       fdt32_ld(p), fdt32_ld(p + 1));
	return intid;
}
