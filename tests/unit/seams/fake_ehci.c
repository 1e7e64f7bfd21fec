/*
 * Host fakes for the EHCI driver tests (see fake_ehci.h). The controller
 * model follows QEMU 7.2's hcd-ehci where the driver depends on it: PORTSC
 * write-1-to-clear bits and owner hand-off, HCRESET returning ports to the
 * companions, CONFIGFLAG routing them back, the IAA doorbell, and a
 * schedule walker that loads the QH overlay from qTDs (§4.10), follows the
 * alternate next pointer after a short packet and writes results back.
 * The walker reads descriptors only through live chunks of the DMA pools
 * (fake_hcd.c: the real allocator, dma/pool.c, over the host page source),
 * so a driver that lets the controller reach freed memory fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../usb/ehci/ehci_hw.h"
#include "dma_pool.h"
#include "fake_ehci.h"
#include "fake_hcd.h"
#include "hw.h"
#include "irq.h"
#include "kstring.h"
#include "mm.h"
#include "pci.h"
#include "seams.h"
#include "usb_hcd.h"

struct fake_ehci fake_ehci;

/* --- register file ------------------------------------------------------ */

static uint32_t *reg32(unsigned off)
{
	return (uint32_t *)(fake_ehci.regs + off);
}

uint32_t fake_ehci_op(unsigned reg) { return *reg32(FAKE_EHCI_OPBASE + reg); }
void fake_ehci_set_op(unsigned reg, uint32_t v) { *reg32(FAKE_EHCI_OPBASE + reg) = v; }

static uint32_t *portsc(int port) { return reg32(FAKE_EHCI_OPBASE + EHCI_PORTSC(port)); }

static void attach_to_ehci(int port)
{
	if (fake_ehci.port[port - 1].present)
		*portsc(port) |= EHCI_PORT_CCS | EHCI_PORT_CSC |
				 (fake_ehci.port[port - 1].low_speed_k ? EHCI_PORT_LS_K : 0);
}

static void set_owner(int port, uint32_t owner)
{
	uint32_t *p = portsc(port);

	if (!fake_ehci.companions || (*p & EHCI_PORT_OWNER) == owner)
		return;
	if (!(*p & EHCI_PORT_OWNER) && (*p & EHCI_PORT_CCS))
		*p = (*p & ~(EHCI_PORT_CCS | EHCI_PORT_PE | EHCI_PORT_LS_MASK)) | EHCI_PORT_CSC;
	*p = (*p & ~EHCI_PORT_OWNER) | owner;
	if (!owner)
		attach_to_ehci(port);
}

static void hc_reset(void)
{
	memset(fake_ehci.regs + FAKE_EHCI_OPBASE, 0, sizeof(fake_ehci.regs) - FAKE_EHCI_OPBASE);
	fake_ehci_set_op(EHCI_USBCMD, 0x00080000);
	fake_ehci_set_op(EHCI_USBSTS, EHCI_STS_HALTED);
	for (int p = 1; p <= FAKE_EHCI_PORTS; p++) {
		*portsc(p) = EHCI_PORT_PP | (fake_ehci.companions ? EHCI_PORT_OWNER : 0);
		if (!fake_ehci.companions)
			attach_to_ehci(p);
	}
	fake_ehci.resets++;
}

static void write_usbcmd(uint32_t v)
{
	if (v & EHCI_CMD_HCRESET) {
		hc_reset();
		if (fake_ehci.hcreset_stuck)
			fake_ehci_set_op(EHCI_USBCMD, fake_ehci_op(EHCI_USBCMD) | EHCI_CMD_HCRESET);
		return;
	}
	if (v & EHCI_CMD_IAAD) {
		fake_ehci.doorbells++;
		if (fake_ehci.iaa_responds) {
			fake_ehci_set_op(EHCI_USBSTS, fake_ehci_op(EHCI_USBSTS) | EHCI_STS_IAA);
			v &= ~EHCI_CMD_IAAD;
		}
	}
	uint32_t sts = fake_ehci_op(EHCI_USBSTS);
	bool runs = (v & EHCI_CMD_RUN) && !fake_ehci.run_stuck;
	fake_ehci_set_op(EHCI_USBSTS, runs ? sts & ~EHCI_STS_HALTED : sts | EHCI_STS_HALTED);
	fake_ehci_set_op(EHCI_USBCMD, v);
}

static void write_portsc(int port, uint32_t val)
{
	const uint32_t writable = EHCI_PORT_PR | EHCI_PORT_SUSPEND | EHCI_PORT_FPR |
				  EHCI_PORT_PP | (7u << 20);
	uint32_t *p = portsc(port);
	bool reset_ends = (*p & EHCI_PORT_PR) && !(val & EHCI_PORT_PR);

	*p &= ~(val & EHCI_PORT_RWC_MASK);
	*p &= val | ~EHCI_PORT_PE;
	set_owner(port, val & EHCI_PORT_OWNER);
	*p = (*p & ~writable) | (val & writable);
	if (reset_ends && fake_ehci.port[port - 1].present &&
	    fake_ehci.port[port - 1].high_speed && !(*p & EHCI_PORT_OWNER))
		*p |= EHCI_PORT_PE;
}

static void write_op(unsigned reg, uint32_t v)
{
	if (reg == EHCI_USBCMD)
		write_usbcmd(v);
	else if (reg == EHCI_USBSTS)
		fake_ehci_set_op(reg, fake_ehci_op(reg) & ~(v & EHCI_STS_ACK_MASK));
	else if (reg == EHCI_CONFIGFLAG) {
		fake_ehci_set_op(reg, v & 1);
		if (v & 1)
			for (int p = 1; p <= FAKE_EHCI_PORTS; p++)
				set_owner(p, 0);
	} else if (reg >= EHCI_PORTSC(1) && reg <= EHCI_PORTSC(FAKE_EHCI_PORTS))
		write_portsc((int)(reg - EHCI_PORTSC(1)) / 4 + 1, v);
	else
		fake_ehci_set_op(reg, v);
}

static unsigned offset_of(const volatile void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)fake_ehci.regs;

	if (off >= sizeof(fake_ehci.regs)) {
		fprintf(stderr, "fake_ehci: MMIO access outside BAR0\n");
		abort();
	}
	return (unsigned)off;
}

uint8_t mmio_read8(const volatile void *addr) { return fake_ehci.regs[offset_of(addr)]; }
uint16_t mmio_read16(const volatile void *addr)
{
	return (uint16_t)(fake_ehci.regs[offset_of(addr)] |
			  fake_ehci.regs[offset_of(addr) + 1] << 8);
}
uint32_t mmio_read32(const volatile void *addr) { return *reg32(offset_of(addr)); }
void mmio_write8(volatile void *addr, uint8_t v) { (void)addr; (void)v; }
void mmio_write16(volatile void *addr, uint16_t v) { (void)addr; (void)v; }
void mmio_write32(volatile void *addr, uint32_t v)
{
	unsigned off = offset_of(addr);

	if (off >= FAKE_EHCI_OPBASE)
		write_op(off - FAKE_EHCI_OPBASE, v);
}
void dma_wmb(void) { __sync_synchronize(); }
void dma_rmb(void) { __sync_synchronize(); }

void fake_ehci_init(bool companions, bool firmware_running)
{
	memset(&fake_ehci, 0, sizeof(fake_ehci));
	fake_ehci.companions = companions;
	fake_ehci.iaa_responds = true;
	fake_ehci.bios_releases = true;
	fake_ehci.regs[EHCI_CAPLENGTH] = FAKE_EHCI_OPBASE;
	*reg32(EHCI_HCSPARAMS) = companions ? 0x3206 : 0x0006;
	*reg32(EHCI_HCCPARAMS) = 0x6880;
	hc_reset();
	fake_ehci.resets = 0;
	/* PCI: USBLEGSUP at 0x68, BIOS-owned, then the end of the list. */
	*(uint32_t *)&fake_ehci.pci_cfg[0x68] = 0x00010001;
	*(uint32_t *)&fake_ehci.pci_cfg[0x6c] = 0xc000e03f;
	if (firmware_running) {
		fake_ehci_set_op(EHCI_USBCMD, 0x00080031);
		fake_ehci_set_op(EHCI_USBSTS, 0);
		write_op(EHCI_CONFIGFLAG, 1);
		fake_ehci_set_op(EHCI_ASYNCLISTADDR, 0x7f000);
		fake_ehci_set_op(EHCI_PERIODICLISTBASE, 0x7e000);
	}
}

void fake_ehci_setup(struct pci_dev *pdev, bool companions, bool firmware_running)
{
	fake_ehci_init(companions, firmware_running);
	fake_hcd_reset();
	seam_log_clear();
	memset(pdev, 0, sizeof(*pdev));
	pdev->bar[0].base = 0xfebf1000;
	pdev->bar[0].size = 0x1000;
	pdev->irq_line = 11;
	pdev->irq_pin = 1; /* INTA */
}

void fake_ehci_plug(int port, bool high_speed)
{
	fake_ehci.port[port - 1] = (struct fake_ehci_port){ true, high_speed, false };
	if (!(*portsc(port) & EHCI_PORT_OWNER))
		attach_to_ehci(port);
	fake_ehci_set_op(EHCI_USBSTS, fake_ehci_op(EHCI_USBSTS) | EHCI_STS_PCD);
}

/* As QEMU: a companion-owned port returns to EHCI when its device leaves. */
void fake_ehci_unplug(int port)
{
	uint32_t *p = portsc(port);

	fake_ehci.port[port - 1].present = false;
	if (*p & EHCI_PORT_OWNER)
		*p &= ~EHCI_PORT_OWNER;
	else if (*p & EHCI_PORT_CCS)
		*p = (*p & ~(EHCI_PORT_CCS | EHCI_PORT_PE | EHCI_PORT_LS_MASK)) |
		     EHCI_PORT_CSC | ((*p & EHCI_PORT_PE) ? EHCI_PORT_PEC : 0);
	fake_ehci_set_op(EHCI_USBSTS, fake_ehci_op(EHCI_USBSTS) | EHCI_STS_PCD);
}

/* --- schedule walker ---------------------------------------------------- */

static void raise(uint32_t bits)
{
	fake_ehci_set_op(EHCI_USBSTS, fake_ehci_op(EHCI_USBSTS) | bits);
}

static bool load_overlay(struct ehci_qh *qh)
{
	uint32_t tok = qh->token, link;

	if (EHCI_TOK_BYTES(tok) && !(qh->alt_next & EHCI_LINK_TERMINATE))
		link = qh->alt_next;
	else if (!(qh->next & EHCI_LINK_TERMINATE))
		link = qh->next;
	else
		return false;
	struct ehci_qtd *td = fake_dma_virt(EHCI_LINK_ADDR(link));
	if (!td) {
		fprintf(stderr, "fake_ehci: QH links to %x, not a live chunk\n", link);
		abort();
	}
	if (!(td->token & EHCI_TOK_ACTIVE))
		return false;
	uint32_t next = td->token;
	if (!(qh->ep_char & EHCI_QH_DTC))
		next = (next & ~EHCI_TOK_TOGGLE) | (tok & EHCI_TOK_TOGGLE);
	qh->current = EHCI_LINK_ADDR(link);
	qh->next = td->next;
	qh->alt_next = td->alt_next;
	memcpy(qh->buf, td->buf, sizeof(qh->buf));
	qh->token = next;
	return true;
}

static void finish(struct ehci_qh *qh, struct ehci_qtd *td, uint32_t tok)
{
	qh->token = tok;
	td->token = tok;
}

/* Executes the overlay's qTD; false when the QH cannot go on now. */
static bool execute(struct ehci_qh *qh)
{
	struct ehci_qtd *td = fake_dma_virt(qh->current);
	uint32_t tok = qh->token, len = EHCI_TOK_BYTES(tok), actual = 0;
	unsigned maxp = (qh->ep_char >> 16) & 0x7ff;
	struct fake_exec x = { qh->ep_char & 0x7f, (qh->ep_char >> 8) & 0xf,
			       (tok >> EHCI_TOK_PID_SHIFT) & 3, len,
			       (tok & EHCI_TOK_TOGGLE) != 0, qh->buf[0] };

	if (!td) {
		fprintf(stderr, "fake_ehci: current qTD %x is not a live chunk\n", qh->current);
		abort();
	}
	if ((qh->buf[0] & 0xfff) + len > EHCI_QTD_MAX_BYTES) {
		fake_ehci.oversized_qtds++;
		return false;
	}
	enum fake_outcome o = fake_ehci.device ? fake_ehci.device(&x, &actual) : FAKE_NAK;
	if (o == FAKE_NAK)
		return false;
	if (fake_ehci.executed < 256)
		fake_ehci.log[fake_ehci.executed] = x;
	fake_ehci.executed++;
	tok &= ~EHCI_TOK_ACTIVE;
	if (o != FAKE_OK) {
		tok |= EHCI_TOK_HALTED;
		if (o == FAKE_XACT)
			tok = (tok & ~EHCI_TOK_CERR_MASK) | EHCI_TOK_XACT;
		if (o == FAKE_BABBLE)
			tok |= EHCI_TOK_BABBLE;
		finish(qh, td, tok);
		raise(EHCI_STS_ERRINT);
		return false;
	}
	uint32_t left = x.pid == EHCI_PID_IN ? len - actual : 0;
	unsigned packets = actual == 0 ? 1 : (actual + maxp - 1) / maxp;
	if (packets & 1)
		tok ^= EHCI_TOK_TOGGLE;
	tok = (tok & ~EHCI_TOK_BYTES_MASK) | (left << EHCI_TOK_BYTES_SHIFT);
	finish(qh, td, tok);
	if ((tok & EHCI_TOK_IOC) || left)
		raise(EHCI_STS_USBINT);
	return true;
}

static void process_qh(struct ehci_qh *qh)
{
	for (int steps = 0; steps < 128; steps++) {
		if (qh->token & EHCI_TOK_HALTED)
			return;
		if (!(qh->token & EHCI_TOK_ACTIVE)) {
			if (!load_overlay(qh))
				return;
			continue;
		}
		if (!execute(qh))
			return;
	}
}

void fake_ehci_run(void)
{
	uint32_t cmd = fake_ehci_op(EHCI_USBCMD);

	if (!(cmd & EHCI_CMD_RUN) || !(cmd & EHCI_CMD_ASE))
		return;
	uint32_t start = EHCI_LINK_ADDR(fake_ehci_op(EHCI_ASYNCLISTADDR)), link = start;
	for (int n = 0; n < 100; n++) {
		struct ehci_qh *qh = fake_dma_virt(link);
		if (!qh) {
			fprintf(stderr, "fake_ehci: async link %x is not a live chunk\n", link);
			abort();
		}
		if (!(qh->ep_char & EHCI_QH_HEAD))
			process_qh(qh);
		link = EHCI_LINK_ADDR(qh->hlink);
		if (link == start)
			return;
	}
}

void fake_ehci_run_frame(unsigned frame)
{
	uint32_t cmd = fake_ehci_op(EHCI_USBCMD);

	fake_ehci_set_op(EHCI_FRINDEX, (fake_ehci_op(EHCI_FRINDEX) + 8) & 0x3fff);
	if (!(cmd & EHCI_CMD_RUN) || !(cmd & EHCI_CMD_PSE))
		return;
	uint32_t *list = fake_dma_virt(fake_ehci_op(EHCI_PERIODICLISTBASE));
	uint32_t link = list[frame % EHCI_FRAME_LIST_ENTRIES];
	for (int n = 0; n < 64 && !(link & EHCI_LINK_TERMINATE); n++) {
		struct ehci_qh *qh = fake_dma_virt(EHCI_LINK_ADDR(link));
		if (!qh) {
			fprintf(stderr, "fake_ehci: periodic link %x is not a live chunk\n", link);
			abort();
		}
		process_qh(qh);
		link = qh->hlink;
	}
}

/* --- PCI, mm ------------------------------------------------------------ */

uint8_t pci_read8(const struct pci_dev *d, uint16_t off) { return fake_ehci.pci_cfg[off]; }
uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	return (uint16_t)(fake_ehci.pci_cfg[off] | fake_ehci.pci_cfg[off + 1] << 8);
}
uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	uint32_t v;
	memcpy(&v, &fake_ehci.pci_cfg[off], 4);
	return v;
}
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v)
{
	fake_ehci.pci_cfg[off] = v;
	if (off == 0x6b && v == 1 && fake_ehci.bios_releases)
		fake_ehci.pci_cfg[0x6a] = 0; /* the BIOS lets go */
}
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	memcpy(&fake_ehci.pci_cfg[off], &v, 2);
}
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	memcpy(&fake_ehci.pci_cfg[off], &v, 4);
}
void pci_enable_bus_master(const struct pci_dev *d) { fake_ehci.pci_cfg[4] |= 4; }

void *ioremap(phys_addr_t phys, size_t len) { return fake_call_fails("ioremap") ? NULL : fake_ehci.regs; }
void iounmap(void *virt) {}
