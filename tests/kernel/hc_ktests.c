/*
 * In-kernel tests of the host-controller drivers: every UHCI and EHCI
 * schedule in the running machine passes the driver's own consistency
 * check (the same walk `uhcidump` and `ehcidump` report from).
 */
#include "ehci.h"
#include "ktest.h"
#include "uhci/uhci.h"

KTEST(uhci_schedule_is_consistent)
{
	for (unsigned i = 0; i < uhci_hc_count; i++) {
		const char *why = uhci_schedule_error(uhci_hcs[i]);
		if (why)
			return why;
	}
	return NULL;
}

KTEST(ehci_schedule_is_consistent)
{
	for (int i = 0; ehci_by_index(i); i++) {
		const char *why = ehci_schedule_error(ehci_by_index(i));
		if (why)
			return why;
	}
	return NULL;
}
