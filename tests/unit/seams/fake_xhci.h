/*
 * Host fakes for the xHCI driver tests: an xHCI controller model with
 * QEMU 7.2's behaviour where the driver depends on it (register latching
 * order, ERSTSZ must be 1, strict input control flags, instant port
 * reset, synchronous command processing on the doorbell, Stop Endpoint
 * reporting the stopped TD with code 26, Reset Device as xhci_reset_slot),
 * a USB Legacy Support capability, two Supported Protocol capabilities and
 * scratchpad buffers. Transfers
 * are completed by the test (fake_xhci_complete_td), so it chooses every
 * completion code and residual; it may also write any event it likes.
 * Rings and contexts are read only through live DMA pool chunks.
 */
#ifndef TERN_FAKE_XHCI_H
#define TERN_FAKE_XHCI_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_hcd.h"
#include "types.h"

#define FAKE_XHCI_PORTS 4   /* 1-2 USB 3, 3-4 USB 2 */
#define FAKE_XHCI_SLOTS 8
#define FAKE_XHCI_EVENTS_MAX 4096

struct fake_xhci_ep {
	unsigned state;      /* 0 disabled, 1 running, 2 halted, 3 stopped */
	dma_addr_t deq;
	uint32_t ccs;
};

struct fake_xhci_slot {
	bool enabled;
	unsigned state;      /* 1 default, 2 addressed, 3 configured */
	struct fake_xhci_ep ep[32];
};

struct fake_xhci {
	uint8_t regs[0x3000];
	bool bios_releases;
	bool commands_hang;          /* the command ring never advances */
	bool abort_ignored;          /* ... and Command Abort does nothing */
	bool port_present[FAKE_XHCI_PORTS + 1];
	unsigned port_speed[FAKE_XHCI_PORTS + 1];
	struct fake_xhci_slot slot[FAKE_XHCI_SLOTS + 1];
	dma_addr_t cmd_deq;
	uint32_t cmd_ccs;
	dma_addr_t ev_base;
	unsigned ev_size, ev_enq;
	uint32_t ev_pcs;
	unsigned commands[32];       /* completed, by TRB type */
	unsigned last_bsr, aborts, kicks, dropped_events, hce;
};
extern struct fake_xhci fake_xhci;

struct pci_dev;
/* A fresh kernel (fake_hcd_reset) and controller, and its PCI function. */
void fake_xhci_setup(struct pci_dev *pdev);
void fake_xhci_plug(int port, unsigned psi_speed);
uint32_t fake_xhci_op(unsigned reg);
/* Writes an event as the controller would (cycle bit set here) and
 * raises the interrupt; false if the ring was full and it was dropped. */
bool fake_xhci_event(uint64_t param, uint32_t status, uint32_t control);
/* Completes the next TD of an endpoint with a completion code: one event
 * on its last TRB (on its first data TRB, plus the status stage for a
 * control TD, when cc is Short Packet). Halting codes leave the dequeue
 * on the TD, as QEMU does. Returns the TD's TRB count, 0 if none. */
unsigned fake_xhci_complete_td(unsigned slot, unsigned dci, uint32_t cc, uint32_t residual);
/* The physical address of the next TRB an endpoint would run. */
dma_addr_t fake_xhci_ep_deq(unsigned slot, unsigned dci);

#endif
