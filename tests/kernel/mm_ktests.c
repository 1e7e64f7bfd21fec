/*
 * In-kernel tests of the memory managers on the real machine: PMM
 * invariants after random operations, the DMA32 ceiling while high memory
 * is free (boot with -m 6G), W^X and NX of the kernel image, the NULL page,
 * the guard page under a vmap stack, ioremap attributes, and kmalloc misuse
 * being refused without damage.
 */
#include "arch.h"
#include "crash.h"
#include "kstring.h"
#include "ktest.h"
#include "mm.h"
#include "rand.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void) { return rand_next(&rng_state); }

static uint64_t zone_free(unsigned z)
{
	struct pmm_zone_stats s;
	pmm_get_zone_stats(z, &s);
	return s.free_pages;
}

KTEST(pmm_random_ops_keep_invariants)
{
	static phys_addr_t live[256];
	static unsigned order[256];
	static const phys_addr_t ceilings[] = { PHYS_LIMIT_ISA, PHYS_LIMIT_DMA32, PHYS_LIMIT_ANY };
	uint64_t before[PMM_ZONE_COUNT];
	unsigned n = 0;
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++)
		before[z] = zone_free(z);
	for (int step = 0; step < 20000; step++) {
		if (n == ARRAY_SIZE(live) || (n && rng() % 2)) {
			unsigned i = (unsigned)(rng() % n);
			free_pages(live[i], order[i]);
			live[i] = live[--n];
			order[i] = order[n];
			continue;
		}
		unsigned k = (unsigned)(rng() % (PMM_MAX_ORDER + 1));
		phys_addr_t ceiling = ceilings[rng() % 3];
		phys_addr_t p = alloc_pages(k, ceiling, 0);
		if (!p)
			continue;
		KT_ASSERT(IS_ALIGNED(p, PAGE_SIZE << k) && p + (PAGE_SIZE << k) - 1 <= ceiling);
		*(uint64_t *)phys_to_virt(p) = p; /* the block is really ours */
		live[n] = p;
		order[n++] = k;
		if (step % 5000 == 0)
			KT_ASSERT(pmm_check());
	}
	for (unsigned i = 0; i < n; i++) {
		KT_ASSERT(*(uint64_t *)phys_to_virt(live[i]) == live[i]);
		free_pages(live[i], order[i]);
	}
	KT_ASSERT(pmm_check());
	for (unsigned z = 0; z < PMM_ZONE_COUNT; z++)
		KT_ASSERT(zone_free(z) == before[z]);
	return NULL;
}

/* Takes every block the PMM will give under `ceiling` (largest first),
 * chaining them through their first word; returns the chain head. */
static phys_addr_t drain_below(phys_addr_t ceiling, bool *all_below)
{
	phys_addr_t chain = 0;
	*all_below = true;
	for (int k = PMM_MAX_ORDER; k >= 0; k--) {
		phys_addr_t p;
		while ((p = alloc_pages((unsigned)k, ceiling, 0)) != 0) {
			if (p + (PAGE_SIZE << k) - 1 > ceiling)
				*all_below = false;
			uint64_t *w = phys_to_virt(p);
			w[0] = chain;
			w[1] = (uint64_t)k;
			chain = p;
		}
	}
	return chain;
}

static void free_chain(phys_addr_t chain)
{
	while (chain) {
		uint64_t *w = phys_to_virt(chain);
		phys_addr_t next = w[0];
		free_pages(chain, (unsigned)w[1]);
		chain = next;
	}
}

KTEST(dma32_ceiling_never_returns_high_memory)
{
	uint64_t high_before = zone_free(PMM_ZONE_HIGH);
	bool below;
	phys_addr_t chain = drain_below(PHYS_LIMIT_DMA32, &below);
	uint64_t low_left = zone_free(PMM_ZONE_ISA) + zone_free(PMM_ZONE_DMA32);
	uint64_t high_during = zone_free(PMM_ZONE_HIGH);
	phys_addr_t high = alloc_pages(0, PHYS_LIMIT_ANY, 0);
	if (high)
		free_pages(high, 0);
	free_chain(chain);
	KT_ASSERT(chain != 0);
	KT_ASSERT(below);
	KT_ASSERT(low_left == 0);
	/* High memory stayed free the whole time and was still available. */
	KT_ASSERT(high_during == high_before);
	KT_ASSERT(high_before == 0 || high >= 4 * GiB);
	KT_ASSERT(pmm_check());
	return NULL;
}

/* arm64 virt has no RAM below 16 MiB: then nothing may come from there. */
KTEST(isa_ceiling_is_respected)
{
	bool below;
	uint64_t isa_before = zone_free(PMM_ZONE_ISA);
	phys_addr_t chain = drain_below(PHYS_LIMIT_ISA, &below);
	uint64_t isa_left = zone_free(PMM_ZONE_ISA);
	free_chain(chain);
	KT_ASSERT((chain != 0) == (isa_before != 0) && below && isa_left == 0);
	return NULL;
}

static void write_byte(void *addr) { *(volatile uint8_t *)addr = 0x90; }
static void read_byte(void *addr) { (void)*(volatile uint8_t *)addr; }
static void call_code(void *addr) { ((void (*)(void))addr)(); }

/* Runs fn(addr) expecting a page fault at addr whose access has `bits`. */
static bool faults_with(void (*fn)(void *), void *addr, unsigned bits)
{
	struct fault_info f = { 0 };
	return !arch_try(fn, addr, &f) && f.kind == FAULT_PAGE && f.fault_addr == (uintptr_t)addr &&
	       (f.access & bits) == bits;
}

KTEST(kernel_image_is_write_xor_execute)
{
	struct vmm_mapping m;
	KT_ASSERT(vmm_query((uintptr_t)_text_start, &m) && m.prot == (VM_READ | VM_EXEC));
	KT_ASSERT(vmm_query((uintptr_t)_rodata_start, &m) && m.prot == VM_READ);
	KT_ASSERT(vmm_query((uintptr_t)&rng_state, &m) && m.prot == (VM_READ | VM_WRITE));
	KT_ASSERT(m.phys == (uintptr_t)&rng_state - KERNEL_VMA);
	/* Writing text or rodata is a protection violation on a present page. */
	KT_ASSERT(faults_with(write_byte, _text_start + 64, FAULT_PRESENT | FAULT_WRITE));
	KT_ASSERT(faults_with(write_byte, _rodata_start, FAULT_PRESENT | FAULT_WRITE));
	/* ... also through the direct map's alias of the image. */
	uint8_t *alias = phys_to_virt(virt_to_phys(_text_start));
	KT_ASSERT(vmm_query((uintptr_t)alias, &m) && m.prot == VM_READ);
	KT_ASSERT(faults_with(write_byte, alias, FAULT_PRESENT | FAULT_WRITE));
	/* Executing data (a `ret` in .data) is an instruction-fetch fault. */
	static uint8_t ret_in_data[16] = { 0xc3 };
	KT_ASSERT(faults_with(call_code, ret_in_data, FAULT_PRESENT | FAULT_FETCH));
	KT_ASSERT(vmm_map(VMAP_BASE + VMAP_SIZE - PAGE_SIZE, 0x100000, PAGE_SIZE,
			  VM_READ | VM_WRITE | VM_EXEC) == VMM_EINVAL);
	return NULL;
}

KTEST(null_page_and_low_identity_map_are_gone)
{
	struct vmm_mapping m;
	KT_ASSERT(!vmm_query(0, &m));
	KT_ASSERT(!vmm_query(KERNEL_LMA, &m));
	KT_ASSERT(faults_with(read_byte, NULL, 0));
	KT_ASSERT(faults_with(read_byte, (void *)KERNEL_LMA, 0));
	return NULL;
}

KTEST(direct_map_covers_all_ram_without_exec)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < boot_info.mmap_count; i++)
		if (boot_info.mmap[i].type == MEM_USABLE)
			top = MAX(top, boot_info.mmap[i].base + boot_info.mmap[i].len);
	struct vmm_mapping m;
	KT_ASSERT(vmm_query((uintptr_t)phys_to_virt(top - 1), &m));
	KT_ASSERT(m.phys == top - 1 && m.prot == (VM_READ | VM_WRITE) && m.page_size >= 2 * MiB);
	KT_ASSERT(virt_to_phys(phys_to_virt(top - 1)) == top - 1);
	KT_ASSERT(virt_to_phys((void *)VMAP_BASE) == PHYS_INVALID);
	return NULL;
}

struct overflow {
	void *top;
};

static void overflow_on_stack(void *arg) { crash_stack_overflow(0); }

static void run_on_stack(void *arg)
{
	arch_call_on_stack(((struct overflow *)arg)->top, overflow_on_stack, NULL);
}

KTEST(stack_overflow_hits_the_guard_page)
{
	const size_t size = 4 * PAGE_SIZE;
	struct overflow o = { vmm_alloc_stack(size) };
	struct fault_info f = { 0 };
	KT_ASSERT(o.top != NULL);
	uintptr_t guard = (uintptr_t)o.top - size - PAGE_SIZE;
	struct vmm_mapping m;
	KT_ASSERT(!vmm_query(guard, &m) && vmm_is_guard_page(guard));
	KT_ASSERT(vmm_query(guard + PAGE_SIZE, &m) && m.prot == (VM_READ | VM_WRITE));
	bool completed = arch_try(run_on_stack, &o, &f);
	vmm_free_stack(o.top);
	KT_ASSERT(!completed);
	KT_ASSERT(f.kind == FAULT_PAGE || f.kind == FAULT_DOUBLE);
	KT_ASSERT(f.fault_addr >= guard && f.fault_addr < guard + PAGE_SIZE);
	KT_ASSERT(!vmm_query(guard + PAGE_SIZE, &m)); /* freed and unmapped */
	return NULL;
}

KTEST(ioremap_is_uncached_and_unmaps)
{
	void *v = ioremap(TEST_MMIO_PHYS + 0x10, 0x20); /* offset kept */
	struct vmm_mapping m;
	KT_ASSERT(v != NULL && ((uintptr_t)v & 0xfff) == 0x10);
	KT_ASSERT(vmm_query((uintptr_t)v, &m));
	KT_ASSERT(m.phys == TEST_MMIO_PHYS + 0x10 && m.prot == (VM_READ | VM_WRITE | VM_UNCACHED));
	KT_ASSERT(!vmm_query((uintptr_t)v - 0x10 - PAGE_SIZE, &m)); /* guard before it */
	iounmap(v);
	KT_ASSERT(!vmm_query((uintptr_t)v, &m));
	KT_ASSERT(ioremap(0x1000, 0) == NULL);
	return NULL;
}

KTEST(vmm_map_protect_unmap)
{
	phys_addr_t p = alloc_pages(0, PHYS_LIMIT_ANY, PMM_ZERO);
	uintptr_t va = VMAP_BASE + VMAP_SIZE - 16 * PAGE_SIZE;
	struct vmm_mapping m;
	KT_ASSERT(p != 0);
	KT_ASSERT(vmm_map(va, p, PAGE_SIZE, VM_READ | VM_WRITE) == 0);
	*(volatile uint64_t *)va = 0x1234;
	KT_ASSERT(*(uint64_t *)phys_to_virt(p) == 0x1234);
	KT_ASSERT(vmm_map(va, p, PAGE_SIZE, VM_READ) == VMM_EEXIST);
	KT_ASSERT(vmm_protect(va, PAGE_SIZE, VM_READ) == 0);
	KT_ASSERT(faults_with(write_byte, (void *)va, FAULT_PRESENT | FAULT_WRITE));
	KT_ASSERT(vmm_protect(va + PAGE_SIZE, PAGE_SIZE, VM_READ) == VMM_ENOENT);
	vmm_unmap(va, PAGE_SIZE);
	KT_ASSERT(!vmm_query(va, &m));
	KT_ASSERT(faults_with(read_byte, (void *)va, 0));
	free_pages(p, 0);
	return NULL;
}

KTEST(kmalloc_misuse_is_refused_without_damage)
{
	struct kmalloc_stats a, b;
	char *keep = kmalloc(48), *p = kmalloc(48), *big = kmalloc(20000);
	int on_stack;
	KT_ASSERT(keep && p && big);
	kfree(p);
	for (int i = 0; i < 64; i++)
		KT_ASSERT((uint8_t)p[i] == KMALLOC_POISON);
	kmalloc_get_stats(&a);
	kfree(p);            /* double free */
	kfree(keep + 16);    /* inside an object */
	kfree(big + 4096);   /* inside a large block */
	kfree(&on_stack);    /* not the direct map */
	kfree((void *)_text_start);
	kmalloc_get_stats(&b);
	KT_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	/* The double free did not put the object on a free list twice. */
	char *x = kmalloc(48), *y = kmalloc(48);
	KT_ASSERT(x && y && x != y);
	kfree(x);
	kfree(y);
	kfree(keep);
	kfree(big);
	return NULL;
}
