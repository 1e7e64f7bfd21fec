/*
 * The kernel around a host-controller driver, faked once for the UHCI and
 * EHCI host tests (fake_hcd.c): a work queue the test runs by hand on the
 * fake clock, IRQ registration that hands the handler to the test, the USB
 * core's driver-facing calls, the kernel's DMA page source over a host
 * arena (the pool itself is the real dma/pool.c) and a fault plan that
 * makes one chosen fallible call fail, so a test can fail every step of a
 * probe in turn. The fault plan reaches kmalloc/kzalloc and the pool
 * through the linker's --wrap (see test_uhci_driver.mk).
 */
#ifndef TERN_FAKE_HCD_H
#define TERN_FAKE_HCD_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_kmalloc.h"
#include "types.h"
#include "usb_hcd.h"
#include "work.h"

struct pci_driver;

/* Forgets queued work, the IRQ handler, core counters and the fault plan. */
void fake_hcd_reset(void);
/* The PCI_DRIVER linked into the test under this name, or NULL. */
const struct pci_driver *fake_pci_driver(const char *name);

/* Fault plan: the n-th fallible call from now (0 = the next) fails, every
 * other succeeds; -1 (the default) fails none. Fallible: kmalloc, kzalloc,
 * dma_pool_create, dma_pool_alloc, the page source's alloc_region, ioremap,
 * irq_register, usb_hcd_register. */
void fake_fail_call(long n);
/* The function whose call the plan failed, NULL if none has been. */
const char *fake_failed_call(void);
/* Counts one call of `what`; true if the plan fails it (for device fakes). */
bool fake_call_fails(const char *what);

/* Runs due work items, advancing the clock to each one due within
 * budget_ns, and ends budget_ns later. */
void fake_work_run_for(uint64_t budget_ns);
bool fake_work_queued(void);

/* Fires the registered IRQ handler; returns what it returned. */
bool fake_irq_fire(void);
bool fake_irq_registered(void);
unsigned fake_irq_line(void);

/* What a test sees of its transfers: usb_xfer.ctx points at one of these
 * and usb_xfer.complete is fake_complete. */
struct fake_completion {
	int calls, status;
	size_t actual;
};
void fake_complete(struct usb_xfer *x);
/* Checks (as a test) how many completions there were and the last one's
 * status; also its length unless actual is FAKE_ANY_LENGTH. */
#define FAKE_ANY_LENGTH ((size_t)-1)
void fake_check_completion(const struct fake_completion *c, int calls, int status,
			   size_t actual);

extern unsigned fake_port_events, fake_reset_notifies, fake_hcd_registered;
extern struct usb_hcd *fake_last_hcd; /* the last one registered, or NULL */

/* The CPU view of a live chunk of any pool, NULL for anything else: what a
 * device model may touch. */
void *fake_dma_virt(dma_addr_t phys);
long fake_dma_live_chunks(void);
/* Refused frees and bad translations the pools counted (must stay 0). */
long fake_dma_misuse(void);
/* Regions the page source has handed out and not had back. */
uint64_t fake_dma_regions_live(void);

/* What a driver holds: taken before a probe that is meant to fail. */
struct fake_hcd_snapshot {
	long chunks, kmem;
	uint64_t regions;
};
struct fake_hcd_snapshot fake_hcd_snapshot(void);
/* Checks (as a test) that a failed probe let go of everything: no IRQ
 * handler, no queued work, no controller registered with the core, pool
 * chunks, page-source regions and kmallocs back to the snapshot, no pool
 * destroyed with chunks in it, no pool misuse, and a message saying why. */
void fake_hcd_check_released(const struct fake_hcd_snapshot *before);
/* Runs probe_failing_call(0), (1), ... (a probe with that fallible call
 * failing, returning fake_failed_call()) until one makes fewer calls than
 * that; checks that there were at least min_calls and that each of the
 * nsteps names in steps failed once. */
void fake_hcd_fail_each_call(const char *(*probe_failing_call)(long n), long min_calls,
			     const char *const *steps, unsigned nsteps);

#endif
