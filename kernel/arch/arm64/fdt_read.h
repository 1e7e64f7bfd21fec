/*
 * Checked reads of device-tree properties shared by the boot-info module's
 * files (fdt_bootinfo.c, fdt_platform.c, fdt_pci.c): cell counts, reg
 * entries and GIC interrupt specifiers. Every reader checks the property's
 * length before touching a cell and reports a malformed property with a
 * message naming the node; cells are read with fdt32_ld (byte-wise, no
 * alignment assumption).
 */
#ifndef TERN_ARM64_FDT_READ_H
#define TERN_ARM64_FDT_READ_H

#include <libfdt.h>

#include "arch/fdt_platform.h"

/* The largest #address-cells / #size-cells whose values fit in 64 bits. */
#define FDT_MAX_CELLS 2
/* The GIC binding's interrupt specifier: type (SPI/PPI), number, flags. */
#define GIC_SPEC_CELLS 3

struct fdt_ctx {
	const void *fdt;
	struct boot_info *bi;
	struct fdt_platform *plat;
	uint32_t gic_phandle; /* 0 until the GIC is found */
};

/* The platform half of fdt_bootinfo_parse() (fdt_platform.c) and its PCIe
 * host part (fdt_pci.c): false with a message on a malformed tree. */
bool fdt_platform_parse(struct fdt_ctx *c);
bool fdt_pci_parse(struct fdt_ctx *c);

/* The node's name for messages ("/" for the root). */
const char *fdt_node_name(const void *fdt, int node);

/* A 1-cell property as a number; dflt if absent; false with a message if
 * its length is not 4. */
bool fdt_read_u32(const void *fdt, int node, const char *name, uint32_t dflt, uint32_t *out);

/* Cells of a reg/ranges value of `cells` cells (at most FDT_MAX_CELLS). */
uint64_t fdt_read_cells(const fdt32_t *p, int cells);

/* #address-cells and #size-cells that node's children use (defaults 2
 * and 1), false with a message unless both are in 1..FDT_MAX_CELLS. */
bool fdt_child_cells(const void *fdt, int node, int *ac, int *sc);

/* Entry index of node's reg (cells from its parent); false with a message
 * if the property is absent, malformed, too short or wraps past 2^64. */
bool fdt_read_reg(const void *fdt, int node, int index, struct fdt_mmio *out);

/* The INTID of node's interrupts entry index, which must go to the GIC
 * (3-cell specifiers: SPI/PPI, number, flags). -1 with a message if not. */
int fdt_read_intid(const struct fdt_ctx *c, int node, int index);

/* A GIC interrupt specifier (type, number) as an INTID; -1 if invalid. */
int fdt_gic_intid(uint32_t type, uint32_t number);

#endif
