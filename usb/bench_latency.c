/*
 * The latency line every USB benchmark prints (include/usb_bench.h): the
 * core's `usbbench` and the EHCI driver's `ehcibench` sort their round
 * trips here and report min, median and max the same way. Kept apart from
 * bench.c so a driver's host tests link it without the core.
 */
#include "ktime.h"
#include "printk.h"
#include "usb_bench.h"

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

void usb_bench_print_latency(uint64_t *samples_ns, unsigned n)
{
	sort_u64(samples_ns, n);
	kprintf("min %llu us, median %llu us, max %llu us (N=%u)\n",
		(unsigned long long)(samples_ns[0] / NSEC_PER_USEC),
		(unsigned long long)(samples_ns[n / 2] / NSEC_PER_USEC),
		(unsigned long long)(samples_ns[n - 1] / NSEC_PER_USEC), n);
}
