/*
 * Boot information from the flattened device tree (include/arch/
 * fdt_platform.h), read with libfdt: usable RAM from the /memory nodes,
 * reserved ranges (the DTB itself, which QEMU does not reserve, then the
 * memory-reservation block and /reserved-memory), the command line from
 * /chosen/bootargs; then the platform devices (fdt_platform.c, fdt_pci.c).
 * The DTB is untrusted input: fdt_check_full() validates its structure
 * against the bytes that exist before anything else reads it, and every
 * property is length-checked (fdt_read.c). Host-testable: no hardware.
 */
#include "fdt_read.h"
#include "kstring.h"
#include "printk.h"

struct fdt_platform fdt_platform;

static bool add_reserved(struct boot_info *bi, uint64_t base, uint64_t len, const char *what)
{
	if (len == 0)
		return true;
	if (len > UINT64_MAX - base) {
		pr_err("fdt: reserved range %s at %llx wraps past the top of memory\n", what,
		       (unsigned long long)base);
		return false;
	}
	return bootinfo_add_reserved(bi, base, len, what);
}

static bool add_memory_node(struct fdt_ctx *c, int node)
{
	struct boot_info *bi = c->bi;
	int len, ac, sc, parent = fdt_parent_offset(c->fdt, node);

	if (parent < 0 || !fdt_child_cells(c->fdt, parent, &ac, &sc)) {
		pr_err("fdt: memory node %s: no cell counts\n", fdt_node_name(c->fdt, node));
		return false;
	}
	const fdt32_t *p = fdt_getprop(c->fdt, node, "reg", &len);
	int entry = (ac + sc) * (int)sizeof(*p);
	if (!p || len < entry || len % entry) {
		pr_err("fdt: %s: reg is %d bytes, not a list of %d-byte ranges\n",
		       fdt_node_name(c->fdt, node), p ? len : 0, entry);
		return false;
	}
	for (; len >= entry; len -= entry, p += ac + sc) {
		struct mem_range r = { fdt_read_cells(p, ac), fdt_read_cells(p + ac, sc),
				       MEM_USABLE };
		if (r.len > UINT64_MAX - r.base) {
			pr_err("fdt: %s: memory range at %llx wraps past the top of memory\n",
			       fdt_node_name(c->fdt, node), (unsigned long long)r.base);
			return false;
		}
		if (r.len && bi->mmap_count < BOOT_MMAP_MAX)
			bi->mmap[bi->mmap_count++] = r;
		else if (r.len)
			pr_warn("fdt: more than %d memory ranges; ignored %llx+%llx\n",
				BOOT_MMAP_MAX, (unsigned long long)r.base,
				(unsigned long long)r.len);
	}
	return true;
}

static bool parse_memory(struct fdt_ctx *c)
{
	int node = -1;

	while ((node = fdt_node_offset_by_prop_value(c->fdt, node, "device_type", "memory",
						     sizeof("memory"))) >= 0)
		if (!add_memory_node(c, node))
			return false;
	if (c->bi->mmap_count == 0) {
		pr_err("fdt: no /memory node with a usable range\n");
		return false;
	}
	return true;
}

static bool parse_memreserve(struct fdt_ctx *c)
{
	int n = fdt_num_mem_rsv(c->fdt);

	if (n < 0) {
		pr_err("fdt: memory-reservation block: %s\n", fdt_strerror(n));
		return false;
	}
	for (int i = 0; i < n; i++) {
		uint64_t base, size;
		if (fdt_get_mem_rsv(c->fdt, i, &base, &size) < 0 ||
		    !add_reserved(c->bi, base, size, "memreserve"))
			return false;
	}
	return true;
}

/* Children of /reserved-memory with a reg are fixed carve-outs; those with
 * only a size ask the OS to allocate one, which Tern does not offer. */
static bool parse_reserved_memory(struct fdt_ctx *c)
{
	int parent = fdt_path_offset(c->fdt, "/reserved-memory"), node;

	if (parent < 0)
		return true;
	fdt_for_each_subnode(node, c->fdt, parent) {
		struct fdt_mmio r;
		if (!fdt_getprop(c->fdt, node, "reg", NULL))
			continue;
		if (!fdt_read_reg(c->fdt, node, 0, &r) ||
		    !add_reserved(c->bi, r.base, r.size, fdt_node_name(c->fdt, node)))
			return false;
	}
	return true;
}

static void copy_bootargs(struct fdt_ctx *c, int chosen)
{
	int len;
	const char *args = fdt_getprop(c->fdt, chosen, "bootargs", &len);
	size_t n = args ? strnlen(args, (size_t)len) : 0;

	if (n >= sizeof(c->bi->cmdline)) {
		pr_warn("fdt: bootargs cut to %zu of %zu bytes\n", sizeof(c->bi->cmdline) - 1, n);
		n = sizeof(c->bi->cmdline) - 1;
	}
	memcpy(c->bi->cmdline, args ? args : "", n);
	c->bi->cmdline[n] = '\0';
}

static bool check_tree(const void *fdt, size_t max_len)
{
	if (!fdt || max_len < sizeof(struct fdt_header)) {
		pr_err("fdt: no device tree (%zu bytes)\n", fdt ? max_len : 0);
		return false;
	}
	int err = fdt_check_header(fdt);
	if (err == 0 && fdt_totalsize(fdt) > max_len) {
		pr_err("fdt: totalsize %u exceeds the %zu bytes available\n", fdt_totalsize(fdt),
		       max_len);
		return false;
	}
	if (err == 0)
		err = fdt_check_full(fdt, max_len);
	if (err < 0)
		pr_err("fdt: not a valid device tree: %s\n", fdt_strerror(err));
	return err == 0;
}

static bool parse_boot_info(struct fdt_ctx *c, phys_addr_t fdt_phys)
{
	int chosen = fdt_path_offset(c->fdt, "/chosen");

	if (chosen < 0) {
		pr_err("fdt: no /chosen node\n");
		return false;
	}
	memcpy(c->bi->loader_name, "device tree", sizeof("device tree"));
	copy_bootargs(c, chosen);
	return add_reserved(c->bi, fdt_phys, fdt_totalsize(c->fdt), "device tree") &&
	       parse_memreserve(c) && parse_reserved_memory(c) && parse_memory(c);
}

bool fdt_bootinfo_parse(const void *fdt, phys_addr_t fdt_phys, size_t max_len,
			struct boot_info *bi, struct fdt_platform *plat)
{
	struct fdt_ctx c = { .fdt = fdt, .bi = bi, .plat = plat };

	memset(bi, 0, sizeof(*bi));
	memset(plat, 0, sizeof(*plat));
	if (check_tree(fdt, max_len) && parse_boot_info(&c, fdt_phys) &&
	    fdt_platform_parse(&c))
		return true;
	memset(bi, 0, sizeof(*bi));
	memset(plat, 0, sizeof(*plat));
	return false;
}
