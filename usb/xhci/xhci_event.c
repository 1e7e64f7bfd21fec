/*
 * The event ring (xHCI 4.9.4) and everything that reads it: the interrupt
 * handler, the deferred work that drains the ring, commands (issued one at
 * a time and waited for by draining the ring, bounded by a timeout that
 * aborts the command), and the health check that catches a controller
 * which stopped without an interrupt. Interrupter 0 only: QEMU raises
 * INTx for no other. Every pointer an event carries is untrusted.
 */
#include "printk.h"
#include "xhci.h"

#define XHCI_POLL_NS NSEC_PER_MSEC

/* Shared INTx line: ours only if interrupter 0 has an interrupt pending.
 * Clearing IMAN.IP lowers the line; the work drains the ring. */
bool xhci_irq(void *ctx)
{
	struct xhci *x = ctx;
	uint32_t iman = mmio_read32(x->rt + XHCI_IMAN);

	if (iman == 0xffffffffu || !(iman & XHCI_IMAN_IP))
		return false;
	mmio_write32(x->rt + XHCI_IMAN, XHCI_IMAN_IE | XHCI_IMAN_IP);
	xhci_write(x, XHCI_USBSTS, XHCI_STS_EINT);
	x->stats.irqs++;
	work_schedule(&x->irq_work, 0);
	return true;
}

static bool controller_failed(struct xhci *x)
{
	uint32_t sts = xhci_read(x, XHCI_USBSTS);
	const char *why = x->restart_pending ? "command ring did not stop after an abort"
			  : sts & XHCI_STS_HCE ? "host controller error"
			  : sts & XHCI_STS_HSE ? "host system error"
			  : sts & XHCI_STS_HCH ? "controller halted without being asked"
			  : NULL;

	if (x->dead || !x->running || !why)
		return false;
	xhci_restart(x, why);
	return true;
}

static void command_event(struct xhci *x, const struct xhci_trb *ev)
{
	uint32_t cc = TRB_GET_CC(ev->status);

	if (cc == CC_CMD_RING_STOPPED && ev->param != x->cmd_trb)
		return; /* after an abort: the ring stopped, nothing completes */
	if (!x->cmd_trb || ev->param != x->cmd_trb) {
		x->stats.bad_events++;
		pr_err("xhci%d: completion for command %lx, none of ours is pending\n", x->index,
		       (unsigned long)ev->param);
		return;
	}
	x->cmd_done = true;
	x->cmd_cc = cc;
	x->cmd_slot = TRB_GET_SLOT(ev->control);
}

static void handle_event(struct xhci *x, const struct xhci_trb *ev)
{
	x->stats.events++;
	switch (TRB_GET_TYPE(ev->control)) {
	case TRB_EV_TRANSFER:
		xhci_transfer_event(x, ev);
		break;
	case TRB_EV_COMMAND:
		command_event(x, ev);
		break;
	case TRB_EV_PORT:
		usb_hcd_port_event(&x->hcd);
		break;
	case TRB_EV_HOST:
		pr_err("xhci%d: host controller event, code %u\n", x->index,
		       TRB_GET_CC(ev->status));
		break;
	default:
		x->stats.bad_events++;
		pr_warn("xhci%d: unexpected event type %u\n", x->index,
			TRB_GET_TYPE(ev->control));
	}
}

/* Drains the event ring, then tells the controller how far (ERDP, with
 * EHB cleared so it may interrupt again: §4.17.2). Not re-entrant. */
static void process_events(struct xhci *x)
{
	unsigned handled = 0;

	if (x->in_events || !x->running)
		return;
	x->in_events = true;
	for (;;) {
		struct xhci_trb ev = x->events[x->ev_deq];
		if ((ev.control & TRB_CYCLE) != x->ev_cycle)
			break;
		dma_rmb(); /* the TRB's other fields after its cycle bit */
		ev = x->events[x->ev_deq];
		handle_event(x, &ev);
		handled++;
		if (++x->ev_deq == XHCI_EVENT_TRBS) {
			x->ev_deq = 0;
			x->ev_cycle ^= 1;
		}
	}
	if (handled)
		xhci_write64(x->rt + XHCI_ERDP, (x->events_dma + x->ev_deq * sizeof(struct xhci_trb)) |
					       XHCI_ERDP_EHB);
	x->in_events = false;
}

/* Also runs every XHCI_HEALTH_PERIOD_NS, to catch a controller that
 * stopped without an interrupt, or every 1 ms to poll without a line. */
void xhci_irq_work(struct work *w)
{
	struct xhci *x = container_of(w, struct xhci, irq_work);

	if (!x->irq_ok)
		xhci_irq(x);
	if (!x->dead)
		work_schedule(w, x->irq_ok ? XHCI_HEALTH_PERIOD_NS : XHCI_POLL_NS);
	if (controller_failed(x))
		return;
	process_events(x);
	hcd_giveback_all(&x->done);
}

static bool command_finished(struct xhci *x)
{
	process_events(x);
	return x->cmd_done || !x->running;
}

/* §4.6.1.2: stop the command ring with Command Abort, then wait for it. */
static void abort_command(struct xhci *x)
{
	x->stats.cmd_timeouts++;
	pr_err("xhci%d: command timed out; aborting it\n", x->index);
	xhci_write64(x->op + XHCI_CRCR, XHCI_CRCR_CA);
	if (wait_until(command_finished(x), XHCI_CMD_TIMEOUT_NS))
		return;
	/* Restarting here would remove devices under the caller's feet. */
	x->restart_pending = true;
	work_schedule(&x->irq_work, 0);
}

static const char *const command_names[] = {
	[TRB_ENABLE_SLOT] = "Enable Slot", [TRB_DISABLE_SLOT] = "Disable Slot",
	[TRB_ADDRESS_DEVICE] = "Address Device", [TRB_CONFIGURE_EP] = "Configure Endpoint",
	[TRB_EVALUATE_CTX] = "Evaluate Context", [TRB_RESET_EP] = "Reset Endpoint",
	[TRB_STOP_EP] = "Stop Endpoint", [TRB_SET_TR_DEQ] = "Set TR Dequeue",
	[TRB_RESET_DEVICE] = "Reset Device", [TRB_NOOP_CMD] = "No Op",
};

static int run_command(struct xhci *x, const struct xhci_trb *trb, unsigned *slot_out)
{
	if (x->dead || !x->running || x->restart_pending)
		return USB_ERR_HC;
	if (x->cmd_trb || x->in_events) {
		pr_err("xhci%d: command issued while another runs\n", x->index);
		return USB_ERR_INVAL;
	}
	struct xhci_ring_pos pos = xhci_ring_push(&x->cmd, trb, x, 0);
	xhci_ring_commit(&x->cmd);
	x->cmd_trb = xhci_ring_pos_dma(&pos);
	x->cmd_done = false;
	x->stats.cmds++;
	mmio_write32(x->db, 0);
	bool done = wait_until(command_finished(x), XHCI_CMD_TIMEOUT_NS);
	if (!done && x->running)
		abort_command(x);
	xhci_ring_release(&x->cmd, pos, 1);
	x->cmd_trb = 0;
	if (!x->irq_ok || !list_empty(&x->done))
		work_schedule(&x->irq_work, 0);
	if (!done || !x->cmd_done)
		return x->running ? USB_ERR_TIMEOUT : USB_ERR_HC;
	if (slot_out)
		*slot_out = x->cmd_slot;
	return x->cmd_cc == CC_SUCCESS ? 0 : USB_ERR_XACT;
}

int xhci_command(struct xhci *x, uint32_t control, uint64_t param, unsigned *slot_out)
{
	const struct xhci_trb trb = { .param = param, .control = control };
	unsigned type = TRB_GET_TYPE(control);
	int rc = run_command(x, &trb, slot_out);

	if (rc)
		pr_err("xhci%d: %s (slot %u ep %u) failed: %s, completion code %u\n", x->index,
		       type < ARRAY_SIZE(command_names) && command_names[type] ? command_names[type]
										: "command",
		       TRB_GET_SLOT(control), TRB_GET_EP(control), usb_status_str(rc),
		       rc == USB_ERR_XACT ? x->cmd_cc : 0);
	return rc;
}
