/*
 * `ehcilat`: control-transfer latency on EHCI after an idle gap, the case
 * the core's back-to-back `usbbench` cannot show. QEMU runs the async
 * schedule from a timer that backs off while nothing happens, so the first
 * transfer after a pause can wait for the next timer pass; docs/ehci.md
 * records what this command measured and why the driver does (or does
 * not) kick the controller. It opens its own control QH for an addressed
 * high-speed device, so run it while the core is not using that device.
 */
#include "ehci.h"
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"

#define LAT_MAX_SAMPLES 64
#define LAT_XFER_TIMEOUT_NS (500 * NSEC_PER_MSEC)

struct lat_run {
	struct usb_hcd *hcd;
	struct usb_endpoint ep;
	struct usb_xfer x;
	struct usb_setup *setup;
	void *buf;
	dma_addr_t setup_dma, buf_dma;
	volatile bool done;
};

static void lat_complete(struct usb_xfer *x)
{
	struct lat_run *r = x->ctx;
	r->done = true;
}

/* Idles like the shell does: pending work runs, the CPU pauses. */
static void idle_for(uint64_t ns)
{
	wait_until((work_run_pending(), false), ns);
}

static int one_round_trip(struct lat_run *r, uint64_t *ns)
{
	r->done = false;
	r->x = (struct usb_xfer){ .ep = &r->ep, .setup = r->setup,
				  .setup_dma = r->setup_dma, .buf = r->buf,
				  .buf_dma = r->buf_dma, .len = 18,
				  .timeout_ns = LAT_XFER_TIMEOUT_NS,
				  .complete = lat_complete, .ctx = r };
	uint64_t t0 = ktime_ns();
	int rc = r->hcd->ops->submit(r->hcd, &r->x);
	if (rc)
		return rc;
	if (!wait_until((work_run_pending(), r->done), 2 * LAT_XFER_TIMEOUT_NS))
		return USB_ERR_TIMEOUT;
	*ns = ktime_ns() - t0;
	return r->x.status;
}

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static int measure(struct ehci *e, uint8_t addr, uint64_t idle_ms, unsigned n)
{
	struct lat_run r = { .hcd = &e->hcd };
	uint64_t samples[LAT_MAX_SAMPLES];
	unsigned got = 0;
	int rc = 0;

	r.ep = (struct usb_endpoint){ .dev_addr = addr, .speed = USB_SPEED_HIGH,
				      .type = USB_EP_CONTROL, .max_packet = 64 };
	r.setup = usb_buffer_alloc(sizeof(*r.setup), &r.setup_dma);
	r.buf = usb_buffer_alloc(64, &r.buf_dma);
	if (!r.setup || !r.buf || e->hcd.ops->ep_open(&e->hcd, &r.ep)) {
		kprintf("ehcilat: cannot set up a control endpoint\n");
		rc = 1;
		goto out;
	}
	*r.setup = (struct usb_setup){ 0x80, 6, 0x0100, 0, 18 }; /* GET_DESCRIPTOR */
	for (; got < n; got++) {
		idle_for(idle_ms * NSEC_PER_MSEC);
		int st = one_round_trip(&r, &samples[got]);
		if (st) {
			kprintf("ehcilat: device %u: %s\n", addr, usb_status_str(st));
			rc = 1;
			break;
		}
	}
	e->hcd.ops->ep_close(&e->hcd, &r.ep);
	idle_for(60 * NSEC_PER_MSEC); /* the QH is freed after the doorbell */
	if (got) {
		sort(samples, got);
		kprintf("ehci%d dev %u, idle %llu ms, kick %s: min %llu us, median %llu us, "
			"max %llu us (N=%u)\n", e->index, addr, (unsigned long long)idle_ms,
			e->kick_async ? "on" : "off",
			(unsigned long long)(samples[0] / NSEC_PER_USEC),
			(unsigned long long)(samples[got / 2] / NSEC_PER_USEC),
			(unsigned long long)(samples[got - 1] / NSEC_PER_USEC), got);
	}
out:
	if (r.setup)
		usb_buffer_free(r.setup);
	if (r.buf)
		usb_buffer_free(r.buf);
	return rc;
}

static int cmd_ehcilat(int argc, char **argv)
{
	uint64_t addr, idle = 0, n = 20;
	struct ehci *e = ehci_by_index(0);

	if (argc < 2 || argc > 4 || !kstrtou64(argv[1], &addr) || addr == 0 || addr > 127 ||
	    (argc > 2 && (!kstrtou64(argv[2], &idle) || idle > 1000)) ||
	    (argc > 3 && (!kstrtou64(argv[3], &n) || n == 0 || n > LAT_MAX_SAMPLES))) {
		kprintf("usage: ehcilat <device address> [idle ms <= 1000] [samples <= %d]\n",
			LAT_MAX_SAMPLES);
		return 1;
	}
	if (!e) {
		kprintf("ehcilat: no EHCI controller\n");
		return 1;
	}
	return measure(e, (uint8_t)addr, idle, (unsigned)n);
}
SHELL_COMMAND(ehcilat, "ehcilat", "ehcilat <device address> [idle ms] [samples]",
	      "EHCI GET_DESCRIPTOR latency after idle gaps (high-speed device on ehci0)",
	      cmd_ehcilat);
