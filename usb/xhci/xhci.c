/*
 * xHCI host controller: PCI probe, BIOS hand-off, reset, the controller's
 * memory (all from its own DMA pool), start, and the restart after a fatal
 * error. Firmware may leave the controller running with its own rings, so
 * it is taken over (USB Legacy Support, xHCI 7.1), halted and reset first.
 */
#include "dma_pool.h"
#include "irq.h"
#include "kstring.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "xhci.h"

#define XHCI_MAX_XCAPS 64
#define XHCI_BIOS_HANDOFF_NS NSEC_PER_SEC
#define XHCI_HALT_NS (20 * NSEC_PER_MSEC)   /* §5.4.1: halts within 16 ms */
#define XHCI_RESET_NS (500 * NSEC_PER_MSEC)
#define XHCI_MAX_RESETS 3                   /* in XHCI_RESET_WINDOW_NS, or dead */
#define XHCI_RESET_WINDOW_NS (10 * NSEC_PER_SEC)

#define PCI_PROG_IF_XHCI 0x30

static struct hcd_driver xhci_driver;

struct xhci *xhci_by_index(int index)
{
	return hcd_controller(&xhci_driver, index);
}

static void legacy_handoff(struct xhci *x, volatile uint8_t *cap)
{
	mmio_write32(cap, mmio_read32(cap) | XHCI_LEGACY_OS_OWNED);
	if (!wait_until(!(mmio_read32(cap) & XHCI_LEGACY_BIOS_OWNED), XHCI_BIOS_HANDOFF_NS)) {
		pr_warn("xhci%d: BIOS kept ownership for 1 s; taking it by force\n", x->index);
		mmio_write32(cap, mmio_read32(cap) & ~XHCI_LEGACY_BIOS_OWNED);
	}
	uint32_t ctl = mmio_read32(cap + XHCI_LEGCTLSTS);
	mmio_write32(cap + XHCI_LEGCTLSTS,
		     (ctl & ~XHCI_LEGCTLSTS_SMI_ENABLES) | XHCI_LEGCTLSTS_SMI_EVENTS);
}

/* Extended capabilities (§7): the BIOS hand-off and which ports are USB 2
 * or USB 3, in whatever order the controller lists them. */
static void walk_xcaps(struct xhci *x)
{
	unsigned off = XHCI_HCC1_XECP(x->hcc1);

	for (unsigned n = 0; off && n < XHCI_MAX_XCAPS; n++) {
		uint32_t v = mmio_read32(x->cap + off);
		if (XHCI_XCAP_ID(v) == XHCI_XCAP_LEGACY)
			legacy_handoff(x, x->cap + off);
		if (XHCI_XCAP_ID(v) == XHCI_XCAP_PROTOCOL)
			xhci_port_protocol(x, x->cap + off);
		unsigned next = XHCI_XCAP_NEXT(v);
		off = next ? off + next : 0;
	}
	if (off)
		pr_warn("xhci%d: extended capability list too long; stopped\n", x->index);
	for (unsigned p = 1; p <= x->n_ports; p++)
		if (!x->port_major[p])
			pr_warn("xhci%d: port %u in no Supported Protocol capability\n", x->index, p);
}

static int hw_halt(struct xhci *x)
{
	xhci_write(x, XHCI_USBCMD, xhci_read(x, XHCI_USBCMD) & ~(XHCI_CMD_RUN | XHCI_CMD_INTE));
	if (!wait_until(xhci_read(x, XHCI_USBSTS) & XHCI_STS_HCH, XHCI_HALT_NS)) {
		pr_err("xhci%d: controller did not halt within 20 ms (USBSTS %x)\n", x->index,
		       xhci_read(x, XHCI_USBSTS));
		return USB_ERR_TIMEOUT;
	}
	return 0;
}

static int hw_reset(struct xhci *x)
{
	x->running = false;
	hw_halt(x); /* HCRST while running is undefined (§4.2) */
	xhci_write(x, XHCI_USBCMD, XHCI_CMD_HCRST);
	if (!wait_until(!(xhci_read(x, XHCI_USBCMD) & XHCI_CMD_HCRST) &&
			!(xhci_read(x, XHCI_USBSTS) & XHCI_STS_CNR), XHCI_RESET_NS)) {
		pr_err("xhci%d: HCRST did not complete within 500 ms (USBSTS %x)\n", x->index,
		       xhci_read(x, XHCI_USBSTS));
		return USB_ERR_TIMEOUT;
	}
	return 0;
}

/* Programs every pointer register and sets Run (§4.2 steps after reset). */
static int hw_start(struct xhci *x)
{
	volatile uint8_t *ir0 = x->rt;

	xhci_write(x, XHCI_CONFIG, x->max_slots);
	xhci_write64(x->op + XHCI_DCBAAP, x->dcbaa_dma);
	xhci_write64(x->op + XHCI_CRCR, xhci_ring_enqueue_dma(&x->cmd));
	memset(x->events, 0, XHCI_EVENT_TRBS * sizeof(struct xhci_trb));
	x->ev_deq = 0;
	x->ev_cycle = 1;
	mmio_write32(ir0 + XHCI_ERSTSZ, 1);
	xhci_write64(ir0 + XHCI_ERDP, x->events_dma);
	xhci_write64(ir0 + XHCI_ERSTBA, x->erst_dma);
	mmio_write32(ir0 + XHCI_IMOD, 0);
	mmio_write32(ir0 + XHCI_IMAN, XHCI_IMAN_IE | XHCI_IMAN_IP);
	xhci_write(x, XHCI_USBSTS, XHCI_STS_EINT | XHCI_STS_PCD | XHCI_STS_HSE);
	xhci_write(x, XHCI_USBCMD, XHCI_CMD_RUN | XHCI_CMD_INTE | XHCI_CMD_HSEE);
	if (!wait_until(!(xhci_read(x, XHCI_USBSTS) & XHCI_STS_HCH), XHCI_HALT_NS)) {
		pr_err("xhci%d: controller did not start (USBSTS %x)\n", x->index,
		       xhci_read(x, XHCI_USBSTS));
		return USB_ERR_TIMEOUT;
	}
	x->running = true;
	xhci_power_ports(x);
	return 0;
}

static int alloc_scratchpad(struct xhci *x)
{
	x->n_scratch = XHCI_HCS2_SCRATCHPADS(x->hcs2);
	if (!x->n_scratch)
		return 0;
	/* At least 64 bytes: the array must be 64-byte aligned (§6.6). */
	x->scratch_array = dma_pool_alloc(x->pool, MAX(x->n_scratch * 8u, 64u),
					  &x->scratch_array_dma);
	if (!x->scratch_array)
		return USB_ERR_NOMEM;
	x->dcbaa[0] = x->scratch_array_dma;
	/* Only the array keeps the pages: freeing maps them back through the pool. */
	for (unsigned i = 0; i < x->n_scratch; i++)
		if (!dma_pool_alloc(x->pool, 4096, &x->scratch_array[i]))
			return USB_ERR_NOMEM;
	return 0;
}

static int alloc_memory(struct xhci *x)
{
	const struct dma_pool_config cfg = {
		.min_chunk = 64, /* every xHCI structure is 64-byte aligned */
		.max_chunk = 64 * KiB, /* the event ring; nothing may cross 64 KiB */
		.region_size = 256 * KiB,
		.max_phys = 0xffffffffull,
		.source = &dma_kernel_source,
	};

	x->pool = dma_pool_create(x->name, &cfg);
	if (!x->pool)
		return USB_ERR_NOMEM;
	x->dcbaa = dma_pool_alloc(x->pool, (x->max_slots + 1) * 8, &x->dcbaa_dma);
	x->events = dma_pool_alloc(x->pool, XHCI_EVENT_TRBS * sizeof(struct xhci_trb),
				   &x->events_dma);
	x->erst = dma_pool_alloc(x->pool, sizeof(*x->erst), &x->erst_dma);
	if (!x->dcbaa || !x->events || !x->erst || alloc_scratchpad(x) ||
	    xhci_ring_init(&x->cmd, x->pool, XHCI_CMD_TRBS, 1))
		return USB_ERR_NOMEM;
	x->erst->base = x->events_dma;
	x->erst->size = XHCI_EVENT_TRBS;
	return 0;
}

static void free_memory(struct xhci *x)
{
	if (!x->pool)
		return;
	for (unsigned i = 0; x->scratch_array && i < x->n_scratch; i++)
		if (x->scratch_array[i])
			dma_pool_free(x->pool, dma_pool_phys_to_virt(x->pool, x->scratch_array[i]));
	void *chunks[] = { x->scratch_array, x->dcbaa, x->events, x->erst };
	for (unsigned i = 0; i < ARRAY_SIZE(chunks); i++)
		if (chunks[i])
			dma_pool_free(x->pool, chunks[i]);
	xhci_ring_free(&x->cmd);
	dma_pool_destroy(x->pool);
	x->pool = NULL;
}

/* HCE, HSE or a halt nobody asked for: every slot and ring the controller
 * knew is gone. Transfers fail with USB_ERR_HC, slots are forgotten (freed
 * as the core removes their devices) and the core enumerates the bus again. */
void xhci_restart(struct xhci *x, const char *why)
{
	bool give_up = hcd_restart_limit_hit(&x->restarts, XHCI_MAX_RESETS, XHCI_RESET_WINDOW_NS);

	pr_err("xhci%d: %s (USBSTS %x); resetting the controller\n", x->index, why,
	       xhci_read(x, XHCI_USBSTS));
	x->stats.resets++;
	x->restart_pending = false;
	int rc = hw_reset(x);
	xhci_fail_all(x, USB_ERR_HC);
	xhci_slots_lost(x);
	xhci_ring_reset(&x->cmd);
	x->cmd_trb = 0;
	x->dead = give_up || rc || hw_start(x);
	if (x->dead) {
		hw_halt(x);
		pr_err("xhci%d: controller %s; giving up on it\n", x->index,
		       give_up ? "keeps failing" : "did not restart");
	}
	hcd_giveback_all(&x->done);
	usb_hcd_reset_notify(&x->hcd);
}

static const struct usb_hcd_ops xhci_hcd_ops = {
	.port_status = xhci_port_status, .port_clear_changes = xhci_port_clear_changes,
	.port_reset_start = xhci_port_reset_start, .port_reset_finish = xhci_port_reset_finish,
	.port_disable = xhci_port_disable, .ep_open = xhci_ep_open, .ep_close = xhci_ep_close,
	.submit = xhci_submit, .cancel = xhci_cancel, .ep_reset = xhci_ep_reset,
	.device_add = xhci_device_add, .set_address = xhci_set_address,
	.device_reset = xhci_device_reset, .device_remove = xhci_device_remove,
	.hub_info = xhci_hub_info, .dump = xhci_dump,
};

static int map_registers(struct xhci *x)
{
	int rc;

	x->cap = hcd_map_bar0(x->pci, "xhci", 0x10000, &rc);
	if (!x->cap)
		return rc;
	x->op = x->cap + (mmio_read32(x->cap + XHCI_CAP_LENGTH) & 0xff);
	x->rt = x->cap + (mmio_read32(x->cap + XHCI_RTSOFF) & ~0x1fu);
	x->db = x->cap + (mmio_read32(x->cap + XHCI_DBOFF) & ~0x3u);
	x->hcs1 = mmio_read32(x->cap + XHCI_HCSPARAMS1);
	x->hcs2 = mmio_read32(x->cap + XHCI_HCSPARAMS2);
	x->hcc1 = mmio_read32(x->cap + XHCI_HCCPARAMS1);
	x->n_ports = MIN(XHCI_HCS1_PORTS(x->hcs1), (unsigned)XHCI_MAX_PORTS);
	x->max_slots = MIN(XHCI_HCS1_SLOTS(x->hcs1), (unsigned)XHCI_MAX_SLOTS);
	x->ctx_size = (x->hcc1 & XHCI_HCC1_CSZ) ? 64 : 32;
	if (!x->n_ports || !x->max_slots || !(xhci_read(x, XHCI_PAGESIZE) & 1)) {
		pr_err("xhci%d: unusable: HCSPARAMS1 %x, PAGESIZE %x\n", x->index, x->hcs1,
		       xhci_read(x, XHCI_PAGESIZE));
		return USB_ERR_INVAL;
	}
	return 0;
}

static void setup_interrupts(struct xhci *x)
{
	unsigned line = x->irq_line = x->pci->irq_line;

	x->irq_ok = pci_irq_routed(x->pci) && irq_register(line, xhci_irq, x, x->name) >= 0;
	if (!x->irq_ok)
		pr_warn("xhci%d: no usable interrupt line (%u); polling every 1 ms\n", x->index,
			line);
}

static void teardown(void *state)
{
	struct xhci *x = state;

	if (x->op)
		hw_halt(x);
	if (x->irq_ok)
		irq_unregister(x->irq_line, xhci_irq, x);
	work_cancel(&x->irq_work);
	free_memory(x);
	if (x->cap)
		iounmap((void *)x->cap);
	kfree(x);
}

static int start(void *state, struct pci_dev *d, int index)
{
	struct xhci *x = state;

	x->pci = d;
	x->index = index;
	ksnprintf(x->name, sizeof(x->name), "xhci%d", index);
	list_node_init(&x->eps);
	list_node_init(&x->done);
	work_init(&x->irq_work, xhci_irq_work);
	work_init(&x->ep_work, xhci_ep_work);
	int rc = map_registers(x);
	if (rc)
		return rc;
	walk_xcaps(x);
	rc = hw_reset(x);
	if (!rc && alloc_memory(x)) {
		pr_err("xhci%d: out of DMA memory for the controller\n", x->index);
		rc = USB_ERR_NOMEM;
	}
	if (rc)
		return rc;
	setup_interrupts(x);
	rc = hw_start(x);
	if (rc)
		return rc;
	x->hcd = (struct usb_hcd){ .ops = &xhci_hcd_ops, .driver_name = "xhci_hcd",
				   .product = "xHCI Host Controller", .speed = USB_SPEED_SUPER,
				   .num_ports = x->n_ports, .priv = x, .pci = x->pci };
	pr_info("xhci%d: %02x:%02x.%x, %u ports, %u slots, %u-byte contexts, %u scratchpads, "
		"IRQ %u\n", x->index, d->bus, d->dev, d->fn, x->n_ports, x->max_slots,
		x->ctx_size, x->n_scratch, x->irq_line);
	rc = usb_hcd_register(&x->hcd); /* 0, or said on the console */
	if (!rc)
		work_schedule(&x->irq_work, 0);
	return rc;
}

static struct hcd_driver xhci_driver = {
	.name = "xhci", .state_size = sizeof(struct xhci), .start = start, .teardown = teardown,
};

static int xhci_probe(struct pci_dev *d)
{
	return hcd_probe(&xhci_driver, d);
}

PCI_DRIVER(xhci, .name = "xhci_hcd", .class_code = PCI_CLASS_SERIAL_BUS,
	   .subclass = PCI_SUBCLASS_USB, .prog_if = PCI_PROG_IF_XHCI, .order = 0,
	   .probe = xhci_probe);
