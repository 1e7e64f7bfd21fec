/*
 * EHCI interrupts and recovery. The handler runs on a shared PCI INTx
 * line: it claims the interrupt only if an enabled USBSTS bit is set,
 * acknowledges those bits at once (QEMU stops the async schedule while IAA
 * stays set) and defers everything else to a work item: completions
 * (USBINT, USBERRINT), the async-advance doorbell (IAA), root port changes
 * (PCD) and fatal errors (HSE, or a halt the driver did not ask for),
 * which reset the controller, rebuild its schedules and have the USB core
 * enumerate the bus again.
 */
#include "ehci.h"
#include "ktime.h"
#include "printk.h"
#include "spinlock.h"

#define EHCI_POLL_NS NSEC_PER_MSEC
/* More fatal errors than this within the window: the controller is dead. */
#define EHCI_MAX_RESETS 3
#define EHCI_RESET_WINDOW_NS (10 * NSEC_PER_SEC)

bool ehci_irq(void *ctx)
{
	struct ehci *e = ctx;
	uint32_t sts = ehci_read(e, EHCI_USBSTS);

	if (sts == 0xffffffffu) /* the device is gone from the bus */
		return false;
	sts &= EHCI_INTR_ENABLE;
	if (!sts)
		return false;
	ehci_write(e, EHCI_USBSTS, sts);
	e->stats.irqs++;
	ehci_post_status(e, sts);
	return true;
}

void ehci_post_status(struct ehci *e, uint32_t sts)
{
	unsigned long flags = arch_irq_save();
	e->pending_sts |= sts;
	arch_irq_restore(flags);
	work_schedule(&e->irq_work, 0);
}

void ehci_irq_work(struct work *w)
{
	struct ehci *e = container_of(w, struct ehci, irq_work);
	unsigned long flags = arch_irq_save();
	uint32_t sts = e->pending_sts;
	e->pending_sts = 0;
	arch_irq_restore(flags);

	if (!e->dead && (sts & EHCI_STS_HSE)) {
		ehci_recover(e, "host system error");
		return;
	}
	if (!e->dead && e->running && (ehci_read(e, EHCI_USBSTS) & EHCI_STS_HALTED)) {
		ehci_recover(e, "controller halted unexpectedly");
		return;
	}
	/* Even on a dead controller: closing endpoints must still be freed. */
	if (sts & (EHCI_STS_USBINT | EHCI_STS_ERRINT)) {
		e->last_async_ns = ktime_ns();
		ehci_scan_all(e);
	}
	if (sts & EHCI_STS_IAA)
		ehci_iaa_done(e, false);
	if ((sts & EHCI_STS_PCD) && !e->dead)
		usb_hcd_port_event(&e->hcd);
}

/* Without a usable interrupt line: look at USBSTS once a millisecond. */
void ehci_poll_work(struct work *w)
{
	struct ehci *e = container_of(w, struct ehci, poll_work);

	ehci_irq(e);
	if (!e->dead)
		work_schedule(w, EHCI_POLL_NS);
}

/*
 * No IAA interrupt 50 ms after the doorbell. If the status bit is set the
 * interrupt was only late. While the doorbell bit still reads 1 the
 * controller has not got to it (an emulator starved of host CPU): freeing
 * now could hand it reused memory, so wait on, up to a second. A doorbell
 * bit that cleared without the status is a lost interrupt.
 */
void ehci_iaa_watchdog(struct work *w)
{
	struct ehci *e = container_of(w, struct ehci, iaa_watchdog);

	if (ehci_read(e, EHCI_USBSTS) & EHCI_STS_IAA) {
		ehci_write(e, EHCI_USBSTS, EHCI_STS_IAA);
		ehci_iaa_done(e, false);
		return;
	}
	if ((ehci_read(e, EHCI_USBCMD) & EHCI_CMD_IAAD) && e->running &&
	    ktime_ns() - e->iaa_rung_ns < EHCI_IAA_GIVE_UP_NS) {
		e->stats.iaa_slow++;
		work_schedule(w, EHCI_IAA_WATCHDOG_NS);
		return;
	}
	ehci_iaa_done(e, true);
}

/*
 * A controller can stop without raising an interrupt: QEMU resets its EHCI
 * on a schedule it cannot process, which also clears USBINTR. Looking at
 * USBSTS twice a second catches that.
 */
void ehci_health_work(struct work *w)
{
	struct ehci *e = container_of(w, struct ehci, health_work);

	if (e->dead)
		return;
	if (e->running && (ehci_read(e, EHCI_USBSTS) & EHCI_STS_HALTED))
		ehci_recover(e, "controller halted without telling");
	if (!e->dead)
		work_schedule(w, EHCI_HEALTH_PERIOD_NS);
}

void ehci_recover(struct ehci *e, const char *why)
{
	pr_err("ehci%d: %s (USBSTS %x); resetting the controller\n", e->index, why,
	       ehci_read(e, EHCI_USBSTS));
	e->stats.resets++;
	e->running = false;
	bool give_up = hcd_restart_limit_hit(&e->restarts, EHCI_MAX_RESETS, EHCI_RESET_WINDOW_NS);
	int rc = ehci_hw_reset(e);

	ehci_async_reset(e);
	ehci_periodic_reset(e);
	ehci_fail_all(e, USB_ERR_HC);
	ehci_unlink_all_now(e);
	struct ehci_ep *ep;
	list_for_each_entry(ep, &e->eps, node)
		if (ep->state == EHCI_EP_UNLINKED && !ep->hcd.closing)
			ehci_ep_link(e, ep);
	if (give_up || rc || ehci_hw_start(e)) {
		e->dead = true;
		ehci_hw_halt(e);
		pr_err("ehci%d: controller %s; giving up on it\n", e->index,
		       give_up ? "keeps failing" : "did not restart");
	}
	usb_hcd_reset_notify(&e->hcd);
}
