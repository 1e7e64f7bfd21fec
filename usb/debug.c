/*
 * `usbdebug [bus]`: the core's live state for one or every bus (each
 * port's enumeration state, who holds the address-0 slot, every device's
 * outstanding transfers), then the controller driver's own dump
 * (usb_hcd_ops.dump) — what to look at when a device does not show up.
 */
#include "kstring.h"
#include "printk.h"
#include "shell.h"
#include "usb_core.h"

static const char *port_state_name(enum usb_port_state s)
{
	static const char *const names[] = {
		[PORT_EMPTY] = "empty", [PORT_DEBOUNCE] = "debounce",
		[PORT_WAIT_ADDR0] = "waiting for address 0", [PORT_RESETTING] = "resetting",
		[PORT_RECOVERY] = "reset recovery", [PORT_ENUMERATING] = "enumerating",
		[PORT_CONFIGURED] = "configured", [PORT_FAILED] = "failed (disabled)",
		[PORT_HANDED_OFF] = "handed to companion", [PORT_QUIESCING] = "reset: quiescing",
	};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static void dump_ports(const struct usb_device *hdev)
{
	const struct usb_hub *hub = hdev->hub;
	char name[48];

	for (unsigned i = 0; hub && i < hub->nports; i++) {
		const struct usb_port *p = &hub->ports[i];
		if (p->state == PORT_EMPTY && !p->connected)
			continue;
		kprintf("  %s port %u: %s%s, attempt %u", usb_dev_name(hdev, name, sizeof(name)),
			p->num, port_state_name(p->state), p->connected ? "" : " (no connect)",
			p->attempt);
		if (p->dev)
			kprintf(", device %u (%u transfers in flight)", p->dev->address,
				p->dev->inflight);
		kprintf("\n");
		if (p->dev && p->dev->hub)
			dump_ports(p->dev);
	}
}

static void dump_bus(struct usb_bus *b)
{
	char owner[64] = "nobody", hub[48];
	const struct usb_port *o = b->addr0_owner;
	unsigned used = 0;

	if (o)
		ksnprintf(owner, sizeof(owner), "%s port %u",
			  usb_dev_name(o->hub->hdev, hub, sizeof(hub)), o->num);
	for (unsigned a = 0; a < 128; a++)
		used += !!(b->addr_used[a / 8] & (1u << (a % 8)));
	kprintf("bus %d (%s): %u addresses in use, address 0 held by %s, %u root polls\n",
		b->busnum, b->hcd->driver_name, used, owner, b->root_polls);
	dump_ports(b->root);
	if (b->hcd->ops->dump)
		b->hcd->ops->dump(b->hcd);
}

static int cmd_usbdebug(int argc, char **argv)
{
	struct usb_bus *b;
	uint64_t only = 0;

	if (argc > 2 || (argc == 2 && !kstrtou64(argv[1], &only))) {
		kprintf("usage: usbdebug [bus]\n");
		return 1;
	}
	usb_for_each_bus(b)
		if (!only || (uint64_t)b->busnum == only)
			dump_bus(b);
	return 0;
}

SHELL_COMMAND(usbdebug, "usbdebug", "usbdebug [bus]",
	      "USB core state per bus and port, then the controller driver's dump", cmd_usbdebug);
