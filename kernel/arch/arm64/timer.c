/*
 * Time on arm64: the generic timer (ARM ARM D11). The virtual counter
 * CNTVCT_EL0 runs at CNTFRQ_EL0 (62.5 MHz on QEMU virt), so the clock
 * needs no calibration: kernel/clock.c turns counts into nanoseconds. The virtual timer (a PPI) ticks at 1 kHz so the
 * idle loop's wfi always wakes up, as the PIT does on x86.
 */
#include "arm64.h"
#include "irq.h"
#include "ktime.h"
#include "printk.h"

#define TICK_HZ 1000u
#define CNTV_CTL_ENABLE 1u

static uint64_t tick_counts;
static volatile uint64_t ticks;

static uint64_t counter_frequency(void)
{
	uint64_t f;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}

/* The isb keeps the read from being taken early, before the code that a
 * caller is timing (ARM ARM D11.2.2). */
uint64_t rdtsc_now(void)
{
	uint64_t c;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(c) : : "memory");
	return c;
}

static void arm_tick(void)
{
	__asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb"
			 : : "r"(tick_counts), "r"((uint64_t)CNTV_CTL_ENABLE));
}

static bool timer_tick(void *ctx)
{
	ticks++;
	arm_tick(); /* writing TVAL also clears the level-triggered condition */
	return true;
}

void arm64_timer_init(unsigned virt_timer_irq)
{
	uint64_t hz = counter_frequency();

	if (!hz) {
		hz = 62500000; /* QEMU's value, rather than stop the boot */
		pr_err("time: CNTFRQ_EL0 is 0; assuming 62.5 MHz\n");
	}
	clock_start(hz / 1000);
	tick_counts = hz / TICK_HZ;
	if (irq_register(virt_timer_irq, timer_tick, NULL, "timer") == 0)
		arm_tick();
	pr_info("time: generic timer %llu.%03llu MHz, tick %u Hz on irq %u\n",
		(unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000),
		TICK_HZ, virt_timer_irq);
}
