/*
 * `ehcilat` and `ehcibench`: control-transfer latency on EHCI after an
 * idle gap, the case the core's back-to-back `usbbench` cannot show. QEMU
 * runs the async schedule from a timer that backs off while nothing
 * happens, so the first transfer after a pause can wait for the next timer
 * pass; docs/ehci.md records what was measured and why the driver kicks
 * the controller after idle. Both open their own control QH for an
 * addressed high-speed device: run them while the core is not using it.
 */
#include "ehci_sync.h"
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"
#include "usb_bench.h"

#define LAT_MAX_SAMPLES 64
#define BENCH_SETTLE_NS (5 * NSEC_PER_SEC)
#define BENCH_QUIET_NS (200 * NSEC_PER_MSEC)

static void report(struct ehci *e, uint8_t addr, uint64_t idle_ms, uint64_t *samples,
		   unsigned n)
{
	kprintf("ehci%d dev %u, idle %llu ms: ", e->index, addr, (unsigned long long)idle_ms);
	usb_bench_print_latency(samples, n);
}

static int measure(struct ehci *e, uint8_t addr, uint64_t idle_ms, unsigned n)
{
	struct ehci_sync s;
	dma_addr_t setup_dma, buf_dma;
	struct usb_setup *setup = usb_buffer_alloc(sizeof(*setup), &setup_dma);
	void *buf = usb_buffer_alloc(64, &buf_dma);
	uint64_t samples[LAT_MAX_SAMPLES];
	unsigned got = 0;

	if (!setup || !buf || ehci_sync_open(&s, e, addr, 0, USB_EP_CONTROL, 64)) {
		kprintf("ehcilat: cannot set up a control endpoint\n");
		usb_buffer_free(setup);
		usb_buffer_free(buf);
		return 1;
	}
	*setup = (struct usb_setup){ 0x80, 6, 0x0100, 0, 18 }; /* GET_DESCRIPTOR */
	for (; got < n; got++) {
		size_t actual;
		ehci_sync_idle(idle_ms * NSEC_PER_MSEC);
		uint64_t t0 = ktime_ns();
		int st = ehci_sync_xfer(&s, setup, setup_dma, buf, buf_dma, 18, &actual);
		samples[got] = ktime_ns() - t0;
		if (st) {
			kprintf("ehcilat: device %u: %s\n", addr, usb_status_str(st));
			break;
		}
	}
	ehci_sync_close(&s);
	usb_buffer_free(setup);
	usb_buffer_free(buf);
	if (got)
		report(e, addr, idle_ms, samples, got);
	return got == n ? 0 : 1;
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

static uint8_t qh_addr(const struct ehci_ep *ep)
{
	return ep->qh->ep_char & 0x7f;
}

/* A device the core has addressed on e (it has a control QH), preferring
 * one with an interrupt endpoint open: a class driver bound to it, so its
 * enumeration is over. */
static uint8_t settled_device(const struct ehci *e, bool need_driver)
{
	const struct ehci_ep *ep, *i;

	list_for_each_entry(ep, &e->eps, node) {
		if (ep->periodic || ep->hcd.closing || !qh_addr(ep) ||
		    ((ep->qh->ep_char >> 8) & 0xf))
			continue;
		if (!need_driver)
			return qh_addr(ep);
		list_for_each_entry(i, &e->eps, node)
			if (i->periodic && !i->hcd.closing && qh_addr(i) == qh_addr(ep))
				return qh_addr(ep);
	}
	return 0;
}

/* Right after boot the core may still be enumerating: wait for it. */
static uint8_t device_to_measure(const struct ehci *e)
{
	if (wait_until((work_run_pending(), settled_device(e, true)), BENCH_SETTLE_NS)) {
		ehci_sync_idle(BENCH_QUIET_NS);
		return settled_device(e, true);
	}
	return settled_device(e, false);
}

/* `ehcibench` (run by `make bench`): the idle-gap table of docs/ehci.md. */
static int cmd_ehcibench(int argc, char **argv)
{
	static const unsigned idle_ms[] = { 0, 2, 10, 50 };
	struct ehci *e = ehci_by_index(0);
	uint8_t addr = e ? device_to_measure(e) : 0;

	if (!addr) {
		kprintf("ehcibench: no addressed high-speed device on ehci0; nothing to measure\n");
		return 0;
	}
	kprintf("EHCI GET_DESCRIPTOR round trip after an idle gap (docs/ehci.md):\n");
	int rc = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(idle_ms); i++)
		rc |= measure(e, addr, idle_ms[i], 20);
	return rc;
}
SHELL_COMMAND(ehcibench, "ehcibench", "ehcibench",
	      "EHCI control latency after idle gaps", cmd_ehcibench);
