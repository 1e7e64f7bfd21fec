/* Host fake of kmalloc (tests/unit/seams/fake_kmalloc.c): libc malloc that
 * counts live blocks, so tests can check that code frees what it takes. */
#ifndef TERN_FAKE_KMALLOC_H
#define TERN_FAKE_KMALLOC_H

extern long fake_kmalloc_live; /* kmalloc'd blocks not yet freed */

#endif
