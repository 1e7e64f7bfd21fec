/*
 * Waiting for USB to settle: `usbwait [timeout_ms]` and usb_wait_settled(),
 * which also lets `usbbench` start from a quiet bus. Settled means every
 * root port has been looked at since the wait began (so a connect made
 * before then is seen), nothing connected is still on its way to
 * configured, no device handed from EHCI to a companion is still unseen
 * there, and every bound class driver is done setting its interface up
 * (mass storage: its disks registered). Waiting runs pending work; it
 * never spins on a device register.
 */
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"
#include "usb_core.h"

static bool port_transient(const struct usb_port *p)
{
	return p->state == PORT_DEBOUNCE || p->state == PORT_WAIT_ADDR0 ||
	       p->state == PORT_RESETTING || p->state == PORT_RECOVERY ||
	       p->state == PORT_ENUMERATING || p->state == PORT_QUIESCING;
}

static bool device_settled(const struct usb_device *hdev)
{
	const struct usb_hub *hub = hdev->hub;

	for (unsigned i = 0; i < hdev->config.num_intf; i++) {
		const struct usb_interface *in = &hdev->config.intf[i];
		if (in->driver && in->driver->settling && in->driver->settling(in))
			return false; /* a class driver still setting up */
	}
	for (unsigned i = 0; hub && i < hub->nports; i++) {
		if (port_transient(&hub->ports[i]))
			return false;
		if (hub->ports[i].dev && !device_settled(hub->ports[i].dev))
			return false;
	}
	return true;
}

/* Every root port looked at since *since_ns (a connect made before then
 * is seen), nothing connected still on its way to configured, and every
 * bound driver done setting its interface up. A connect behind a hub
 * counts once the hub has reported it. */
static bool all_settled(void *since_ns)
{
	const uint64_t *since = since_ns;
	struct usb_bus *b;

	if (usb_handoffs_in_progress())
		return false;
	usb_for_each_bus(b)
		if (b->root_polls == 0 || b->last_poll_ns < *since || !device_settled(b->root))
			return false;
	return true;
}

bool usb_wait_settled(uint64_t timeout_ns)
{
	uint64_t since = ktime_ns();
	return usb_wait_idle_until(all_settled, &since, timeout_ns);
}

static int cmd_usbwait(int argc, char **argv)
{
	uint64_t ms = 10000;

	if (argc > 2 || (argc == 2 && (!kstrtou64(argv[1], &ms) || ms > 600000))) {
		kprintf("usage: usbwait [timeout_ms] (at most 600000)\n");
		return 1;
	}
	if (!usb_wait_settled(ms * NSEC_PER_MSEC)) {
		kprintf("usbwait: USB still enumerating after %llu ms\n", (unsigned long long)ms);
		return 1;
	}
	return 0;
}

SHELL_COMMAND(usbwait, "usbwait", "usbwait [timeout_ms]",
	      "wait until every connected USB device is enumerated (default 10 s)", cmd_usbwait);
