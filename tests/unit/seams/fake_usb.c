/*
 * Host fakes for what the USB core needs from other layers: kmalloc (libc
 * malloc with a live count), the DMA pool (malloc'd chunks with a live
 * count and fake "physical" addresses), ksnprintf, and the shell's input
 * hooks (captured so tests can read what a keyboard typed). Linked by the
 * USB unit tests and fuzzers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma_pool.h"
#include "fake_usb.h"
#include "kstring.h"
#include "mm.h"
#include "shell.h"

long fake_kmalloc_live;
long fake_dma_live;
bool fake_dma_fail;
char fake_shell_typed[4096];
size_t fake_shell_typed_len;
int fake_shell_poll_next = -1;
unsigned fake_shell_poll_delay;

void *kmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p)
		fake_kmalloc_live++;
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *ptr)
{
	if (ptr)
		fake_kmalloc_live--;
	free(ptr);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* --- DMA pool ----------------------------------------------------------- */
struct dma_pool {
	struct dma_pool_config cfg;
};

/* Chunks carry a header so free can check the pointer came from here. */
struct fake_chunk {
	unsigned magic;
	size_t size;
};
#define CHUNK_MAGIC 0xd3a9001u
#define FAKE_PHYS_OFFSET 0x10000000ull

const struct dma_page_source dma_kernel_source;

struct dma_pool *dma_pool_create(const char *name, const struct dma_pool_config *cfg)
{
	struct dma_pool *p = calloc(1, sizeof(*p));
	p->cfg = *cfg;
	return p;
}

void *dma_pool_alloc(struct dma_pool *pool, size_t size, dma_addr_t *phys)
{
	struct fake_chunk *c;

	if (fake_dma_fail || size > pool->cfg.max_chunk)
		return NULL;
	c = calloc(1, sizeof(*c) + size);
	c->magic = CHUNK_MAGIC;
	c->size = size;
	fake_dma_live++;
	*phys = (dma_addr_t)(uintptr_t)(c + 1) ^ FAKE_PHYS_OFFSET;
	return c + 1;
}

void dma_pool_free(struct dma_pool *pool, void *vaddr)
{
	struct fake_chunk *c = (struct fake_chunk *)vaddr - 1;
	if (c->magic != CHUNK_MAGIC)
		abort();
	c->magic = 0;
	fake_dma_live--;
	free(c);
}

/* --- shell input --------------------------------------------------------- */
void shell_input_char(char c)
{
	if (fake_shell_typed_len + 1 < sizeof(fake_shell_typed)) {
		fake_shell_typed[fake_shell_typed_len++] = c;
		fake_shell_typed[fake_shell_typed_len] = 0;
	}
}

int shell_poll_char(void)
{
	int c = fake_shell_poll_next;

	if (fake_shell_poll_delay) {
		fake_shell_poll_delay--;
		return -1;
	}
	fake_shell_poll_next = -1;
	return c;
}

void fake_shell_clear(void)
{
	fake_shell_typed_len = 0;
	fake_shell_typed[0] = 0;
}

bool kstrtou64(const char *s, uint64_t *out)
{
	char *end;
	if (!*s)
		return false;
	*out = strtoull(s, &end, 0);
	return *end == 0;
}
