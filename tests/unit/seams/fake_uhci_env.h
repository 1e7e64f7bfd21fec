/*
 * The kernel services the UHCI driver calls, faked for host tests: kmalloc
 * on libc, a work queue the test runs by hand, interrupt registration that
 * hands the handler to the test, a recording USB core (with transfer
 * buffers from the fake pool), and DMA pool creation on top of
 * fake_uhci_dma.c.
 */
#ifndef TERN_FAKE_UHCI_ENV_H
#define TERN_FAKE_UHCI_ENV_H

#include "irq.h"
#include "usb_hcd.h"
#include "work.h"

struct fake_env {
	irq_handler_t irq_handler;
	void *irq_ctx;
	unsigned irq_line;
	struct usb_hcd *hcd;
	int port_events, reset_notifies;
	int pools_created, pools_destroyed;
	int buffers_allocated;
};

extern struct fake_env fake_env;

void fake_env_reset(void);
/* Runs every queued work item whose time has come; returns how many ran. */
int fake_env_run_work(void);
/* Whether any work item is queued (due now or later). */
bool fake_env_work_queued(void);

#endif
