/*
 * UHCI host controller: PCI probe, hand-off from the BIOS, reset, the
 * periodic schedule skeleton, start, root ports and the interrupt handler.
 * Transfers live in uhci_xfer.c. The controller's memory (frame list,
 * skeleton and endpoint QHs, TDs) all comes from one DMA pool per
 * controller, limited to 32-bit addresses because every UHCI pointer is 32
 * bits wide.
 */
#include "dma_pool.h"
#include "hw.h"
#include "irq.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "spinlock.h"
#include "uhci.h"

#define UHCI_IO_BAR 4                  /* USBBA: PCI config 0x20 */
/* Reset signalling of at least TDRST = 10 ms (USB 2.0 7.1.7.5); every device
 * also gets its own 50 ms port reset before enumeration. */
#define UHCI_GRESET_MS 11
#define UHCI_HALT_TIMEOUT_NS (10 * NSEC_PER_MSEC) /* a frame is 1 ms */
#define UHCI_PORT_TIMEOUT_NS (20 * NSEC_PER_MSEC)
#define UHCI_PORT_ENABLE_DELAY_US 10   /* after reset ends, before PE */
#define UHCI_MAX_RESETS 3 /* in a row, each within the window of the last */
#define UHCI_RESET_WINDOW_NS (10 * NSEC_PER_SEC)

struct uhci_hc *uhci_hcs[UHCI_MAX_HCS];
unsigned uhci_hc_count;

uint16_t uhci_read16(struct uhci_hc *hc, uint16_t reg) { return inw(hc->io + reg); }
void uhci_write16(struct uhci_hc *hc, uint16_t reg, uint16_t v) { outw(hc->io + reg, v); }
uint16_t uhci_frame(struct uhci_hc *hc) { return uhci_read16(hc, UHCI_FRNUM) & UHCI_FRNUM_MASK; }
bool uhci_halted(struct uhci_hc *hc) { return uhci_read16(hc, UHCI_USBSTS) & UHCI_STS_HCH; }

static bool stop(struct uhci_hc *hc)
{
	uhci_write16(hc, UHCI_USBINTR, 0);
	uhci_write16(hc, UHCI_USBCMD, 0);
	return wait_until(uhci_halted(hc), UHCI_HALT_TIMEOUT_NS);
}

/* Takes the controller from the BIOS, stops it and starts driving reset on
 * every port; end_global_reset() follows UHCI_GRESET_MS later. */
static void begin_global_reset(struct uhci_hc *hc)
{
	pci_write16(hc->pci, UHCI_PCI_LEGSUP, UHCI_LEGSUP_HANDOFF);
	if (!stop(hc))
		pr_warn("%s: did not halt within 10 ms, resetting anyway\n", hc->name);
	uhci_write16(hc, UHCI_USBCMD, UHCI_CMD_GRESET);
}

static int end_global_reset(struct uhci_hc *hc)
{
	uhci_write16(hc, UHCI_USBCMD, 0);
	uhci_write16(hc, UHCI_USBCMD, UHCI_CMD_HCRESET);
	if (!wait_until(!(uhci_read16(hc, UHCI_USBCMD) & UHCI_CMD_HCRESET),
			UHCI_HALT_TIMEOUT_NS)) {
		pr_err("%s: HCRESET did not complete within 10 ms\n", hc->name);
		return USB_ERR_HC;
	}
	return 0;
}

/* Skeleton index that frame f starts at: period 2^k for the largest
 * k <= 7 with 2^k dividing f (frame 0 serves every period). */
static enum uhci_skel frame_skel(unsigned f)
{
	unsigned k = f ? (unsigned)__builtin_ctz(f) : 7;
	return UHCI_SKEL_INT128 + (7 - MIN(k, 7u));
}

/* Skeleton QHs only: endpoint QHs are hung after them by link_qh. */
static void build_schedule(struct uhci_hc *hc)
{
	for (int i = 0; i < UHCI_NUM_SKELS; i++) {
		list_node_init(&hc->skel_eps[i]);
		hc->skel[i]->element = UHCI_LINK_TERMINATE;
		hc->skel[i]->link = i + 1 < UHCI_NUM_SKELS
					    ? (uint32_t)hc->skel_dma[i + 1] | UHCI_LINK_QH
					    : UHCI_LINK_TERMINATE;
	}
	for (unsigned f = 0; f < UHCI_FRAMES; f++)
		hc->frame_list[f] = (uint32_t)hc->skel_dma[frame_skel(f)] | UHCI_LINK_QH;
	dma_wmb();
}

static int alloc_schedule(struct uhci_hc *hc)
{
	struct dma_pool_config cfg = {
		.min_chunk = 16, /* TDs and QHs */
		.max_chunk = UHCI_FRAME_LIST_BYTES,
		.region_size = 8 * KiB, /* the frame list and one 4 KiB slab of 256 TDs/QHs */
		.max_phys = 0xFFFFFFFFull,
		.flags = 0,
		.source = &dma_kernel_source,
	};
	hc->pool = dma_pool_create(hc->name, &cfg);
	if (!hc->pool)
		return USB_ERR_NOMEM;
	/* A 4 KiB chunk is naturally aligned, as FRBASEADD requires. */
	hc->frame_list = dma_pool_alloc(hc->pool, UHCI_FRAME_LIST_BYTES, &hc->frame_list_dma);
	if (!hc->frame_list)
		return USB_ERR_NOMEM;
	for (int i = 0; i < UHCI_NUM_SKELS; i++) {
		hc->skel[i] = dma_pool_alloc(hc->pool, UHCI_QH_BYTES, &hc->skel_dma[i]);
		if (!hc->skel[i])
			return USB_ERR_NOMEM;
	}
	return 0;
}

static int start(struct uhci_hc *hc)
{
	uhci_write16(hc, UHCI_USBINTR, 0);
	uhci_write16(hc, UHCI_FRNUM, 0);
	outl(hc->io + UHCI_FRBASEADD, (uint32_t)hc->frame_list_dma);
	outb(hc->io + UHCI_SOFMOD, UHCI_SOF_DEFAULT);
	uhci_write16(hc, UHCI_USBSTS, UHCI_STS_CAUSES | UHCI_STS_HCH);
	uhci_write16(hc, UHCI_USBINTR, UHCI_INTR_TIMEOUT_CRC | UHCI_INTR_RESUME |
					       UHCI_INTR_IOC | UHCI_INTR_SHORT);
	uhci_write16(hc, UHCI_USBCMD, UHCI_CMD_RS | UHCI_CMD_CF | UHCI_CMD_MAXP);
	if (!wait_until(!uhci_halted(hc), UHCI_HALT_TIMEOUT_NS)) {
		pr_err("%s: did not start (USBSTS %04x)\n", hc->name,
		       uhci_read16(hc, UHCI_USBSTS));
		return USB_ERR_HC;
	}
	pci_write16(hc->pci, UHCI_PCI_LEGSUP, UHCI_LEGSUP_PIRQ);
	return 0;
}

/* Real ports read bit 7 as 1; the registers after the last one do not. */
static unsigned count_ports(struct uhci_hc *hc)
{
	unsigned max = UHCI_MAX_PORTS;
	uint64_t io_size = hc->pci->bar[UHCI_IO_BAR].size;
	if (io_size > UHCI_PORTSC1 && (io_size - UHCI_PORTSC1) / 2 < max)
		max = (unsigned)(io_size - UHCI_PORTSC1) / 2;
	unsigned n = 0;
	for (; n < max; n++) {
		uint16_t v = uhci_read16(hc, UHCI_PORTSC1 + 2 * n);
		if (!(v & UHCI_PORT_VALID) || v == 0xFFFF)
			break;
	}
	return n;
}

/* HCRESET leaves the ports' reset, suspend and resume bits as they were
 * (Linux uhci-hcd finish_reset() notes the same), so they are cleared by
 * hand; this also disables every port until the core resets it. */
static void clear_ports(struct uhci_hc *hc)
{
	for (unsigned p = 0; p < hc->hcd.num_ports; p++)
		uhci_write16(hc, UHCI_PORTSC1 + 2 * p, 0);
}

void uhci_recover(struct uhci_hc *hc, uint16_t status)
{
	const char *why = (status & UHCI_STS_HSE)    ? "host system error"
			  : (status & UHCI_STS_HCPE) ? "host controller process error"
						     : "controller halted unexpectedly";
	pr_err("%s: %s (USBSTS %04x), resetting the controller\n", hc->name, why, status);
	stop(hc);
	uhci_fail_all(hc, USB_ERR_HC);
	uint64_t now = ktime_ns();
	if (hc->resets && now - hc->last_reset_ns > UHCI_RESET_WINDOW_NS)
		hc->recent_resets = 0; /* an old error does not count against it */
	hc->resets++;
	hc->last_reset_ns = now;
	if (++hc->recent_resets > UHCI_MAX_RESETS) {
		pr_err("%s: %u fatal errors in a row, giving up on this controller\n", hc->name,
		       hc->recent_resets);
		hc->dead = true;
		return;
	}
	begin_global_reset(hc);
	mdelay(UHCI_GRESET_MS);
	if (end_global_reset(hc) != 0) {
		hc->dead = true;
		return;
	}
	clear_ports(hc);
	build_schedule(hc);
	uhci_relink_all(hc);
	if (start(hc) != 0) {
		hc->dead = true;
		return;
	}
	usb_hcd_reset_notify(&hc->hcd);
}

/* --- root ports ------------------------------------------------------ */

static uint16_t port_reg(int port) { return UHCI_PORTSC1 + 2 * (port - 1); }

static struct uhci_hc *port_hc(struct usb_hcd *hcd, int port)
{
	struct uhci_hc *hc = hcd->priv;
	if (port < 1 || (unsigned)port > hc->hcd.num_ports) {
		pr_err("%s: no root port %d\n", hc->name, port);
		return NULL;
	}
	return hc;
}

static uint16_t port_read(struct uhci_hc *hc, int port)
{
	return uhci_read16(hc, port_reg(port));
}

/* Writes the R/W bits `rw` and clears the change bits in `clear`; never
 * writes a 1 to a change bit by accident or to a reserved bit. */
static void port_write(struct uhci_hc *hc, int port, uint16_t rw, uint16_t clear)
{
	uhci_write16(hc, port_reg(port), (rw & UHCI_PORT_RW_BITS) | (clear & UHCI_PORT_WC_BITS));
}

unsigned uhci_port_status(struct usb_hcd *hcd, int port)
{
	struct uhci_hc *hc = port_hc(hcd, port);
	if (!hc)
		return 0;
	uint16_t v = port_read(hc, port);
	return (v & UHCI_PORT_CCS ? USB_PORT_CONNECTED : 0) |
	       (v & UHCI_PORT_PE ? USB_PORT_ENABLED : 0) |
	       (v & UHCI_PORT_LSDA ? USB_PORT_LOW_SPEED : 0) |
	       (v & UHCI_PORT_CSC ? USB_PORT_CONNECT_CHANGE : 0) |
	       (v & UHCI_PORT_PEC ? USB_PORT_ENABLE_CHANGE : 0);
}

void uhci_port_clear_changes(struct usb_hcd *hcd, int port)
{
	struct uhci_hc *hc = port_hc(hcd, port);
	if (!hc)
		return;
	uint16_t v = port_read(hc, port);
	port_write(hc, port, v, v);
}

int uhci_port_reset_start(struct usb_hcd *hcd, int port)
{
	struct uhci_hc *hc = port_hc(hcd, port);
	if (!hc)
		return USB_ERR_INVAL;
	uint16_t v = port_read(hc, port);
	port_write(hc, port, (v & ~UHCI_PORT_PE) | UHCI_PORT_PR, 0);
	return 0;
}

/* QEMU routes packets only to enabled ports and lets PE be set only while
 * a device is connected, so enabling is checked, not assumed. */
int uhci_port_reset_finish(struct usb_hcd *hcd, int port, enum usb_speed *speed)
{
	struct uhci_hc *hc = port_hc(hcd, port);
	if (!hc)
		return USB_ERR_INVAL;
	port_write(hc, port, port_read(hc, port) & ~UHCI_PORT_PR, 0);
	if (!wait_until(!(port_read(hc, port) & UHCI_PORT_PR), UHCI_PORT_TIMEOUT_NS)) {
		pr_err("%s: port %d stays in reset\n", hc->name, port);
		return USB_ERR_TIMEOUT;
	}
	udelay(UHCI_PORT_ENABLE_DELAY_US);
	if (!(port_read(hc, port) & UHCI_PORT_CCS))
		return USB_ERR_NODEV;
	port_write(hc, port, port_read(hc, port) | UHCI_PORT_PE, 0);
	if (!wait_until(port_read(hc, port) & (UHCI_PORT_PE), UHCI_PORT_TIMEOUT_NS)) {
		uint16_t v = port_read(hc, port);
		if (!(v & UHCI_PORT_CCS))
			return USB_ERR_NODEV;
		pr_err("%s: port %d does not enable (PORTSC %04x)\n", hc->name, port, v);
		return USB_ERR_TIMEOUT;
	}
	*speed = port_read(hc, port) & UHCI_PORT_LSDA ? USB_SPEED_LOW : USB_SPEED_FULL;
	return 0;
}

void uhci_port_disable(struct usb_hcd *hcd, int port)
{
	struct uhci_hc *hc = port_hc(hcd, port);
	if (hc)
		port_write(hc, port, port_read(hc, port) & ~UHCI_PORT_PE, 0);
}

/* --- interrupt ------------------------------------------------------- */

/* Acknowledges the controller and leaves the work to uhci_work_fn. */
static bool uhci_irq(void *ctx)
{
	struct uhci_hc *hc = ctx;
	uint16_t sts = uhci_read16(hc, UHCI_USBSTS);
	if (sts == 0xFFFF || !(sts & UHCI_STS_CAUSES))
		return false;
	uhci_write16(hc, UHCI_USBSTS, sts & UHCI_STS_CAUSES);
	hc->irq_status |= sts & (UHCI_STS_CAUSES | UHCI_STS_HCH);
	work_schedule(&hc->work, 0);
	return true;
}

static void setup_interrupt(struct uhci_hc *hc)
{
	uint8_t line = hc->pci->irq_line;
	if (pci_irq_routed(hc->pci) && irq_register(line, uhci_irq, hc, hc->name) == 0) {
		hc->irq_registered = true;
		return;
	}
	pr_warn("%s: no usable interrupt line (%u), polling every millisecond\n", hc->name,
		line);
	hc->polling = true;
}

const struct usb_hcd_ops uhci_hcd_ops = USB_HCD_OPS(uhci);

static void free_schedule(struct uhci_hc *hc)
{
	for (int i = 0; i < UHCI_NUM_SKELS; i++)
		if (hc->skel[i])
			dma_pool_free(hc->pool, hc->skel[i]);
	if (hc->frame_list)
		dma_pool_free(hc->pool, (void *)hc->frame_list);
	dma_pool_destroy(hc->pool);
}

/* Undoes whatever part of the probe was done: the controller halted,
 * nothing registered or allocated. */
static void teardown(struct uhci_hc *hc)
{
	if (!stop(hc))
		pr_err("%s: did not halt within 10 ms\n", hc->name);
	if (hc->irq_registered)
		irq_unregister(hc->pci->irq_line, uhci_irq, hc);
	work_cancel(&hc->work);
	if (hc->pool)
		free_schedule(hc);
	kfree(hc);
}

static int bring_up(struct uhci_hc *hc)
{
	int rc = end_global_reset(hc);
	if (rc == 0)
		rc = alloc_schedule(hc);
	if (rc == USB_ERR_NOMEM)
		pr_err("%s: out of DMA memory for the schedule\n", hc->name);
	if (rc)
		return rc;
	build_schedule(hc);
	hc->hcd.num_ports = count_ports(hc);
	clear_ports(hc);
	setup_interrupt(hc);
	return start(hc);
}

static int register_with_core(struct uhci_hc *hc)
{
	hc->hcd = (struct usb_hcd){ .ops = &uhci_hcd_ops, .driver_name = "uhci_hcd",
				    .product = "UHCI Host Controller", .speed = USB_SPEED_FULL,
				    .num_ports = hc->hcd.num_ports, .priv = hc, .pci = hc->pci };
	pr_info("%s: I/O %04x, IRQ %u%s, %u ports\n", hc->name, hc->io, hc->pci->irq_line,
		hc->polling ? " (polling)" : "", hc->hcd.num_ports);
	int rc = usb_hcd_register(&hc->hcd);
	if (rc < 0)
		pr_err("%s: USB core refused the controller (%d)\n", hc->name, rc);
	return rc < 0 ? rc : 0;
}

/* The controller is registered before pci_init() returns, so whoever waits
 * for USB to settle afterwards (the shell's usbwait) sees every bus. */
static int uhci_probe(struct pci_dev *pci)
{
	const struct pci_bar *bar = &pci->bar[UHCI_IO_BAR];
	if (!bar->is_io || !bar->base) {
		pr_err("uhci %02x:%02x.%x: BAR4 is not an I/O range\n", pci->bus, pci->dev,
		       pci->fn);
		return USB_ERR_INVAL;
	}
	struct uhci_hc *hc = hcd_alloc_state(pci, "uhci", uhci_hc_count, UHCI_MAX_HCS,
					     sizeof(*hc));
	if (!hc)
		return USB_ERR_NOMEM;
	hc->pci = pci;
	hc->io = (uint16_t)bar->base;
	ksnprintf(hc->name, sizeof(hc->name), "uhci %02x:%02x.%x", pci->bus, pci->dev, pci->fn);
	work_init(&hc->work, uhci_work_fn);
	list_node_init(&hc->eps);
	list_node_init(&hc->retired);
	/* I/O decoding on, and INTx allowed: firmware may have left either off. */
	uint16_t cmd = pci_read16(pci, PCI_COMMAND);
	pci_write16(pci, PCI_COMMAND, (cmd | PCI_CMD_IO) & ~PCI_CMD_INTX_DISABLE);
	pci_enable_bus_master(pci);
	begin_global_reset(hc);
	mdelay(UHCI_GRESET_MS);
	int rc = bring_up(hc);
	if (rc == 0)
		rc = register_with_core(hc);
	if (rc) {
		pr_err("%s: controller not started (%d)\n", hc->name, rc);
		teardown(hc);
		return rc;
	}
	pci->driver_data = hc;
	uhci_hcs[uhci_hc_count++] = hc;
	return 0;
}

/* After EHCI (order 0): its CONFIGFLAG decides which ports are ours. */
PCI_DRIVER(uhci, .name = "uhci_hcd", .class_code = 0x0C, .subclass = 0x03, .prog_if = 0x00,
	   .order = 10, .probe = uhci_probe);
