/*
 * Time: the PIT (Intel 8254 datasheet) ticks IRQ 0 at 1 kHz so the idle
 * loop's hlt always wakes up, and its channel 2 calibrates the TSC once at
 * boot; kernel/clock.c turns TSC cycles into nanoseconds.
 */
#include "arch.h"
#include "cpu.h"
#include "hw.h"
#include "irq.h"
#include "ktime.h"
#include "printk.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61 /* bit 0: channel 2 gate, bit 5: channel 2 output */
#define TICK_HZ 1000u
#define CALIBRATION_MS 20u

static volatile uint64_t ticks;

uint64_t rdtsc_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Counts TSC cycles while PIT channel 2 counts down CALIBRATION_MS in
 * mode 0 (output goes high at terminal count). */
static uint64_t measure_tsc_khz(void)
{
	uint16_t count = PIT_HZ * CALIBRATION_MS / 1000;
	uint64_t start, end, spins = 0;

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PIT_MODE, 0xb0);                         /* ch2, lo/hi, mode 0 */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	start = rdtsc_now();
	while (!(inb(PORT_B) & 0x20) && ++spins < 100000000ull)
		;
	end = rdtsc_now();
	if (spins >= 100000000ull)
		return 0;
	return (end - start) / CALIBRATION_MS;
}

static bool timer_tick(void *ctx)
{
	ticks++;
	return true;
}

static void start_tick(void)
{
	uint16_t divisor = PIT_HZ / TICK_HZ;

	outb(PIT_MODE, 0x34); /* ch0, lo/hi, mode 2 rate generator */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	irq_register(0, timer_tick, NULL, "timer");
}

void arch_time_init(void)
{
	uint64_t best = 0;

	for (int i = 0; i < 3; i++) {
		uint64_t k = measure_tsc_khz();
		if (k && (!best || k < best))
			best = k; /* a preempted run only ever measures too much */
	}
	if (!best) {
		best = 1000000; /* assume 1 GHz rather than stop the boot */
		pr_err("time: PIT calibration failed; assuming a 1 GHz TSC\n");
	}
	clock_start(best);
	start_tick();
	pr_info("time: TSC %llu.%03llu MHz, PIT tick %u Hz\n",
		(unsigned long long)(best / 1000), (unsigned long long)(best % 1000), TICK_HZ);
}
