/*
 * The one host fake of kmalloc/kzalloc/kfree for tests that do not run the
 * real mm/kmalloc.c: libc's allocator (so ASan sees every block) with a live
 * count that leak checks compare against a baseline.
 */
#include <stdlib.h>

#include "fake_kmalloc.h"
#include "mm.h"

long fake_kmalloc_live;

void *kmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p)
		fake_kmalloc_live++;
	return p;
}

void *kzalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p)
		fake_kmalloc_live++;
	return p;
}

void kfree(void *ptr)
{
	if (ptr)
		fake_kmalloc_live--;
	free(ptr);
}
