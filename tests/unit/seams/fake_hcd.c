/*
 * The kernel around a host-controller driver for host tests (see
 * fake_hcd.h), shared by the UHCI and EHCI driver tests.
 */
#include <stdlib.h>

#include "dma_pool.h"
#include "fake_dma_source.h"
#include "fake_hcd.h"
#include "harness.h"
#include "irq.h"
#include "kstring.h"
#include "mm.h"
#include "pci.h"
#include "seams.h"

unsigned fake_port_events, fake_reset_notifies, fake_hcd_registered;
struct usb_hcd *fake_last_hcd;

static struct list_node work_list = LIST_HEAD_INIT(work_list);
static irq_handler_t irq_fn;
static void *irq_ctx;
static unsigned irq_line;
static long fail_at = -1, calls;
static const char *failed;

void fake_hcd_reset(void)
{
	struct list_node *n;

	while ((n = list_pop_front(&work_list)))
		list_entry(n, struct work, node)->queued = false;
	irq_fn = NULL;
	irq_ctx = NULL;
	fake_port_events = fake_reset_notifies = fake_hcd_registered = 0;
	fake_last_hcd = NULL;
	fake_fail_call(-1);
}

extern const struct pci_driver __start_pci_drivers[] __attribute__((weak));
extern const struct pci_driver __stop_pci_drivers[] __attribute__((weak));

const struct pci_driver *fake_pci_driver(const char *name)
{
	for (const struct pci_driver *d = __start_pci_drivers; d < __stop_pci_drivers; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* --- fault plan ------------------------------------------------------- */

void fake_fail_call(long n)
{
	fail_at = n;
	calls = 0;
	failed = NULL;
}

const char *fake_failed_call(void) { return failed; }

bool fake_call_fails(const char *what)
{
	if (calls++ != fail_at)
		return false;
	failed = what;
	return true;
}

void *__real_kmalloc(size_t size);
void *__real_kzalloc(size_t size);
struct dma_pool *__real_dma_pool_create(const char *name, const struct dma_pool_config *cfg);
void *__real_dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys);

void *__wrap_kmalloc(size_t size)
{
	return fake_call_fails("kmalloc") ? NULL : __real_kmalloc(size);
}

void *__wrap_kzalloc(size_t size)
{
	return fake_call_fails("kzalloc") ? NULL : __real_kzalloc(size);
}

struct dma_pool *__wrap_dma_pool_create(const char *name, const struct dma_pool_config *cfg)
{
	return fake_call_fails("dma_pool_create") ? NULL : __real_dma_pool_create(name, cfg);
}

void *__wrap_dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys)
{
	return fake_call_fails("dma_pool_alloc") ? NULL : __real_dma_pool_alloc(pool, size, phys);
}

/* --- work -------------------------------------------------------------- */

static void unqueue(struct work *w)
{
	list_remove(&w->node);
	w->queued = false;
}

void work_schedule(struct work *w, uint64_t delay_ns)
{
	if (w->queued)
		unqueue(w);
	w->due_ns = seam_now_ns + delay_ns;
	w->queued = true;
	list_push_front(&work_list, &w->node);
}

void work_cancel(struct work *w)
{
	if (w->queued)
		unqueue(w);
}

static struct work *earliest(void)
{
	struct work *best = NULL, *w;

	list_for_each_entry(w, &work_list, node)
		if (!best || w->due_ns < best->due_ns)
			best = w;
	return best;
}

int work_run_pending(void)
{
	int ran = 0;
	struct work *w;

	while ((w = earliest()) && w->due_ns <= seam_now_ns) {
		unqueue(w);
		w->fn(w);
		ran++;
	}
	return ran;
}

bool fake_work_queued(void) { return !list_empty(&work_list); }

void fake_work_run_for(uint64_t budget_ns)
{
	uint64_t end = seam_now_ns + budget_ns;
	struct work *w;

	work_run_pending();
	while ((w = earliest()) && w->due_ns <= end) {
		if (w->due_ns > seam_now_ns)
			seam_now_ns = w->due_ns;
		work_run_pending();
	}
	if (seam_now_ns < end)
		seam_now_ns = end;
}

/* --- IRQ ---------------------------------------------------------------- */

int irq_register(unsigned line, irq_handler_t handler, void *ctx, const char *name)
{
	if (fake_call_fails("irq_register"))
		return -1;
	irq_fn = handler;
	irq_ctx = ctx;
	irq_line = line;
	return 0;
}

void irq_unregister(unsigned line, irq_handler_t handler, void *ctx)
{
	if (irq_fn == handler && irq_ctx == ctx)
		irq_fn = NULL;
}

bool fake_irq_fire(void) { return irq_fn ? irq_fn(irq_ctx) : false; }
bool fake_irq_registered(void) { return irq_fn != NULL; }
unsigned fake_irq_line(void) { return irq_line; }

/* --- USB core ----------------------------------------------------------- */

int usb_hcd_register(struct usb_hcd *hcd)
{
	if (fake_call_fails("usb_hcd_register"))
		return USB_ERR_NOMEM;
	fake_hcd_registered++;
	fake_last_hcd = hcd;
	hcd->busnum = (int)fake_hcd_registered;
	return 0;
}

void fake_complete(struct usb_xfer *x)
{
	struct fake_completion *c = x->ctx;

	c->calls++;
	c->status = x->status;
	c->actual = x->actual;
}

void fake_check_completion(const struct fake_completion *c, int calls, int status,
			   size_t actual)
{
	CHECK_EQ(c->calls, calls);
	CHECK_EQ(c->status, status);
	if (actual != FAKE_ANY_LENGTH)
		CHECK_EQ(c->actual, actual);
}

void usb_hcd_port_event(struct usb_hcd *hcd) { fake_port_events++; }
void usb_hcd_reset_notify(struct usb_hcd *hcd) { fake_reset_notifies++; }

void *usb_buffer_alloc(size_t size, dma_addr_t *dma)
{
	void *p = kzalloc(size);
	*dma = (dma_addr_t)(uintptr_t)p & 0xffffffffu;
	return p;
}

void usb_buffer_free(void *buf) { kfree(buf); }
const char *usb_status_str(int status) { return status ? "error" : "ok"; }

/* --- DMA: the real pool over the host page source ------------------------ */

#define FAKE_DMA_BASE 0x40000000ull /* below 4 GiB, unrelated to virtual */
#define FAKE_DMA_BYTES (64ull << 20)

static struct fake_dma_arena *arena;

static struct dma_page_source arena_source(void)
{
	if (!arena)
		arena = fake_dma_arena_create(FAKE_DMA_BASE, FAKE_DMA_BYTES, 6);
	return fake_dma_source(arena);
}

static void *kernel_source_alloc(void *ctx, size_t size, dma_addr_t max_phys,
				 dma_addr_t *phys)
{
	if (fake_call_fails("alloc_region"))
		return NULL;
	struct dma_page_source src = arena_source();
	return src.alloc_region(src.ctx, size, max_phys, phys);
}

static void kernel_source_free(void *ctx, void *virt, dma_addr_t phys, size_t size)
{
	struct dma_page_source src = arena_source();
	src.free_region(src.ctx, virt, phys, size);
}

const struct dma_page_source dma_kernel_source = { kernel_source_alloc,
						   kernel_source_free, NULL };

uint64_t fake_dma_regions_live(void)
{
	return arena ? fake_dma_arena_regions_live(arena) : 0;
}

struct lookup {
	dma_addr_t phys;
	void *virt;
	long count;
};

static void find_in_pool(struct dma_pool *pool, void *ctx)
{
	struct lookup *l = ctx;
	if (!l->virt)
		l->virt = dma_pool_phys_to_virt(pool, l->phys);
}

void *fake_dma_virt(dma_addr_t phys)
{
	struct lookup l = { phys, NULL, 0 };

	dma_pool_for_each(find_in_pool, &l);
	return l.virt;
}

static void count_live(struct dma_pool *pool, void *ctx)
{
	struct dma_pool_stats st;

	dma_pool_stats(pool, &st);
	for (unsigned i = 0; i < st.nclasses; i++)
		((struct lookup *)ctx)->count += (long)st.cls[i].live;
}

static void count_misuse(struct dma_pool *pool, void *ctx)
{
	struct dma_pool_stats st;

	dma_pool_stats(pool, &st);
	((struct lookup *)ctx)->count += (long)st.misuse;
}

long fake_dma_live_chunks(void)
{
	struct lookup l = { 0, NULL, 0 };

	dma_pool_for_each(count_live, &l);
	return l.count;
}

long fake_dma_misuse(void)
{
	struct lookup l = { 0, NULL, 0 };

	dma_pool_for_each(count_misuse, &l);
	return l.count;
}

/* --- checks after a failed probe ------------------------------------------ */

struct fake_hcd_snapshot fake_hcd_snapshot(void)
{
	return (struct fake_hcd_snapshot){ fake_dma_live_chunks(), fake_kmalloc_live,
					   fake_dma_regions_live() };
}

void fake_hcd_check_released(const struct fake_hcd_snapshot *before)
{
	CHECK(seam_log()[0] != '\0');
	CHECK(fake_last_hcd == NULL);
	CHECK(!fake_irq_registered());
	CHECK(!fake_work_queued());
	CHECK(!seam_log_contains("live chunks"));
	CHECK_EQ(fake_dma_live_chunks(), before->chunks);
	CHECK_EQ(fake_dma_regions_live(), before->regions);
	CHECK_EQ(fake_kmalloc_live, before->kmem);
	CHECK_EQ(fake_dma_misuse(), 0);
}

void fake_hcd_fail_each_call(const char *(*probe_failing_call)(long n), long min_calls,
			     const char *const *steps, unsigned nsteps)
{
	bool seen[16] = { false };
	long n = 0;
	const char *what;

	CHECK(nsteps <= ARRAY_SIZE(seen));
	while ((what = probe_failing_call(n)) != NULL && n < 1000) {
		for (unsigned i = 0; i < nsteps && i < ARRAY_SIZE(seen); i++)
			seen[i] |= strcmp(what, steps[i]) == 0;
		n++;
	}
	CHECK(n >= min_calls);
	for (unsigned i = 0; i < nsteps && i < ARRAY_SIZE(seen); i++)
		CHECK(seen[i]);
}
