/*
 * `usbbench`: enumeration time and control-transfer latency in guest time.
 * (a) Boot enumeration (first controller registered to last device
 * configured) and a fresh re-enumeration of every bus, each beside the
 * spec floor: the mandatory delays on the critical path, where one bus
 * serialises each device's time at address 0 (reset recovery, SET_ADDRESS
 * recovery) and a device behind a hub waits for its hub. (b) N
 * GET_DESCRIPTOR(device) round trips to one device per bus:
 * min/median/max. It starts once boot enumeration has settled
 * (usb/wait.c).
 */
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "shell.h"
#include "usb_core.h"

#define LATENCY_SAMPLES 50
#define REENUM_TIMEOUT_NS (20 * NSEC_PER_SEC)
#define LINUX_UHCI_MS 2500 /* Linux 6.1, same QEMU: docs in notes/qemu-usb.md */
#define LINUX_EHCI_MS 2850
#define LINUX_XHCI_MS 2160 /* the xHCI reference topology, ../shared/peer */

static bool is_root_port(const struct usb_device *d) { return d->parent && !d->parent->parent; }

/* The mandatory delays a device spends holding its bus's address-0 slot:
 * reset recovery and SET_ADDRESS recovery. */
static uint64_t serial_part_ns(void)
{
	return usb_timing.reset_recovery_ns + usb_timing.set_address_ns;
}

/* Root-port resets overlap; a hub port's reset is timed by the hub. */
static uint64_t reset_ns(const struct usb_device *d)
{
	return is_root_port(d) ? usb_timing.root_reset_ns : 0;
}

/* A device waits for its hub to be configured, then for its own delays. */
static uint64_t chain_floor_ns(const struct usb_device *d)
{
	uint64_t own = usb_timing.debounce_ns + reset_ns(d) + serial_part_ns();
	return d->parent && d->parent->parent ? chain_floor_ns(d->parent) + own : own;
}

static uint64_t bus_floor_ns(const struct usb_bus *b)
{
	uint64_t serial = 0, chain = 0, reset = 0;
	const struct usb_device *d;

	/* A controller that addresses devices itself shares no address 0. */
	bool shared_addr0 = !b->hcd->ops->set_address;

	usb_for_each_device(d, b)
		if (d->parent && d->state == USB_STATE_CONFIGURED) {
			serial = shared_addr0 ? serial + serial_part_ns() : serial_part_ns();
			reset = MAX(reset, reset_ns(d));
			chain = MAX(chain, chain_floor_ns(d));
		}
	return serial ? MAX(chain, usb_timing.debounce_ns + reset + serial) : 0;
}

static unsigned bus_device_count(const struct usb_bus *b)
{
	const struct usb_device *d;
	unsigned n = 0;

	usb_for_each_device(d, b)
		n += d->parent && d->state == USB_STATE_CONFIGURED;
	return n;
}

static uint64_t last_configured_ns(void)
{
	const struct usb_device *d;
	const struct usb_bus *b;
	uint64_t t = 0;

	usb_for_each_bus(b)
		usb_for_each_device(d, b)
			if (d->parent && d->state == USB_STATE_CONFIGURED)
				t = MAX(t, d->t_configured_ns);
	return t;
}

/* Forgets every device and times a complete enumeration from scratch. */
static int reenumerate_all(uint64_t *elapsed)
{
	uint64_t t0 = ktime_ns();
	struct usb_bus *b;

	usb_for_each_bus(b)
		usb_bus_reenumerate(b);
	if (!usb_wait_settled(REENUM_TIMEOUT_NS))
		return USB_ERR_SETUP_TIMEOUT;
	*elapsed = last_configured_ns() > t0 ? last_configured_ns() - t0 : 0;
	return 0;
}

static void print_floor_line(const char *what, uint64_t ns, uint64_t floor)
{
	kprintf("  %-44s", what);
	usb_print_ms(ns);
	kprintf("  (spec floor ");
	usb_print_ms(floor);
	kprintf(")\n");
}

static void report_enumeration(const char *title, uint64_t overall)
{
	const struct usb_bus *b;
	uint64_t floor = 0;
	char what[64];

	kprintf("%s\n", title);
	usb_for_each_bus(b) {
		floor = MAX(floor, bus_floor_ns(b));
		ksnprintf(what, sizeof(what), "bus %d (%s, %u devices):", b->busnum,
			  b->hcd->driver_name, bus_device_count(b));
		if (!bus_device_count(b)) {
			kprintf("  %s\n", what);
			continue;
		}
		print_floor_line(what, b->t_last_configured_ns > b->t_enum_start_ns
					       ? b->t_last_configured_ns - b->t_enum_start_ns : 0,
				 bus_floor_ns(b));
	}
	print_floor_line("all buses:", overall, floor);
	if (overall)
		kprintf("  Linux 6.1 reference: ~%d ms UHCI-only (%llu.%llux ours), ~%d ms EHCI+companions"
			" (%llu.%llux ours)\n",
			LINUX_UHCI_MS, (unsigned long long)(LINUX_UHCI_MS * NSEC_PER_MSEC / overall),
			(unsigned long long)(LINUX_UHCI_MS * NSEC_PER_MSEC * 10 / overall % 10),
			LINUX_EHCI_MS, (unsigned long long)(LINUX_EHCI_MS * NSEC_PER_MSEC / overall),
			(unsigned long long)(LINUX_EHCI_MS * NSEC_PER_MSEC * 10 / overall % 10));
	if (overall)
		kprintf("  Linux 6.1 reference: ~%d ms xHCI, 7 devices (%llu.%llux ours)\n",
			LINUX_XHCI_MS, (unsigned long long)(LINUX_XHCI_MS * NSEC_PER_MSEC / overall),
			(unsigned long long)(LINUX_XHCI_MS * NSEC_PER_MSEC * 10 / overall % 10));
}

/* --- latency ------------------------------------------------------------- */
/* Insertion sort: a benchmark holds at most a few dozen samples. */
static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static void print_latency(uint64_t *samples_ns, unsigned n)
{
	sort_u64(samples_ns, n);
	kprintf("min %llu us, median %llu us, max %llu us (N=%u)\n",
		(unsigned long long)(samples_ns[0] / NSEC_PER_USEC),
		(unsigned long long)(samples_ns[n / 2] / NSEC_PER_USEC),
		(unsigned long long)(samples_ns[n - 1] / NSEC_PER_USEC), n);
}

static struct usb_device *first_device(struct usb_bus *b)
{
	for (int a = 2; a < 128; a++) {
		struct usb_device *d = usb_find_device(b->busnum, a);
		if (d && d->state == USB_STATE_CONFIGURED)
			return d;
	}
	return NULL;
}

static void measure_latency(struct usb_bus *b)
{
	struct usb_device *d = first_device(b);
	uint64_t samples[LATENCY_SAMPLES];
	struct usb_device_descriptor desc;
	unsigned n = 0;

	if (!d) {
		kprintf("  bus %d (%s): no device\n", b->busnum, b->hcd->driver_name);
		return;
	}
	usb_device_get(d);
	for (; n < LATENCY_SAMPLES; n++) {
		uint64_t t0 = ktime_ns();
		int rc = usb_control_sync(d, USB_DIR_IN | USB_RECIP_DEVICE, USB_REQ_GET_DESCRIPTOR,
					  USB_DT_DEVICE << 8, 0, &desc, sizeof(desc), NULL,
					  500 * NSEC_PER_MSEC);
		if (rc) {
			kprintf("  bus %d dev %u: GET_DESCRIPTOR failed: %s\n", b->busnum, d->address,
				usb_status_str(rc));
			break;
		}
		samples[n] = ktime_ns() - t0;
	}
	if (n) {
		kprintf("  bus %d (%s) dev %u %s: ", b->busnum, b->hcd->driver_name, d->address,
			usb_speed_str(d->speed));
		print_latency(samples, n);
	}
	usb_device_put(d);
}

static int cmd_usbbench(int argc, char **argv)
{
	uint64_t boot = 0, again = 0;
	struct usb_bus *b;
	int rc;

	if (list_empty(usb_buses())) {
		kprintf("usbbench: no USB host controller registered\n");
		return 1;
	}
	/* Run right after boot, enumeration may still be going on. */
	if (!usb_wait_settled(REENUM_TIMEOUT_NS)) {
		kprintf("usbbench: boot enumeration did not settle within 20 s\n");
		return 1;
	}
	if (last_configured_ns() > usb_first_register_ns())
		boot = last_configured_ns() - usb_first_register_ns();
	report_enumeration("USB enumeration at boot (first controller registered -> last device "
			   "configured):", boot);
	rc = reenumerate_all(&again);
	if (rc) {
		kprintf("usbbench: re-enumeration did not settle within 20 s\n");
		return 1;
	}
	report_enumeration("USB re-enumeration of every bus from scratch:", again);
	kprintf("Control-transfer round trip, GET_DESCRIPTOR(device):\n");
	usb_for_each_bus(b)
		measure_latency(b);
	return 0;
}

SHELL_COMMAND(usbbench, "usbbench", "usbbench",
	      "time USB enumeration and control-transfer latency (guest time)", cmd_usbbench);
