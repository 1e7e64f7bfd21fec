/* Controls for tests/unit/seams/fake_usb.c. */
#ifndef TERN_FAKE_USB_H
#define TERN_FAKE_USB_H

#include <stdbool.h>
#include <stddef.h>

extern long fake_kmalloc_live; /* kmalloc'd blocks not yet freed */
extern long fake_dma_live;     /* DMA chunks not yet freed */
extern bool fake_dma_fail;     /* make every DMA allocation fail */
extern char fake_shell_typed[4096]; /* what shell_input_char received */
extern size_t fake_shell_typed_len;
extern int fake_shell_poll_next;    /* next shell_poll_char() result */
extern unsigned fake_shell_poll_delay; /* ... after this many -1 results */
void fake_shell_clear(void);

#endif
