/*
 * Synchronous transfers on the driver's own temporary endpoints, for the
 * EHCI exerciser `ehcibot` (tests/kernel/ehci_botcheck.c). They go
 * through the same hcd ops as the USB core and wait by running pending
 * work, as the shell does; never for use by the core or class drivers.
 */
#ifndef TERN_EHCI_SYNC_H
#define TERN_EHCI_SYNC_H

#include "ehci.h"

struct ehci_sync {
	struct ehci *e;
	struct usb_endpoint ep;
	volatile bool done;
	struct usb_xfer x;
};

/* Opens a high-speed endpoint of device addr; 0 or enum usb_status. */
int ehci_sync_open(struct ehci_sync *s, struct ehci *e, uint8_t addr, uint8_t ep_addr,
		   enum usb_ep_type type, uint16_t max_packet);
/* Runs one transfer to completion; returns its status, *actual bytes. */
int ehci_sync_xfer(struct ehci_sync *s, struct usb_setup *setup, dma_addr_t setup_dma,
		   void *buf, dma_addr_t buf_dma, size_t len, size_t *actual);
/* Closes the endpoint and waits until the driver has freed its QH. */
void ehci_sync_close(struct ehci_sync *s);
/* Waits like the shell: pending work runs meanwhile. */
void ehci_sync_idle(uint64_t ns);

#endif
