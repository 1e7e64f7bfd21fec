/*
 * Port I/O and barrier fakes for UHCI host tests: a UHCI register file that
 * behaves like QEMU's model where the driver depends on it (HCRESET
 * self-clears, HCHalted follows Run/Stop, write-1-to-clear status and port
 * change bits, PE settable only while a device is connected), plus a
 * config-space latch so PCI helpers work too. Tests steer it through
 * fake_uhci_io.h.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/pci_config.h"
#include "fake_uhci_io.h"
#include "hw.h"
#include "uhci_hw.h"

struct fake_uhci fake_uhci;

void fake_uhci_reset(uint16_t io_base, int ports)
{
	memset(&fake_uhci, 0, sizeof(fake_uhci));
	fake_uhci.io_base = io_base;
	fake_uhci.nports = ports;
	fake_uhci.usbsts = UHCI_STS_HCH;
	for (int i = 0; i < ports; i++)
		fake_uhci.portsc[i] = UHCI_PORT_VALID;
}

void fake_uhci_connect(int port, bool low_speed)
{
	uint16_t *p = &fake_uhci.portsc[port - 1];
	*p |= UHCI_PORT_CCS | UHCI_PORT_CSC | (low_speed ? UHCI_PORT_LSDA : 0);
}

void fake_uhci_disconnect(int port)
{
	uint16_t *p = &fake_uhci.portsc[port - 1];
	bool was_enabled = *p & UHCI_PORT_PE;
	*p &= (uint16_t) ~(UHCI_PORT_CCS | UHCI_PORT_PE | UHCI_PORT_LSDA);
	*p |= UHCI_PORT_CSC | (was_enabled ? UHCI_PORT_PEC : 0);
}

static uint16_t reg16(uint16_t off)
{
	switch (off) {
	case UHCI_USBCMD: return fake_uhci.usbcmd;
	case UHCI_USBSTS: return fake_uhci.usbsts;
	case UHCI_USBINTR: return fake_uhci.usbintr;
	case UHCI_FRNUM: return fake_uhci.frnum;
	default:
		if (off >= UHCI_PORTSC1 && off < UHCI_PORTSC1 + 2 * UHCI_MAX_PORTS) {
			int i = (off - UHCI_PORTSC1) / 2;
			return i < fake_uhci.nports ? fake_uhci.portsc[i] : 0xff7f;
		}
		return 0;
	}
}

static void write_cmd(uint16_t v)
{
	fake_uhci.usbcmd = v & (uint16_t)~UHCI_CMD_HCRESET;
	if (v & UHCI_CMD_HCRESET) {
		fake_uhci.hcresets++;
		fake_uhci.usbcmd = fake_uhci.hcreset_stuck ? UHCI_CMD_HCRESET : 0;
		fake_uhci.usbintr = 0;
		fake_uhci.frnum = 0;
		/* HCRESET leaves reset, suspend and resume detect alone. */
		for (int i = 0; i < fake_uhci.nports; i++)
			fake_uhci.portsc[i] &= UHCI_PORT_CCS | UHCI_PORT_LSDA | UHCI_PORT_VALID |
					       UHCI_PORT_PR | UHCI_PORT_SUSP | UHCI_PORT_RD;
	}
	if (v & UHCI_CMD_GRESET)
		fake_uhci.gresets++;
	if ((fake_uhci.usbcmd & UHCI_CMD_RS) && !fake_uhci.run_stuck)
		fake_uhci.usbsts &= (uint16_t)~UHCI_STS_HCH;
	else
		fake_uhci.usbsts |= UHCI_STS_HCH;
}

static void write_port(int i, uint16_t v)
{
	uint16_t *p = &fake_uhci.portsc[i];
	uint16_t keep = *p & (UHCI_PORT_CCS | UHCI_PORT_LSDA | UHCI_PORT_VALID);
	uint16_t changes = *p & UHCI_PORT_WC_BITS & (uint16_t)~v;
	uint16_t rw = v & UHCI_PORT_RW_BITS;
	if (!(keep & UHCI_PORT_CCS))
		rw &= (uint16_t)~UHCI_PORT_PE;
	if (v & UHCI_PORT_VALID)
		fake_uhci.reserved_writes++;
	*p = keep | changes | rw;
}

static void write16(uint16_t off, uint16_t v)
{
	switch (off) {
	case UHCI_USBCMD: write_cmd(v); break;
	case UHCI_USBSTS: fake_uhci.usbsts &= (uint16_t)~(v & 0x3F); break;
	case UHCI_USBINTR: fake_uhci.usbintr = v & 0xF; break;
	case UHCI_FRNUM:
		if (fake_uhci.usbsts & UHCI_STS_HCH)
			fake_uhci.frnum = v & UHCI_FRNUM_MASK;
		break;
	default:
		if (off >= UHCI_PORTSC1 && off < UHCI_PORTSC1 + 2 * fake_uhci.nports)
			write_port((off - UHCI_PORTSC1) / 2, v);
	}
	if (off == UHCI_USBSTS && (fake_uhci.usbcmd & UHCI_CMD_RS) == 0)
		fake_uhci.usbsts |= UHCI_STS_HCH;
}

static bool ours(uint16_t port) { return port >= fake_uhci.io_base && port < fake_uhci.io_base + 32; }

uint16_t inw(uint16_t port)
{
	if (!ours(port))
		abort();
	return reg16(port - fake_uhci.io_base);
}

void outw(uint16_t port, uint16_t v)
{
	if (!ours(port))
		abort();
	write16(port - fake_uhci.io_base, v);
}

uint8_t inb(uint16_t port)
{
	if (ours(port) && port - fake_uhci.io_base == UHCI_SOFMOD)
		return fake_uhci.sofmod;
	abort();
}

void outb(uint16_t port, uint8_t v)
{
	if (ours(port) && port - fake_uhci.io_base == UHCI_SOFMOD) {
		fake_uhci.sofmod = v;
		return;
	}
	abort();
}

uint32_t inl(uint16_t port)
{
	if (port == 0xCFC)
		return fake_uhci.config[(fake_uhci.config_addr & 0xFC) / 4];
	if (ours(port) && port - fake_uhci.io_base == UHCI_FRBASEADD)
		return fake_uhci.frbaseadd;
	abort();
}

void outl(uint16_t port, uint32_t v)
{
	if (port == 0xCF8)
		fake_uhci.config_addr = v;
	else if (port == 0xCFC)
		fake_uhci.config[(fake_uhci.config_addr & 0xFC) / 4] = v;
	else if (ours(port) && port - fake_uhci.io_base == UHCI_FRBASEADD)
		fake_uhci.frbaseadd = v & ~0xFFFu;
	else
		abort();
}

/* Like x86 firmware: the test sets the BAR and line itself. */
bool pci_host_needs_assignment(struct pci_host *host) { return false; }

void dma_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
void dma_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
