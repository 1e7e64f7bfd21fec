/*
 * `ehcifault halt|reset [controller]`: a fault injector for the EHCI
 * driver's recovery path. It stops the controller behind the driver's
 * back, as QEMU's EHCI does when it meets a schedule it cannot process;
 * the driver must notice (IRQ work or health check), reset, rebuild its
 * schedules and have the core enumerate again (tests/system/test_ehci.py).
 */
#include "../../usb/ehci/ehci.h"
#include "kstring.h"
#include "printk.h"
#include "shell.h"

static bool parse_fault(int argc, char **argv, bool *halt, struct ehci **e)
{
	uint64_t index = 0;

	if (argc < 2 || argc > 3 || (argc == 3 && !kstrtou64(argv[2], &index)))
		return false;
	*halt = strcmp(argv[1], "halt") == 0;
	*e = index < 64 ? ehci_by_index((int)index) : NULL;
	return *halt || strcmp(argv[1], "reset") == 0;
}

static int cmd_ehcifault(int argc, char **argv)
{
	bool halt;
	struct ehci *e;

	if (!parse_fault(argc, argv, &halt, &e)) {
		kprintf("usage: ehcifault halt|reset [controller]\n");
		return 1;
	}
	if (!e) {
		kprintf("ehcifault: no such EHCI controller\n");
		return 1;
	}
	uint32_t cmd = ehci_read(e, EHCI_USBCMD);
	ehci_write(e, EHCI_USBCMD, halt ? cmd & ~EHCI_CMD_RUN : EHCI_CMD_HCRESET);
	kprintf("ehci%d: controller %s behind the driver's back\n", e->index,
		halt ? "halted" : "reset");
	return 0;
}
SHELL_COMMAND(ehcifault, "ehcifault", "ehcifault halt|reset [controller]",
	      "stop the EHCI controller unannounced (tests recovery)", cmd_ehcifault);
