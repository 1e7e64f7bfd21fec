/*
 * Shell commands that exercise the xHCI driver from system tests
 * (tests/system/test_xhci.py): `xhcifault halt|hce` stops the controller
 * behind the driver's back (clearing Run, or provoking a Host Controller
 * Error with an event ring segment table size QEMU refuses), so the
 * restart path runs; `xhciring BUS ADDR N` sends N GET_DESCRIPTOR(device)
 * requests to one device and checks every answer against the first, to
 * wrap its endpoint 0 ring many times.
 */
#include "../../usb/xhci/xhci.h"
#include "kstring.h"
#include "printk.h"
#include "shell.h"
#include "usb.h"

#define RING_TIMEOUT_NS NSEC_PER_SEC

static int cmd_xhcifault(int argc, char **argv)
{
	uint64_t index = 0;

	if (argc < 2 || argc > 3 || (argc == 3 && !kstrtou64(argv[2], &index)) ||
	    (strcmp(argv[1], "halt") && strcmp(argv[1], "hce"))) {
		kprintf("usage: xhcifault halt|hce [controller]\n");
		return 1;
	}
	struct xhci *x = index < 64 ? xhci_by_index((int)index) : NULL;
	if (!x) {
		kprintf("xhcifault: no such xHCI controller\n");
		return 1;
	}
	if (!strcmp(argv[1], "halt")) {
		xhci_write(x, XHCI_USBCMD, xhci_read(x, XHCI_USBCMD) & ~XHCI_CMD_RUN);
	} else {
		mmio_write32(x->rt + XHCI_ERSTSZ, 2);
		xhci_write64(x->rt + XHCI_ERSTBA, x->erst_dma);
	}
	kprintf("xhci%d: controller %s behind the driver's back\n", x->index,
		strcmp(argv[1], "halt") ? "given a bad ERSTSZ" : "halted");
	return 0;
}
SHELL_COMMAND(xhcifault, "xhcifault", "xhcifault halt|hce [controller]",
	      "stop the xHCI controller unannounced (tests recovery)", cmd_xhcifault);

static int get_device_descriptor(struct usb_device *d, uint8_t *buf, size_t *actual)
{
	return usb_control_sync(d, USB_DIR_IN | USB_RECIP_DEVICE, USB_REQ_GET_DESCRIPTOR,
				USB_DT_DEVICE << 8, 0, buf, 18, actual, RING_TIMEOUT_NS);
}

static int cmd_xhciring(int argc, char **argv)
{
	uint64_t bus, addr, n;

	if (argc != 4 || !kstrtou64(argv[1], &bus) || !kstrtou64(argv[2], &addr) ||
	    !kstrtou64(argv[3], &n) || bus > 64 || addr > 127) {
		kprintf("usage: xhciring BUS ADDR COUNT\n");
		return 1;
	}
	struct usb_device *d = usb_find_device((int)bus, (int)addr);
	if (!d) {
		kprintf("xhciring: no device %lu on bus %lu\n", (unsigned long)addr,
			(unsigned long)bus);
		return 1;
	}
	uint8_t first[18], buf[18];
	size_t actual = 0;
	uint64_t bad = 0;
	int rc = get_device_descriptor(d, first, &actual);
	for (uint64_t i = 0; i < n && !rc; i++) {
		memset(buf, 0, sizeof(buf));
		rc = get_device_descriptor(d, buf, &actual);
		bad += !rc && (actual != 18 || memcmp(buf, first, 18));
	}
	kprintf("xhciring: %lu requests, %lu wrong answers, last status %s\n",
		(unsigned long)n, (unsigned long)bad, usb_status_str(rc));
	return rc || bad;
}
SHELL_COMMAND(xhciring, "xhciring", "xhciring BUS ADDR COUNT",
	      "repeat GET_DESCRIPTOR(device) to wrap an xHCI endpoint 0 ring", cmd_xhciring);
