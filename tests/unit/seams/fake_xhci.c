/*
 * Host fakes for the xHCI driver tests (see fake_xhci.h): the register
 * file, command processing and TD completion of an xHCI controller after
 * QEMU 7.2's hcd-xhci, plus PCI configuration space and ioremap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../usb/xhci/xhci_hw.h"
#include "dma_pool.h"
#include "fake_hcd.h"
#include "fake_xhci.h"
#include "hw.h"
#include "mm.h"
#include "pci.h"

struct fake_xhci fake_xhci;

#define OP 0x40
#define RT 0x1000
#define IR0 RT /* the XHCI_IMAN... offsets include interrupter 0's 0x20 */
#define DB 0x2000
#define XECP 0x2800

static uint32_t *reg(unsigned off) { return (uint32_t *)(fake_xhci.regs + off); }
uint32_t fake_xhci_op(unsigned r) { return *reg(OP + r); }
static uint64_t reg64(unsigned off) { return *reg(off) | (uint64_t)*reg(off + 4) << 32; }

static void *dma(dma_addr_t phys)
{
	void *p = fake_dma_virt(phys);
	if (!p) {
		fprintf(stderr, "fake_xhci: controller access to %llx, not a live chunk\n",
			(unsigned long long)phys);
		abort();
	}
	return p;
}

/* --- events ----------------------------------------------------------------- */

bool fake_xhci_event(uint64_t param, uint32_t status, uint32_t control)
{
	unsigned deq = (unsigned)((reg64(IR0 + XHCI_ERDP) & ~0xfull) - fake_xhci.ev_base) / 16;

	if (!fake_xhci.ev_size || (fake_xhci.ev_enq + 1) % fake_xhci.ev_size == deq) {
		fake_xhci.dropped_events++;
		return false;
	}
	struct xhci_trb *t = dma(fake_xhci.ev_base + fake_xhci.ev_enq * 16);
	t->param = param;
	t->status = status;
	t->control = (control & ~TRB_CYCLE) | fake_xhci.ev_pcs;
	if (++fake_xhci.ev_enq == fake_xhci.ev_size) {
		fake_xhci.ev_enq = 0;
		fake_xhci.ev_pcs ^= 1;
	}
	*reg(IR0 + XHCI_IMAN) |= XHCI_IMAN_IP;
	*reg(OP + XHCI_USBSTS) |= XHCI_STS_EINT;
	return true;
}

static void die(void)
{
	fake_xhci.hce++;
	*reg(OP + XHCI_USBSTS) |= XHCI_STS_HCE | XHCI_STS_HCH;
	*reg(OP + XHCI_USBCMD) &= ~XHCI_CMD_RUN;
}

/* --- rings -------------------------------------------------------------------- */

/* The TRB at *deq if valid, following Link TRBs; NULL if not yet valid. */
static struct xhci_trb *fetch(dma_addr_t *deq, uint32_t *ccs)
{
	for (int hops = 0; hops < 32; hops++) {
		struct xhci_trb *t = dma(*deq);
		if ((t->control & TRB_CYCLE) != *ccs)
			return NULL;
		if (TRB_GET_TYPE(t->control) != TRB_LINK)
			return t;
		if (t->control & TRB_TC)
			*ccs ^= 1;
		*deq = t->param & ~0xfull;
	}
	abort();
}

/* --- commands ------------------------------------------------------------------ */

static void *ctx(void *base, unsigned i) { return (uint8_t *)base + 32 * i; }

static void *out_ctx(unsigned slot)
{
	uint64_t *dcbaa = dma(reg64(OP + XHCI_DCBAAP));
	return dma(dcbaa[slot]);
}

static void set_ep(unsigned slot, unsigned dci, const struct xhci_ep_ctx *in)
{
	struct fake_xhci_ep *ep = &fake_xhci.slot[slot].ep[dci];
	struct xhci_ep_ctx *o = ctx(out_ctx(slot), dci);

	*o = *in;
	ep->state = 1;
	ep->deq = in->deq & ~0xfull;
	ep->ccs = in->deq & 1;
	o->info = (o->info & ~7u) | 1;
}

static uint32_t address_device(unsigned slot, const struct xhci_trb *t)
{
	uint32_t *in = dma(t->param);
	struct xhci_slot_ctx *o = out_ctx(slot);

	if (in[0] != 0 || in[1] != 3)
		return CC_TRB;
	*o = *(struct xhci_slot_ctx *)ctx(in, 1);
	fake_xhci.last_bsr = !!(t->control & TRB_BSR);
	fake_xhci.slot[slot].state = fake_xhci.last_bsr ? 1 : 2;
	o->state = (fake_xhci.last_bsr ? 1u : 2u) << 27 | (fake_xhci.last_bsr ? 0 : slot);
	set_ep(slot, 1, ctx(in, 2));
	return CC_SUCCESS;
}

static uint32_t configure(unsigned slot, const struct xhci_trb *t)
{
	uint32_t *in = dma(t->param);
	uint32_t drop = in[0], add = in[1];

	if (!(add & 1) || (add & 2) || (drop & 3))
		return CC_TRB;
	for (unsigned i = 2; i < 32; i++) {
		if (drop & (1u << i))
			fake_xhci.slot[slot].ep[i].state = 0;
		if (add & (1u << i))
			set_ep(slot, i, ctx(in, i + 1));
	}
	struct xhci_slot_ctx *o = out_ctx(slot), *is = ctx(in, 1);
	/* As the spec has it (§4.6.6); QEMU copies Context Entries only. */
	o->info = is->info;
	o->info2 = is->info2;
	o->tt = is->tt;
	o->state = (o->state & 0xff) | 3u << 27;
	return CC_SUCCESS;
}

static uint32_t stop_ep(unsigned slot, unsigned dci)
{
	struct fake_xhci_ep *ep = &fake_xhci.slot[slot].ep[dci];
	dma_addr_t deq = ep->deq;
	uint32_t ccs = ep->ccs;

	if (ep->state == 1 && fetch(&deq, &ccs)) /* QEMU cancels the TD in flight */
		fake_xhci_event(deq, CC_STOPPED << 24,
				TRB_TYPE(TRB_EV_TRANSFER) | TRB_SLOT(slot) | TRB_EP(dci));
	ep->state = 3;
	return CC_SUCCESS;
}

/* QEMU 7.2's xhci_reset_slot: endpoints 2..31 disabled, the slot back to
 * Default; endpoint 0 and the address field untouched, no state check. */
static uint32_t reset_device(unsigned slot)
{
	uint8_t *o = out_ctx(slot);
	struct xhci_slot_ctx *sc = (struct xhci_slot_ctx *)o;

	for (unsigned i = 2; i < 32; i++) {
		struct xhci_ep_ctx *ec = ctx(o, i);
		fake_xhci.slot[slot].ep[i].state = 0;
		ec->info &= ~7u;
	}
	fake_xhci.slot[slot].state = 1;
	sc->state = (sc->state & ~(31u << 27)) | 1u << 27;
	return CC_SUCCESS;
}

static uint32_t run_command(const struct xhci_trb *t, unsigned *slot)
{
	unsigned dci = TRB_GET_EP(t->control);
	struct fake_xhci_slot *s;

	*slot = TRB_GET_SLOT(t->control);
	if (TRB_GET_TYPE(t->control) == TRB_ENABLE_SLOT) {
		for (*slot = 1; *slot <= FAKE_XHCI_SLOTS; (*slot)++)
			if (!fake_xhci.slot[*slot].enabled) {
				memset(&fake_xhci.slot[*slot], 0, sizeof(fake_xhci.slot[0]));
				fake_xhci.slot[*slot].enabled = true;
				return CC_SUCCESS;
			}
		*slot = 0;
		return 9; /* No Slots Available */
	}
	if (TRB_GET_TYPE(t->control) == TRB_NOOP_CMD)
		return CC_SUCCESS;
	if (*slot < 1 || *slot > FAKE_XHCI_SLOTS || !fake_xhci.slot[*slot].enabled)
		return 11; /* Slot Not Enabled */
	s = &fake_xhci.slot[*slot];
	switch (TRB_GET_TYPE(t->control)) {
	case TRB_ADDRESS_DEVICE: return address_device(*slot, t);
	case TRB_CONFIGURE_EP: return configure(*slot, t);
	case TRB_EVALUATE_CTX: return CC_SUCCESS;
	case TRB_STOP_EP: return stop_ep(*slot, dci);
	case TRB_RESET_EP:
		if (s->ep[dci].state != 2)
			return 19;
		s->ep[dci].state = 3;
		return CC_SUCCESS;
	case TRB_SET_TR_DEQ:
		if (s->ep[dci].state != 3)
			return 19;
		s->ep[dci].deq = t->param & ~0xfull;
		s->ep[dci].ccs = t->param & 1;
		s->ep[dci].state = 1;
		return CC_SUCCESS;
	case TRB_RESET_DEVICE: return reset_device(*slot);
	case TRB_DISABLE_SLOT: s->enabled = false; return CC_SUCCESS;
	default: return CC_TRB;
	}
}

static void process_commands(void)
{
	struct xhci_trb *t;

	if (fake_xhci.commands_hang || (fake_xhci_op(XHCI_USBSTS) & XHCI_STS_HCH))
		return;
	while ((t = fetch(&fake_xhci.cmd_deq, &fake_xhci.cmd_ccs))) {
		unsigned slot = 0;
		uint32_t cc = run_command(t, &slot);
		fake_xhci.commands[TRB_GET_TYPE(t->control) & 31]++;
		fake_xhci_event(fake_xhci.cmd_deq, cc << 24,
				TRB_TYPE(TRB_EV_COMMAND) | TRB_SLOT(slot));
		fake_xhci.cmd_deq += 16;
	}
}

/* Command Abort: the pending command completes as aborted, then the ring
 * reports that it stopped (xHCI 4.6.1.2). */
static void abort_commands(void)
{
	struct xhci_trb *t = fetch(&fake_xhci.cmd_deq, &fake_xhci.cmd_ccs);

	fake_xhci.aborts++;
	if (fake_xhci.abort_ignored)
		return;
	if (t) {
		fake_xhci_event(fake_xhci.cmd_deq, CC_CMD_ABORTED << 24, TRB_TYPE(TRB_EV_COMMAND));
		fake_xhci.cmd_deq += 16;
	}
	fake_xhci_event(fake_xhci.cmd_deq, CC_CMD_RING_STOPPED << 24, TRB_TYPE(TRB_EV_COMMAND));
}

/* --- transfers ------------------------------------------------------------------ */

dma_addr_t fake_xhci_ep_deq(unsigned slot, unsigned dci)
{
	return fake_xhci.slot[slot].ep[dci].deq;
}

static void transfer_event(unsigned slot, unsigned dci, dma_addr_t at, uint32_t cc,
			   uint32_t residual)
{
	fake_xhci_event(at, cc << 24 | residual,
			TRB_TYPE(TRB_EV_TRANSFER) | TRB_SLOT(slot) | TRB_EP(dci));
}

unsigned fake_xhci_complete_td(unsigned slot, unsigned dci, uint32_t cc, uint32_t residual)
{
	struct fake_xhci_ep *ep = &fake_xhci.slot[slot].ep[dci];
	dma_addr_t deq = ep->deq, first_data = 0, at = 0;
	uint32_t ccs = ep->ccs;
	unsigned n = 0;
	struct xhci_trb *t;

	if (ep->state != 1)
		return 0;
	while ((t = fetch(&deq, &ccs))) {
		unsigned type = TRB_GET_TYPE(t->control);
		at = deq;
		n++;
		if (!first_data && (t->control & TRB_ISP))
			first_data = deq;
		deq += 16;
		if ((type != TRB_SETUP && !(t->control & TRB_CH)) || type == TRB_STATUS)
			if (dci != 1 || type == TRB_STATUS)
				break;
	}
	if (!n)
		return 0;
	if (cc == CC_SHORT_PACKET) {
		transfer_event(slot, dci, first_data ? first_data : at, cc, residual);
		if (dci == 1)
			transfer_event(slot, dci, at, CC_SUCCESS, 0);
	} else {
		transfer_event(slot, dci, at, cc, residual);
	}
	if (cc != CC_SUCCESS && cc != CC_SHORT_PACKET) {
		ep->state = 2;
		return n;
	}
	ep->deq = deq;
	ep->ccs = ccs;
	return n;
}

/* --- register file ------------------------------------------------------------- */

static void port_update(int p)
{
	uint32_t *ps = reg(OP + XHCI_PORTSC(p));
	bool present = fake_xhci.port_present[p];

	*ps = (*ps & ~(XHCI_PORT_CCS | (0xfu << 10))) | XHCI_PORT_PP |
	      (present ? XHCI_PORT_CCS | fake_xhci.port_speed[p] << 10 : 0);
	if (!present)
		*ps &= ~XHCI_PORT_PED;
	if (present && p <= 2)
		*ps |= XHCI_PORT_PED; /* USB 3 ports enable themselves */
}

static void hc_reset(void)
{
	memset(fake_xhci.regs + OP, 0, 0x800);
	memset(fake_xhci.regs + RT, 0, 0x100);
	*reg(OP + XHCI_USBSTS) = XHCI_STS_HCH;
	*reg(OP + XHCI_PAGESIZE) = 1;
	for (int p = 1; p <= FAKE_XHCI_PORTS; p++)
		port_update(p);
	fake_xhci.ev_size = 0;
}

static void write_portsc(int p, uint32_t v)
{
	uint32_t *ps = reg(OP + XHCI_PORTSC(p));

	*ps &= ~(v & XHCI_PORT_CHANGES);
	if ((v & XHCI_PORT_PED) && p > 2)
		*ps &= ~XHCI_PORT_PED;
	if ((v & XHCI_PORT_PR) && fake_xhci.port_present[p])
		*ps |= XHCI_PORT_PED | (1u << 21); /* PRC: instant, as QEMU */
}

static void write_op(unsigned r, uint32_t v)
{
	uint32_t *sts = reg(OP + XHCI_USBSTS);

	if (r == XHCI_USBCMD) {
		if (v & XHCI_CMD_HCRST)
			return hc_reset();
		*reg(OP + r) = v;
		*sts = (v & XHCI_CMD_RUN) && !(*sts & XHCI_STS_HCE) ? *sts & ~XHCI_STS_HCH
								     : *sts | XHCI_STS_HCH;
	} else if (r == XHCI_USBSTS) {
		*sts &= ~(v & (XHCI_STS_EINT | XHCI_STS_HSE | XHCI_STS_PCD));
	} else if (r >= XHCI_PORTSC(1) && r < XHCI_PORTSC(FAKE_XHCI_PORTS + 1) && !(r & 0xf)) {
		write_portsc((int)(r - XHCI_PORTSC(1)) / 16 + 1, v);
	} else if (r == XHCI_CRCR + 4) {
		*reg(OP + r) = v;
		if ((*reg(OP + XHCI_CRCR) & XHCI_CRCR_CA) && !(*sts & XHCI_STS_HCH))
			return abort_commands();
		fake_xhci.cmd_deq = reg64(OP + XHCI_CRCR) & ~0x3full;
		fake_xhci.cmd_ccs = 1;
	} else {
		*reg(OP + r) = v;
	}
}

static void write_rt(unsigned off, uint32_t v)
{
	if (off == IR0 + XHCI_IMAN) {
		*reg(off) = (*reg(off) & ~(v & XHCI_IMAN_IP) & ~XHCI_IMAN_IE) | (v & XHCI_IMAN_IE);
	} else if (off == IR0 + XHCI_ERSTBA + 4) {
		*reg(off) = v;
		struct xhci_erst_entry *e = dma(reg64(IR0 + XHCI_ERSTBA));
		if (*reg(IR0 + XHCI_ERSTSZ) != 1 || e->size < 16 || e->size > 4096)
			return die();
		fake_xhci.ev_base = e->base;
		fake_xhci.ev_size = e->size;
		fake_xhci.ev_enq = 0;
		fake_xhci.ev_pcs = 1;
	} else if (off == IR0 + XHCI_ERDP) {
		*reg(off) = v & ~XHCI_ERDP_EHB;
	} else {
		*reg(off) = v;
	}
}

static unsigned offset_of(const volatile void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)fake_xhci.regs;

	if (off >= sizeof(fake_xhci.regs) || (off & 3)) {
		fprintf(stderr, "fake_xhci: MMIO access outside BAR0 or unaligned\n");
		abort();
	}
	return (unsigned)off;
}

uint8_t mmio_read8(const volatile void *addr) { abort(); }
uint16_t mmio_read16(const volatile void *addr) { abort(); }
uint32_t mmio_read32(const volatile void *addr) { return *reg(offset_of(addr)); }
void mmio_write8(volatile void *addr, uint8_t v) { abort(); }
void mmio_write16(volatile void *addr, uint16_t v) { abort(); }
void mmio_write32(volatile void *addr, uint32_t v)
{
	unsigned off = offset_of(addr);

	if (off == XECP && (v & XHCI_LEGACY_OS_OWNED) && fake_xhci.bios_releases)
		v &= ~XHCI_LEGACY_BIOS_OWNED;
	if (off >= DB && off < DB + 4 * (FAKE_XHCI_SLOTS + 1)) {
		if (off == DB)
			process_commands();
		else
			fake_xhci.kicks++;
	} else if (off >= RT + XHCI_IMAN && off < RT + 0x40) {
		write_rt(off, v);
	} else if (off >= OP && off < OP + 0x800) {
		write_op(off - OP, v);
	} else {
		*reg(off) = v;
	}
}
void dma_wmb(void) { __sync_synchronize(); }
void dma_rmb(void) { __sync_synchronize(); }

/* --- setup, ports, PCI -------------------------------------------------------------- */

void fake_xhci_setup(struct pci_dev *pdev)
{
	memset(&fake_xhci, 0, sizeof(fake_xhci));
	fake_hcd_reset();
	fake_xhci.bios_releases = true;
	*reg(XHCI_CAP_LENGTH) = 0x01000000 | OP;
	*reg(XHCI_HCSPARAMS1) = FAKE_XHCI_PORTS << 24 | 1 << 8 | FAKE_XHCI_SLOTS;
	*reg(XHCI_HCSPARAMS2) = 2u << 27; /* two scratchpad buffers */
	*reg(XHCI_HCCPARAMS1) = (XECP / 4) << 16 | 1;
	*reg(XHCI_DBOFF) = DB;
	*reg(XHCI_RTSOFF) = RT;
	*reg(XECP) = XHCI_LEGACY_BIOS_OWNED | 4 << 8 | XHCI_XCAP_LEGACY;
	*reg(XECP + 4) = XHCI_LEGCTLSTS_SMI_ENABLES;
	*reg(XECP + 0x10) = 0x03000000 | 4 << 8 | XHCI_XCAP_PROTOCOL;
	*reg(XECP + 0x18) = 2 << 8 | 1;  /* ports 1-2 */
	*reg(XECP + 0x20) = 0x02000000 | XHCI_XCAP_PROTOCOL;
	*reg(XECP + 0x28) = 2 << 8 | 3;  /* ports 3-4 */
	hc_reset();
	*reg(OP + XHCI_USBCMD) = XHCI_CMD_RUN; /* as firmware leaves it */
	*reg(OP + XHCI_USBSTS) = 0;
	memset(pdev, 0, sizeof(*pdev));
	pdev->bar[0].base = 0xfebf0000;
	pdev->bar[0].size = 0x4000;
	pdev->bar[0].is_64 = true;
	pdev->irq_line = 11;
	pdev->irq_pin = 1; /* INTA */
}

void fake_xhci_plug(int port, unsigned psi_speed)
{
	fake_xhci.port_present[port] = true;
	fake_xhci.port_speed[port] = psi_speed;
	port_update(port);
	*reg(OP + XHCI_PORTSC(port)) |= XHCI_PORT_CSC;
	fake_xhci_event((uint64_t)port << 24, CC_SUCCESS << 24, TRB_TYPE(TRB_EV_PORT));
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off) { return 0; }
uint16_t pci_read16(const struct pci_dev *d, uint16_t off) { return 0; }
uint32_t pci_read32(const struct pci_dev *d, uint16_t off) { return 0; }
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v) {}
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v) {}
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v) {}
void pci_enable_bus_master(const struct pci_dev *d) {}
void *ioremap(phys_addr_t phys, size_t len) { return fake_call_fails("ioremap") ? NULL : fake_xhci.regs; }
void iounmap(void *virt) {}
