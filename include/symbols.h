/*
 * Kernel symbol lookup for backtraces and allocation-site reports. The
 * kernel is linked twice; the second link embeds a sorted table of function
 * addresses and names generated from the first (scripts/gensyms.py).
 */
#ifndef TERN_SYMBOLS_H
#define TERN_SYMBOLS_H

#include "types.h"

/* Name of the function containing addr and the offset into it; NULL if
 * addr is not inside the kernel text. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

/* Formats "name+0xoff" (or "0xaddr") into buf. */
void ksym_format(uintptr_t addr, char *buf, size_t len);

#endif
