/*
 * The platform devices Tern drives on an arm64 device-tree machine, read
 * from the DTB (include/arch/fdt_platform.h): the GIC first (every other
 * node's interrupts are decoded against it), then the generic timer's
 * PPIs, the UART /chosen/stdout-path names, and the PCIe host
 * (fdt_pci.c). Also the report the `bootinfo` command prints.
 */
#include "fdt_read.h"
#include "kstring.h"
#include "printk.h"

static const char *const gic_v2_compatibles[] = {
	"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic", "arm,cortex-a7-gic",
};

/* The first node compatible with any of names, or a negative libfdt error. */
static int find_compatible(const void *fdt, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int node = fdt_node_offset_by_compatible(fdt, -1, names[i]);
		if (node >= 0)
			return node;
	}
	return -FDT_ERR_NOTFOUND;
}

static int find_gic(const void *fdt, enum fdt_gic_version *version)
{
	static const char *const v3[] = { "arm,gic-v3" };
	int node = find_compatible(fdt, v3, ARRAY_SIZE(v3));

	*version = FDT_GIC_V3;
	if (node < 0) {
		node = find_compatible(fdt, gic_v2_compatibles, ARRAY_SIZE(gic_v2_compatibles));
		*version = FDT_GIC_V2;
	}
	return node;
}

static bool parse_gic(struct fdt_ctx *c)
{
	struct fdt_gic *gic = &c->plat->gic;
	uint32_t cells;
	int node = find_gic(c->fdt, &gic->version);

	if (node < 0) {
		pr_err("fdt: no GICv2 or GICv3 interrupt controller\n");
		return false;
	}
	if (!fdt_read_u32(c->fdt, node, "#interrupt-cells", 0, &cells))
		return false;
	c->gic_phandle = fdt_get_phandle(c->fdt, node);
	if (cells != GIC_SPEC_CELLS || c->gic_phandle == 0) {
		pr_err("fdt: %s: #interrupt-cells %u (need %d) or no phandle\n",
		       fdt_node_name(c->fdt, node), cells, GIC_SPEC_CELLS);
		return false;
	}
	struct fdt_mmio *second = gic->version == FDT_GIC_V3 ? &gic->redist : &gic->cpu;
	return fdt_read_reg(c->fdt, node, 0, &gic->dist) &&
	       fdt_read_reg(c->fdt, node, 1, second);
}

static bool parse_timer(struct fdt_ctx *c)
{
	static const char *const names[] = { "arm,armv8-timer", "arm,armv7-timer" };
	struct fdt_timer *t = &c->plat->timer;
	int node = find_compatible(c->fdt, names, ARRAY_SIZE(names));

	if (node < 0) {
		pr_err("fdt: no arm,armv8-timer node\n");
		return false;
	}
	for (int i = 0; i < FDT_TIMER_PPI_COUNT; i++) {
		int intid = fdt_read_intid(c, node, i);
		if (intid < 0)
			return false;
		t->intid[i] = (uint32_t)intid;
	}
	t->present = true;
	return true;
}

/* The node stdout-path names: "path[:options]" or an alias. */
static int stdout_node(const void *fdt, int chosen)
{
	int len;
	const char *path = fdt_getprop(fdt, chosen, "stdout-path", &len);

	if (!path || len < 1)
		return -FDT_ERR_NOTFOUND;
	const char *colon = memchr(path, ':', (size_t)len);
	size_t n = colon ? (size_t)(colon - path) : strnlen(path, (size_t)len);
	return fdt_path_offset_namelen(fdt, path, (int)n);
}

static bool parse_uart(struct fdt_ctx *c)
{
	struct fdt_uart *u = &c->plat->uart;
	int node = stdout_node(c->fdt, fdt_path_offset(c->fdt, "/chosen"));

	if (node < 0) {
		pr_err("fdt: /chosen/stdout-path names no node\n");
		return false;
	}
	if (fdt_node_check_compatible(c->fdt, node, "arm,pl011") != 0) {
		pr_err("fdt: stdout %s is not an arm,pl011 UART\n", fdt_node_name(c->fdt, node));
		return false;
	}
	int intid = fdt_read_intid(c, node, 0);
	if (intid < 0 || !fdt_read_reg(c->fdt, node, 0, &u->regs))
		return false;
	u->intid = (uint32_t)intid;
	u->present = true;
	return true;
}

static void copy_model(struct fdt_ctx *c)
{
	int len;
	const char *model = fdt_getprop(c->fdt, 0, "model", &len);
	size_t n = model ? strnlen(model, (size_t)len) : 0;

	n = MIN(n, sizeof(c->plat->model) - 1);
	memcpy(c->plat->model, model ? model : "", n);
	c->plat->model[n] = '\0';
}

bool fdt_platform_parse(struct fdt_ctx *c)
{
	copy_model(c);
	return parse_gic(c) && parse_timer(c) && parse_uart(c) && fdt_pci_parse(c);
}

/* --- report ------------------------------------------------------------- */

static void print_mmio(const char *what, const struct fdt_mmio *m)
{
	if (m->size)
		kprintf("  %-22s 0x%llx + 0x%llx\n", what, (unsigned long long)m->base,
			(unsigned long long)m->size);
}

static void print_window(const char *what, const struct fdt_pci_window *w)
{
	if (w->size)
		kprintf("  %-22s pci 0x%llx -> cpu 0x%llx + 0x%llx%s\n", what,
			(unsigned long long)w->pci_addr, (unsigned long long)w->cpu_addr,
			(unsigned long long)w->size, w->prefetchable ? " prefetchable" : "");
}

static void print_pci(const struct fdt_pci_host *pci)
{
	if (!pci->present) {
		kprintf("  no PCIe host\n");
		return;
	}
	print_mmio("PCIe ECAM", &pci->ecam);
	kprintf("  %-22s %02x-%02x\n", "PCIe buses", pci->bus_start, pci->bus_end);
	print_window("PCIe I/O window", &pci->io);
	print_window("PCIe mem32 window", &pci->mem32);
	print_window("PCIe mem64 window", &pci->mem64);
	kprintf("  %-22s %u rows, mask 0x%x pin 0x%x\n", "PCIe interrupt-map", pci->irq_map_count,
		pci->irq_mask_phys_hi, pci->irq_mask_pin);
}

void fdt_platform_print(const struct fdt_platform *plat)
{
	const struct fdt_timer *t = &plat->timer;

	kprintf("device tree: %s\n", plat->model[0] ? plat->model : "(no model)");
	print_mmio("UART (PL011)", &plat->uart.regs);
	kprintf("  %-22s INTID %u\n", "UART interrupt", plat->uart.intid);
	kprintf("  %-22s v%d\n", "GIC", plat->gic.version);
	print_mmio("GIC distributor", &plat->gic.dist);
	print_mmio("GIC CPU interface", &plat->gic.cpu);
	print_mmio("GIC redistributors", &plat->gic.redist);
	kprintf("  %-22s INTID phys %u, virt %u, hyp %u, secure %u\n", "timer",
		t->intid[FDT_TIMER_PHYS], t->intid[FDT_TIMER_VIRT], t->intid[FDT_TIMER_HYP],
		t->intid[FDT_TIMER_SEC_PHYS]);
	print_pci(&plat->pci);
}
