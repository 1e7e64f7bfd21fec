/*
 * Host benchmark of the memory managers: the same tests/kernel/mm_bench.c workloads
 * the kernel's `membench` runs, over the real PMM and kmalloc on a 512 MiB
 * fake physical memory (tests/unit/seams/fake_mm.c), timed with
 * CLOCK_MONOTONIC. Prints ns per alloc+free and the ratio to each baseline.
 */
#include <stdio.h>
#include <time.h>

#include "mm.h"
#include "mm_bench.h"
#include "seams/fake_mm.h"
#include "seams/seams.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	static struct boot_info bi;
	static const struct fake_segment segs[] = { { 1 * MiB, 511 * MiB } };
	static const struct mem_range kernel[] = { { 1 * MiB, 2 * MiB, MEM_USABLE } };
	const struct mm_bench_clock clock = { now_ns, 1000000 };

	fake_mm_boot(&bi, segs, 1, kernel, 1);
	pmm_init(&bi);
	kmalloc_init();
	seam_log_clear();
	int rc = mm_bench_run(&clock);
	fputs(seam_log(), stdout);
	fake_mm_release();
	return rc;
}
