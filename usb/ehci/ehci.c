/*
 * EHCI host controller: PCI probe, take-over from the BIOS, reset and
 * start. Firmware (SeaBIOS in QEMU) leaves the controller running with
 * schedules in RAM the kernel is about to reuse, so the driver first takes
 * ownership through USBLEGSUP (§5.1), halts and resets the controller, and
 * only then builds fresh schedules in DMA pool memory. It probes at PCI
 * order 0, before the UHCI companions: setting CONFIGFLAG routes every
 * port to EHCI, and ports with slower devices are handed over later, one
 * by one (ehci_port.c).
 */
#include "dma_pool.h"
#include "ehci.h"
#include "irq.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"

#define EHCI_MAX_EXTCAPS 32
#define EHCI_EXTCAP_MIN_OFFSET 0x40      /* §2.2.4: EECP is 0 or >= 0x40 */
#define EHCI_BIOS_HANDOFF_NS NSEC_PER_SEC
#define EHCI_HALT_NS (20 * NSEC_PER_MSEC) /* §2.3.2: halts within 16 µframes */
#define EHCI_RESET_NS (250 * NSEC_PER_MSEC)
#define EHCI_PORT_POWER_MS 20

#define PCI_CLASS_SERIAL_BUS 0x0c
#define PCI_SUBCLASS_USB 0x03
#define PCI_PROG_IF_EHCI 0x20

static char pool_names[HCD_MAX_CONTROLLERS][8];
static struct hcd_driver ehci_driver;

struct ehci *ehci_by_index(int index)
{
	return hcd_controller(&ehci_driver, index);
}

/* --- BIOS hand-off (§5.1) ------------------------------------------------ */

static void legacy_handoff(struct ehci *e, uint16_t off)
{
	struct pci_dev *d = e->pci;

	pci_write8(d, off + 3, 1); /* HC OS Owned Semaphore */
	if (!wait_until(!(pci_read32(d, off) & EHCI_LEGSUP_BIOS_OWNED),
			EHCI_BIOS_HANDOFF_NS)) {
		pr_warn("ehci%d: BIOS kept ownership for 1 s; taking it by force\n",
			e->index);
		pci_write8(d, off + 2, 0); /* HC BIOS Owned Semaphore */
	}
	/* Disable every SMI source; writing the change bits back clears them. */
	uint32_t ctl = pci_read32(d, off + EHCI_LEGCTLSTS_OFFSET);
	pci_write32(d, off + EHCI_LEGCTLSTS_OFFSET, ctl & ~EHCI_LEGCTLSTS_SMI_ENABLES);
}

static void bios_takeover(struct ehci *e)
{
	uint8_t seen[256 / 8] = { 0 };
	unsigned off = EHCI_HCC_EECP(e->hccparams);

	for (unsigned n = 0; off >= EHCI_EXTCAP_MIN_OFFSET; n++) {
		if (n == EHCI_MAX_EXTCAPS || (seen[off / 8] & (1u << (off % 8)))) {
			pr_warn("ehci%d: extended capability list loops at %x; "
				"stopping the walk\n", e->index, off);
			return;
		}
		seen[off / 8] |= 1u << (off % 8);
		uint32_t cap = pci_read32(e->pci, (uint16_t)off);
		if (EHCI_EXTCAP_ID(cap) == EHCI_EXTCAP_ID_LEGACY)
			legacy_handoff(e, (uint16_t)off);
		off = EHCI_EXTCAP_NEXT(cap) & ~3u;
	}
}

/* --- controller state -------------------------------------------------- */

int ehci_hw_halt(struct ehci *e)
{
	uint32_t cmd = ehci_read(e, EHCI_USBCMD);

	ehci_write(e, EHCI_USBCMD,
		   cmd & ~(EHCI_CMD_RUN | EHCI_CMD_ASE | EHCI_CMD_PSE | EHCI_CMD_IAAD));
	if (!wait_until(ehci_read(e, EHCI_USBSTS) & EHCI_STS_HALTED, EHCI_HALT_NS)) {
		pr_err("ehci%d: controller did not halt within 20 ms (USBSTS %x)\n",
		       e->index, ehci_read(e, EHCI_USBSTS));
		return USB_ERR_TIMEOUT;
	}
	return 0;
}

int ehci_hw_reset(struct ehci *e)
{
	e->running = false;
	ehci_write(e, EHCI_USBINTR, 0);
	ehci_hw_halt(e); /* HCRESET on a running controller is undefined */
	ehci_write(e, EHCI_USBCMD, EHCI_CMD_HCRESET);
	if (!wait_until(!(ehci_read(e, EHCI_USBCMD) & EHCI_CMD_HCRESET), EHCI_RESET_NS)) {
		pr_err("ehci%d: HCRESET did not complete within 250 ms\n", e->index);
		return USB_ERR_TIMEOUT;
	}
	return 0;
}

static void power_ports(struct ehci *e)
{
	bool switched = false;

	for (unsigned p = 1; p <= e->n_ports; p++) {
		uint32_t v = ehci_read(e, EHCI_PORTSC(p));
		if (!(v & EHCI_PORT_PP)) {
			ehci_write(e, EHCI_PORTSC(p), ehci_portsc_preserve(v) | EHCI_PORT_PP);
			switched = true;
		}
	}
	if (switched)
		mdelay(EHCI_PORT_POWER_MS); /* power-on to power-good */
}

int ehci_hw_start(struct ehci *e)
{
	if (e->hccparams & EHCI_HCC_64BIT)
		ehci_write(e, EHCI_CTRLDSSEGMENT, 0); /* every descriptor < 4 GiB */
	ehci_write(e, EHCI_PERIODICLISTBASE, (uint32_t)e->frame_list_dma);
	ehci_write(e, EHCI_ASYNCLISTADDR, (uint32_t)e->head_dma);
	ehci_write(e, EHCI_USBSTS, EHCI_STS_ACK_MASK);
	ehci_write(e, EHCI_USBINTR, EHCI_INTR_ENABLE);
	/* Interrupt threshold of one microframe: completions are not batched. */
	ehci_write(e, EHCI_USBCMD, (1u << EHCI_CMD_ITC_SHIFT) | EHCI_CMD_PSE |
				   EHCI_CMD_ASE | EHCI_CMD_RUN);
	if (!wait_until(!(ehci_read(e, EHCI_USBSTS) & EHCI_STS_HALTED), EHCI_HALT_NS)) {
		pr_err("ehci%d: controller did not start (USBSTS %x)\n", e->index,
		       ehci_read(e, EHCI_USBSTS));
		return USB_ERR_TIMEOUT;
	}
	/* Route every port to EHCI last (§4.1). */
	ehci_write(e, EHCI_CONFIGFLAG, EHCI_CONFIGFLAG_CF);
	(void)ehci_read(e, EHCI_CONFIGFLAG);
	if (e->hcsparams & EHCI_HCS_PPC)
		power_ports(e);
	e->running = true;
	return 0;
}

/* --- probe -------------------------------------------------------------- */

const struct usb_hcd_ops ehci_hcd_ops = USB_HCD_OPS(ehci);

static int map_registers(struct ehci *e)
{
	int rc;

	e->cap = hcd_map_bar0(e->pci, "ehci", EHCI_PAGE_SIZE, &rc);
	if (!e->cap)
		return rc;
	e->op = e->cap + mmio_read8(e->cap + EHCI_CAPLENGTH);
	e->hcsparams = mmio_read32(e->cap + EHCI_HCSPARAMS);
	e->hccparams = mmio_read32(e->cap + EHCI_HCCPARAMS);
	e->n_ports = EHCI_HCS_N_PORTS(e->hcsparams);
	if (e->n_ports == 0) {
		pr_err("ehci%d: HCSPARAMS %x reports no ports\n", e->index, e->hcsparams);
		return USB_ERR_INVAL;
	}
	return 0;
}

static void destroy_schedules(struct ehci *e)
{
	if (e->head)
		dma_pool_free(e->pool, e->head);
	if (e->frame_list)
		dma_pool_free(e->pool, e->frame_list);
	dma_pool_destroy(e->pool);
	e->pool = NULL;
	e->head = NULL;
	e->frame_list = NULL;
}

static int create_schedules(struct ehci *e)
{
	const struct dma_pool_config cfg = {
		.min_chunk = 128, /* qTDs and QHs share one slab of 32 */
		.max_chunk = EHCI_FRAME_LIST_BYTES, /* the frame list, 4 KiB aligned */
		.region_size = 8 * KiB, /* the frame list and that slab */
		.max_phys = 0xffffffffull,
		.flags = 0,
		.source = &dma_kernel_source,
	};

	ksnprintf(pool_names[e->index], sizeof(pool_names[0]), "ehci%d", e->index);
	e->pool = dma_pool_create(pool_names[e->index], &cfg);
	if (!e->pool || ehci_async_init(e) || ehci_periodic_init(e)) {
		pr_err("ehci%d: out of DMA memory for the schedules\n", e->index);
		return USB_ERR_NOMEM;
	}
	return 0;
}

/* Every list and work item, so that teardown may run from any step. */
static void init_state(struct ehci *e)
{
	list_node_init(&e->async_ring);
	list_node_init(&e->eps);
	list_node_init(&e->unlink_queued);
	list_node_init(&e->unlink_waiting);
	list_node_init(&e->unlink_periodic);
	work_init(&e->irq_work, ehci_irq_work);
	work_init(&e->iaa_watchdog, ehci_iaa_watchdog);
	work_init(&e->periodic_unlink_work, ehci_periodic_unlink_work);
	work_init(&e->timeout_work, ehci_timeout_work);
	work_init(&e->poll_work, ehci_poll_work);
	work_init(&e->health_work, ehci_health_work);
}

static void setup_interrupts(struct ehci *e)
{
	unsigned line = e->pci->irq_line;

	e->irq_line = line;
	e->irq_ok = pci_irq_routed(e->pci) && irq_register(line, ehci_irq, e, pool_names[e->index]) >= 0;
	if (!e->irq_ok) {
		pr_warn("ehci%d: no usable interrupt line (%u); polling every 1 ms\n",
			e->index, line);
		work_schedule(&e->poll_work, 0);
	}
}

/* Undoes whatever part of the probe was done: the controller halted, its
 * ports routed back to the companions, nothing registered or allocated. */
static void teardown(void *state)
{
	struct ehci *e = state;

	if (e->op) {
		ehci_write(e, EHCI_USBINTR, 0);
		ehci_hw_halt(e);
		ehci_write(e, EHCI_CONFIGFLAG, 0);
		e->running = false;
	}
	if (e->irq_ok)
		irq_unregister(e->irq_line, ehci_irq, e);
	e->irq_ok = false;
	work_cancel(&e->poll_work);
	work_cancel(&e->irq_work);
	work_cancel(&e->health_work);
	if (e->pool)
		destroy_schedules(e);
	if (e->cap)
		iounmap((void *)e->cap);
	kfree(e);
}

static void describe_hcd(struct ehci *e)
{
	e->hcd.ops = &ehci_hcd_ops;
	e->hcd.driver_name = "ehci_hcd";
	e->hcd.product = "EHCI Host Controller";
	e->hcd.speed = USB_SPEED_HIGH;
	e->hcd.num_ports = e->n_ports;
	e->hcd.priv = e;
	e->hcd.pci = e->pci;
}

/* Maps, takes over, resets, builds the schedules, starts and registers
 * the controller; on failure hcd_probe tears down. */
static int start(void *state, struct pci_dev *d, int index)
{
	struct ehci *e = state;

	e->pci = d;
	e->index = index;
	init_state(e);
	int rc = map_registers(e);
	if (rc)
		return rc;
	bios_takeover(e);
	rc = ehci_hw_reset(e);
	if (!rc)
		rc = create_schedules(e);
	if (rc)
		return rc;
	setup_interrupts(e);
	rc = ehci_hw_start(e);
	if (rc)
		return rc;
	describe_hcd(e);
	pr_info("ehci%d: %02x:%02x.%x, %u ports, %u companion controllers, IRQ %u%s\n",
		e->index, d->bus, d->dev, d->fn, e->n_ports, EHCI_HCS_N_CC(e->hcsparams),
		e->irq_line, (e->hccparams & EHCI_HCC_64BIT) ? ", 64-bit" : "");
	rc = usb_hcd_register(&e->hcd);
	if (rc < 0) {
		pr_err("ehci%d: USB core refused the controller (%d)\n", e->index, rc);
		return rc;
	}
	work_schedule(&e->health_work, EHCI_HEALTH_PERIOD_NS);
	return 0;
}

static struct hcd_driver ehci_driver = {
	.name = "ehci", .state_size = sizeof(struct ehci), .start = start, .teardown = teardown,
};

static int ehci_probe(struct pci_dev *d)
{
	return hcd_probe(&ehci_driver, d);
}

PCI_DRIVER(ehci, .name = "ehci_hcd", .class_code = PCI_CLASS_SERIAL_BUS,
	   .subclass = PCI_SUBCLASS_USB, .prog_if = PCI_PROG_IF_EHCI, .order = 0,
	   .probe = ehci_probe);
