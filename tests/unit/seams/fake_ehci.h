/*
 * Host fakes for the EHCI driver tests: an EHCI controller model (register
 * file with QEMU's PORTSC/USBCMD/USBSTS behaviour, and a schedule walker
 * that executes qTDs against a scripted device), PCI configuration space
 * and ioremap. The rest of the kernel around the driver is fake_hcd.h's.
 */
#ifndef TERN_FAKE_EHCI_H
#define TERN_FAKE_EHCI_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_hcd.h"
#include "types.h"

#define FAKE_EHCI_PORTS 6
#define FAKE_EHCI_OPBASE 0x20

/* What the scripted device answers to one qTD. */
enum fake_outcome { FAKE_OK, FAKE_NAK, FAKE_STALL, FAKE_XACT, FAKE_BABBLE };

struct fake_exec {
	unsigned addr, ep, pid;
	uint32_t len;        /* bytes the qTD asked for */
	bool toggle;         /* DATA1 */
	dma_addr_t buf;
};

/* Returns the outcome and, for FAKE_OK, the bytes moved in *actual. */
typedef enum fake_outcome (*fake_device_fn)(const struct fake_exec *x, uint32_t *actual);

struct fake_ehci_port {
	bool present, high_speed, low_speed_k;
};

struct fake_ehci {
	uint8_t regs[0x100];                 /* BAR0: capability + operational */
	uint8_t pci_cfg[256];
	struct fake_ehci_port port[FAKE_EHCI_PORTS];
	bool companions;
	bool iaa_responds;                   /* a doorbell raises IAA */
	bool bios_releases;                  /* BIOS clears its semaphore */
	bool hcreset_stuck;                  /* HCRESET never completes */
	bool run_stuck;                      /* RUN set, yet it stays halted */
	fake_device_fn device;
	unsigned resets;                     /* HCRESETs seen */
	unsigned doorbells;
	unsigned oversized_qtds;             /* > 5 pages: QEMU would reset */
	unsigned executed;
	struct fake_exec log[256];           /* executed qTDs, in order */
};
extern struct fake_ehci fake_ehci;

/* Power-on state: 6 ports (0x3206 HCSPARAMS), EECP 0x68, halted. With
 * firmware_running, the controller runs as SeaBIOS leaves it. */
void fake_ehci_init(bool companions, bool firmware_running);
/* fake_ehci_init() on a fresh kernel (fake_hcd_reset, empty log) and the
 * PCI function that carries the controller: BAR0 and IRQ line 11. */
struct pci_dev;
void fake_ehci_setup(struct pci_dev *pdev, bool companions, bool firmware_running);
uint32_t fake_ehci_op(unsigned reg);
void fake_ehci_set_op(unsigned reg, uint32_t v);
void fake_ehci_plug(int port, bool high_speed);
void fake_ehci_unplug(int port);
/* Runs the async schedule once, then one frame of the periodic one. */
void fake_ehci_run(void);
void fake_ehci_run_frame(unsigned frame);

#endif
