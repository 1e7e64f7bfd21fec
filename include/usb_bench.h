/*
 * Latency figures shared by the USB benchmarks: the core's `usbbench`
 * (usb/bench.c) and the EHCI driver's idle-gap study `ehcibench`
 * (usb/ehci/ehci_bench.c) report round trips the same way. Code in
 * usb/bench_latency.c.
 */
#ifndef TERN_USB_BENCH_H
#define TERN_USB_BENCH_H

#include "types.h"

/* Sorts samples_ns[0..n) in place (n > 0) and prints
 * "min A us, median B us, max C us (N=n)" and a newline. */
void usb_bench_print_latency(uint64_t *samples_ns, unsigned n);

#endif
