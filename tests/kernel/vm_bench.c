/*
 * `vmbench`: what lazy kernel memory costs, in one run. First the cost per
 * page of a first touch over 8 MiB: a page from the PMM reached through
 * the direct map (the linear model, the baseline), a VM_EAGER vmalloc
 * (mapped and zeroed up front, then touched), and lazy vmalloc with
 * fault-around windows of 1, 4 and 16 pages (every touch that finds no
 * page is a real page fault); best of ROUNDS, as ns per page and the
 * ratio to the baseline. Then one vmalloc+vfree pair with 10, 1,000 and
 * 10,000 other ranges live, which must stay flat (the range allocator is
 * a balanced tree). Integer math only (no FPU in the kernel).
 */
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "shell.h"

#define TOUCH_PAGES 2048 /* 8 MiB */
#define ROUNDS 3
#define PAIRS 2000
#define LIVE_MAX 10000

enum touch_model { DIRECT_MAP, EAGER, LAZY };

/* ns to get TOUCH_PAGES zeroed pages under `model` and write to each;
 * 0 if memory ran out. */
static uint64_t time_first_touch(enum touch_model model)
{
	static phys_addr_t frames[TOUCH_PAGES];
	volatile uint8_t *v = NULL;
	uint64_t start = ktime_ns();
	unsigned n = 0;
	if (model != DIRECT_MAP)
		v = vmalloc(TOUCH_PAGES * PAGE_SIZE, model == EAGER ? VM_EAGER : 0);
	for (; n < TOUCH_PAGES && (v || model == DIRECT_MAP); n++) {
		if (model == DIRECT_MAP && !(frames[n] = alloc_pages(0, PHYS_LIMIT_ANY, PMM_ZERO)))
			break;
		if (model == DIRECT_MAP)
			*(volatile uint8_t *)phys_to_virt(frames[n]) = 1;
		else
			v[n * PAGE_SIZE] = 1;
	}
	uint64_t ns = ktime_ns() - start;
	for (unsigned i = 0; model == DIRECT_MAP && i < n; i++)
		free_pages(frames[i], 0);
	if (v)
		vfree((void *)v);
	return n == TOUCH_PAGES ? ns : 0;
}

static uint64_t best_of_rounds(enum touch_model model, unsigned window)
{
	uint64_t best = UINT64_MAX;
	vmalloc_set_fault_around(window);
	for (unsigned r = 0; r < ROUNDS && best; r++)
		best = MIN(best, time_first_touch(model));
	return best;
}

static void print_touch(const char *what, uint64_t ns, uint64_t baseline)
{
	if (!ns || !baseline) {
		kprintf("  %-32s out of memory\n", what);
		return;
	}
	kprintf("  %-32s %6llu ns/page  %3llu.%03llux\n", what,
		(unsigned long long)(ns / TOUCH_PAGES), (unsigned long long)(ns / baseline),
		(unsigned long long)(ns * 1000 / baseline % 1000));
}

static void bench_first_touch(void)
{
	static const unsigned windows[] = { 1, 4, 16 };
	unsigned window = vmalloc_fault_around();
	uint64_t direct = best_of_rounds(DIRECT_MAP, window);
	kprintf("first touch of %u pages, best of %u (ratio = model/direct map):\n", TOUCH_PAGES,
		ROUNDS);
	print_touch("direct map + PMM (linear model)", direct, direct);
	print_touch("vmalloc VM_EAGER", best_of_rounds(EAGER, window), direct);
	for (unsigned i = 0; i < ARRAY_SIZE(windows); i++) {
		char what[40];
		ksnprintf(what, sizeof(what), "vmalloc lazy, fault-around %u", windows[i]);
		print_touch(what, best_of_rounds(LAZY, windows[i]), direct);
	}
	vmalloc_set_fault_around(window);
}

/* ns per vmalloc+vfree pair of one lazy page with `live` ranges around;
 * 0 if they could not all be reserved. */
static uint64_t time_pairs(void **held, unsigned live)
{
	unsigned n = 0;
	while (n < live && (held[n] = vmalloc(PAGE_SIZE, 0)) != NULL)
		n++;
	uint64_t start = ktime_ns();
	for (unsigned i = 0; i < PAIRS && n == live; i++)
		vfree(vmalloc(PAGE_SIZE, 0));
	uint64_t ns = ktime_ns() - start;
	bool complete = n == live;
	while (n > 0)
		vfree(held[--n]);
	return complete ? ns / PAIRS : 0;
}

static int cmd_vmbench(int argc, char **argv)
{
	static void *held[LIVE_MAX];
	static const unsigned lives[] = { 10, 1000, LIVE_MAX };
	bench_first_touch();
	kprintf("vmalloc+vfree of one lazy page, %u pairs, with other ranges live:\n", PAIRS);
	for (unsigned i = 0; i < ARRAY_SIZE(lives); i++)
		kprintf("  %5u live ranges: %6llu ns/pair\n", lives[i],
			(unsigned long long)time_pairs(held, lives[i]));
	return 0;
}
SHELL_COMMAND(vmbench, "vmbench", "vmbench",
	      "first-touch cost of lazy/eager vmalloc against the direct map; reserve/free "
	      "cost with many ranges",
	      cmd_vmbench);
