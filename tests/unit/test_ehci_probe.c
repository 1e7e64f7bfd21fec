/*
 * Host tests for the EHCI driver's probe failures (usb/ehci/ehci.c): every
 * fallible step fails in turn (state, register mapping, pool, schedules,
 * interrupt, registration with the core) and so do the controller's reset
 * and start; each time the driver must let go of everything. A binary of
 * its own because each successful probe keeps one of the driver's eight
 * controller slots for good.
 */
#include <string.h>

#include "../../usb/ehci/ehci.h"
#include "harness.h"
#include "pci.h"
#include "seams/fake_ehci.h"
#include "seams/seams.h"

static struct pci_dev pdev;

static int probe(void)
{
	return fake_pci_driver("ehci_hcd")->probe(&pdev);
}

/* After a failed probe: the controller halted (if its registers were ever
 * mapped), its ports back with the companions, unclaimed, and the rest of
 * fake_hcd_check_released(). */
static void check_released(const struct fake_hcd_snapshot *before, bool mapped)
{
	CHECK(pdev.driver_data == NULL);
	if (mapped) {
		CHECK(fake_ehci_op(EHCI_USBSTS) & EHCI_STS_HALTED);
		CHECK_EQ(fake_ehci_op(EHCI_CONFIGFLAG), 0);
	}
	fake_hcd_check_released(before);
}

TEST(controller_that_will_not_reset_or_start_is_released)
{
	for (int stuck_in_reset = 0; stuck_in_reset < 2; stuck_in_reset++) {
		fake_ehci_setup(&pdev, true, true);
		fake_ehci.hcreset_stuck = stuck_in_reset;
		fake_ehci.run_stuck = !stuck_in_reset;
		struct fake_hcd_snapshot b = fake_hcd_snapshot();
		CHECK_EQ(probe(), USB_ERR_TIMEOUT);
		CHECK(seam_log_contains(stuck_in_reset ? "HCRESET did not complete"
						       : "did not start"));
		check_released(&b, true);
	}
}

static const char *const probe_steps[] = { "kzalloc", "ioremap", "dma_pool_create",
					   "alloc_region", "dma_pool_alloc", "irq_register",
					   "usb_hcd_register" };

/* Probes once with the n-th fallible call failing; returns which step
 * failed, or NULL when the probe made fewer calls than that. */
static const char *probe_failing_call(long n)
{
	fake_ehci_setup(&pdev, true, true);
	struct fake_hcd_snapshot b = fake_hcd_snapshot();
	fake_fail_call(n);
	int rc = probe();
	const char *what = fake_failed_call();
	if (!what || strcmp(what, "irq_register") == 0) {
		/* A missing interrupt is not fatal: the driver polls. */
		CHECK_EQ(rc, 0);
		CHECK(((struct ehci *)pdev.driver_data)->irq_ok == !what);
		return what;
	}
	CHECK(rc != 0);
	check_released(&b, strcmp(what, "ioremap") != 0 && strcmp(what, "kzalloc") != 0);
	return what;
}

/* The state, the registers, the pool, the async head, the frame list, the
 * interrupt and the core: 7 calls at least. */
TEST(probe_failing_at_each_step_in_turn_releases_everything)
{
	fake_hcd_fail_each_call(probe_failing_call, 7, probe_steps, ARRAY_SIZE(probe_steps));
}
