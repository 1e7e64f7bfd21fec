/*
 * Fakes of work, IRQ registration, the USB core's driver-facing
 * calls and DMA pool creation for UHCI host tests (fake_uhci_env.h).
 */
#include <stdlib.h>
#include <string.h>

#include "dma_pool.h"
#include "fake_uhci_dma.h"
#include "fake_uhci_env.h"
#include "ktime.h"
#include "mm.h"

struct fake_env fake_env;

#define MAX_WORK 16
static struct work *queued[MAX_WORK];

void fake_env_reset(void)
{
	memset(&fake_env, 0, sizeof(fake_env));
	memset(queued, 0, sizeof(queued));
}

void work_schedule(struct work *w, uint64_t delay_ns)
{
	w->due_ns = ktime_ns() + delay_ns;
	if (w->queued)
		return;
	w->queued = true;
	for (int i = 0; i < MAX_WORK; i++) {
		if (!queued[i]) {
			queued[i] = w;
			return;
		}
	}
	abort();
}

void work_cancel(struct work *w)
{
	for (int i = 0; i < MAX_WORK; i++)
		if (queued[i] == w)
			queued[i] = NULL;
	w->queued = false;
}

int fake_env_run_work(void)
{
	int ran = 0;
	for (int i = 0; i < MAX_WORK; i++) {
		struct work *w = queued[i];
		if (!w || w->due_ns > ktime_ns())
			continue;
		queued[i] = NULL;
		w->queued = false;
		w->fn(w);
		ran++;
	}
	return ran;
}

bool fake_env_work_queued(void)
{
	for (int i = 0; i < MAX_WORK; i++)
		if (queued[i])
			return true;
	return false;
}

int irq_register(unsigned line, irq_handler_t handler, void *ctx, const char *name)
{
	fake_env.irq_line = line;
	fake_env.irq_handler = handler;
	fake_env.irq_ctx = ctx;
	return 0;
}

void irq_unregister(unsigned line, irq_handler_t handler, void *ctx)
{
	if (fake_env.irq_handler == handler && fake_env.irq_ctx == ctx)
		fake_env.irq_handler = NULL;
}

int usb_hcd_register(struct usb_hcd *hcd)
{
	fake_env.hcd = hcd;
	hcd->busnum = 1;
	return 0;
}

void usb_hcd_port_event(struct usb_hcd *hcd) { fake_env.port_events++; }
void usb_hcd_reset_notify(struct usb_hcd *hcd) { fake_env.reset_notifies++; }

/* Transfer buffers come from the same fake pool, so tests see them in
 * fake_dma_live() and a leaked buffer fails the leak checks. */
void *usb_buffer_alloc(size_t size, dma_addr_t *dma)
{
	fake_env.buffers_allocated++;
	return dma_pool_alloc(NULL, size, dma);
}

void usb_buffer_free(void *buf)
{
	if (buf)
		dma_pool_free(NULL, buf);
}

const char *usb_status_str(int status) { return status ? "error" : "ok"; }

const struct dma_page_source dma_kernel_source;

struct dma_pool *dma_pool_create(const char *name, const struct dma_pool_config *cfg)
{
	fake_env.pools_created++;
	return fake_dma_pool();
}

void dma_pool_destroy(struct dma_pool *pool) { fake_env.pools_destroyed++; }
