/*
 * Controls for the host fakes of the kernel's seams: a log that tests can
 * search (misuse reports must name the pool, the caller...), a manual clock,
 * and panic turned into a test failure that can be caught.
 */
#ifndef TERN_SEAMS_H
#define TERN_SEAMS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

/* Everything printk/kprintf wrote since the last seam_log_clear(). */
const char *seam_log(void);
void seam_log_clear(void);
bool seam_log_contains(const char *needle);
/* Set to true to echo kernel output to stderr (default: quiet). */
extern bool seam_log_echo;

/* Fake clock: ktime_ns() returns this; udelay/mdelay/cpu_relax advance it. */
extern uint64_t seam_now_ns;

/* If set, panic() longjmps here instead of aborting the test binary. */
extern jmp_buf *seam_panic_jmp;

#endif
